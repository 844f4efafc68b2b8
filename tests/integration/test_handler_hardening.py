"""The command handler and the read model against poison events (planted past every check
with the owner's connection) and dropped connections. The web app's end of the same behaviour
is tests/e2e/test_poison_events.py and test_database_restart.py."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from quizflow.app.handler import QUIZ_NEEDS_ATTENTION, CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.app.readmodel import QuizNeedsAttention, ReadModel
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import (
    EventStore,
    ExpectedVersion,
    InMemoryEventStore,
    NewEvent,
    RecordedEvent,
)
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.quiz import NextQuestion, StartQuiz, SubmitAnswer, quiz_stream_id

COURSE = load_course_file(sample_course_path())
IDS = ("s1", COURSE["course_id"], COURSE["chapters"][0]["chapter_id"])
STREAM = quiz_stream_id(*IDS)
QUESTIONS = {q["question_id"]: q for q in COURSE["chapters"][0]["questions"]}


def right(question_id: str) -> dict[str, str]:
    return {name: values[0] for name, values in QUESTIONS[question_id]["accepted"].items()}


@pytest.fixture
def store(pg_url: str) -> Iterator[PostgresEventStore]:
    with PostgresEventStore(pg_url) as store:
        publish_course(store, COURSE)
        yield store


@pytest.fixture
def memory_store() -> InMemoryEventStore:
    store = InMemoryEventStore()
    publish_course(store, COURSE)
    return store


def started(store: EventStore) -> str:
    result = CommandHandler(store).handle(StartQuiz(*IDS))
    assert result.status == "ok" and result.state.question_id
    return result.state.question_id


def plant(store: PostgresEventStore, type_: str, data: Any, metadata: Any = None) -> None:
    """Append one event as the database owner, past every check of the application."""
    event = {
        "event_id": str(uuid.uuid4()),
        "type": type_,
        "data": data,
        "metadata": {} if metadata is None else metadata,
    }
    with psycopg.connect(store.url, autocommit=True) as conn:
        if conn.execute("select to_regclass('quizflow.event_types')").fetchone() != (None,):
            conn.execute(
                "insert into quizflow.event_types (type) values (%s) on conflict do nothing",
                (type_,),
            )
        conn.execute(
            "select quizflow.append_events(%s, null, %s::jsonb)", (STREAM, json.dumps([event]))
        )


def model_of(store: PostgresEventStore) -> ReadModel:
    """A read model fed by hand with every stored event: the log's order is only readable up
    to the oldest transaction running in the cluster, so wait until that passed them all."""
    model = ReadModel(store)
    deadline = time.monotonic() + 30
    events = store.read_all(limit=100_000)
    while events == [] or store.exists_after(events[-1].cursor):
        assert time.monotonic() < deadline, "the log's horizon did not pass the last event"
        time.sleep(0.05)
        events = store.read_all(limit=100_000)
    for event in events:
        model.apply(event)
    return model


def test_an_unknown_event_type_is_skipped_and_the_quiz_goes_on(
    store: PostgresEventStore,
) -> None:
    question = started(store)
    plant(
        store,
        "chapter-quiz/HintShown",
        {"student_id": "s1", "course_id": IDS[1], "chapter_id": IDS[2], "hint": "halves"},
    )
    result = CommandHandler(store).handle(SubmitAnswer(*IDS, question, right(question)))
    assert result.status == "ok" and [e.version for e in result.events] == [4]
    model = model_of(store)
    view = model.quiz(*IDS)
    assert (view.state.status, view.state.version, view.version) == ("answered-correctly", 4, 4)
    assert model.status()["events_unknown_type"] == 1


@pytest.mark.parametrize(
    "data",
    [
        {"question_id": "q", "inputs": "5", "streak": 1},  # inputs not an object
        {"question_id": "q", "inputs": {"_INPUT_1_": 5}, "streak": "one"},  # wrong types
        "not an object at all",
    ],
)
def test_a_malformed_event_makes_the_quiz_need_attention_naming_the_problem(
    store: PostgresEventStore, data: Any
) -> None:
    started(store)
    ids = {"student_id": "s1", "course_id": IDS[1], "chapter_id": IDS[2], "attempt": 1}
    plant(
        store,
        "chapter-quiz/QuestionAnsweredCorrectly",
        {**ids, **data} if isinstance(data, dict) else data,
    )
    for handler in (CommandHandler(store), CommandHandler(store)):  # fresh, and cached
        for command in (NextQuestion(*IDS), StartQuiz(*IDS)):
            result = handler.handle(command)
            assert (result.status, result.code) == ("rejected", QUIZ_NEEDS_ATTENTION)
            assert "event 3" in (result.reason or "") and "QuestionAnsweredCorrectly" in (
                result.reason or ""
            )
    assert len(store.read_stream(STREAM)) == 3  # nothing appended after it
    model = model_of(store)
    with pytest.raises(QuizNeedsAttention, match="event 3 of stream"):
        model.quiz(*IDS)
    assert model.quiz("s2", *IDS[1:]).state.version == 0  # only that quiz
    assert model.status()["quizzes_needing_attention"] == 1


def test_metadata_that_is_not_an_object_is_ignored(store: PostgresEventStore) -> None:
    question = started(store)
    plant(
        store,
        "chapter-quiz/QuestionAssigned",
        {
            "student_id": "s1",
            "course_id": IDS[1],
            "chapter_id": IDS[2],
            "attempt": 1,
            "question_id": question,
        },
        metadata=["an", "array"],
    )
    result = CommandHandler(store).handle(
        SubmitAnswer(*IDS, question, right(question)), command_id=uuid.uuid4()
    )
    assert result.status == "ok"
    assert model_of(store).quiz(*IDS).state.status == "answered-correctly"


class DroppingStore:
    """The store, but its next ``drops`` reads fail as on a connection PostgreSQL ended."""

    def __init__(self, store: InMemoryEventStore, error: Exception, drops: int = 1) -> None:
        self._store, self._error, self.drops = store, error, drops

    def read_stream(self, stream_id: str, from_version: int = 1) -> list[RecordedEvent]:
        if self.drops:
            self.drops -= 1
            raise self._error
        return self._store.read_stream(stream_id, from_version)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


class AsyncDroppingStore(DroppingStore):
    async def read_stream(
        self,
        stream_id: str,  # type: ignore[override]
        from_version: int = 1,
    ) -> list[RecordedEvent]:
        return DroppingStore.read_stream(self, stream_id, from_version)

    async def append(
        self, stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
    ) -> list[RecordedEvent]:
        return self._store.append(stream_id, expected_version, events)


def test_a_command_whose_connection_died_is_run_once_more(
    memory_store: InMemoryEventStore,
) -> None:
    store = memory_store
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    dropping = DroppingStore(store, lost)
    handler = CommandHandler(dropping)  # type: ignore[arg-type]
    assert handler.handle(StartQuiz(*IDS)).status == "ok"

    course = handler.catalog.get(IDS[1])
    async_store = AsyncDroppingStore(store, lost)
    result = asyncio.run(handler.handle_async(NextQuestion("s2", *IDS[1:]), async_store, course))
    assert result.status == "rejected" and async_store.drops == 0  # ran, on its second try

    twice = DroppingStore(store, lost, drops=2)
    with pytest.raises(psycopg.OperationalError):  # once more, not forever
        CommandHandler(twice).handle(StartQuiz("s3", *IDS[1:]))  # type: ignore[arg-type]
    timeout = DroppingStore(store, PoolTimeout("couldn't get a connection after 30.00 sec"))
    with pytest.raises(PoolTimeout):  # a second wait would only double it
        CommandHandler(timeout).handle(StartQuiz("s4", *IDS[1:]))  # type: ignore[arg-type]
    assert timeout.drops == 0 and store.stream_version(quiz_stream_id("s4", *IDS[1:])) == 0
