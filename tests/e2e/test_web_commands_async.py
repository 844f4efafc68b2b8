"""Commands awaited on the web server's event loop (``AsyncPostgresEventStore`` and
``CommandHandler.handle_async``): the same guarantees as the synchronous path."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from quizflow.app.handler import CommandHandler, CommandResult
from quizflow.app.publishing import publish_course
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import ConcurrencyError, NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.eventstore.postgres_async import AsyncPostgresEventStore
from quizflow.quiz import (
    Course,
    QuestionAssigned,
    QuizStarted,
    StartQuiz,
    SubmitAnswer,
    legacy_quiz_stream_id,
    quiz_stream_id,
    to_payload,
)

COURSE = load_course_file(sample_course_path())
CHAPTER = COURSE["chapters"][0]
RIGHT = {
    q["question_id"]: {n: v[0] for n, v in q["accepted"].items()} for q in CHAPTER["questions"]
}
QUIZ_IDS = ("alice", COURSE["course_id"], CHAPTER["chapter_id"])


def _with_async_store(
    pg_url: str, body: Callable[[PostgresEventStore, AsyncPostgresEventStore], Awaitable[Any]]
) -> Any:
    with PostgresEventStore(pg_url) as store:

        async def main() -> Any:
            commands = AsyncPostgresEventStore(store, max_size=4)
            await commands.open()
            try:
                return await body(store, commands)
            finally:
                await commands.close()

        return asyncio.run(main())


def _course(store: PostgresEventStore) -> tuple[CommandHandler, Course]:
    publish_course(store, COURSE)
    handler = CommandHandler(store)
    course = handler.catalog.get(COURSE["course_id"])
    assert course is not None
    return handler, course


def test_the_async_store_appends_and_reads_like_the_sync_one(pg_url: str) -> None:
    async def body(store: PostgresEventStore, commands: AsyncPostgresEventStore) -> None:
        events = [NewEvent("test/Happened", {"n": n}, {"command_id": "c"}) for n in range(2)]
        appended = await commands.append("s-1", 0, events)
        assert [e.version for e in appended] == [1, 2]
        assert await commands.read_stream("s-1") == store.read_stream("s-1")
        assert [e.event_id for e in await commands.read_stream("s-1", 2)] == [events[1].event_id]
        # A retried append of the same events returns what was stored, and stores nothing.
        again = await commands.append("s-1", 0, events)
        assert [e.event_id for e in again] == [e.event_id for e in appended]
        assert await commands.stream_version("s-1") == 2
        with pytest.raises(ConcurrencyError):
            await commands.append("s-1", 1, [NewEvent("test/Happened", {"n": 9})])
        assert store.stream_version("s-1") == 2

    _with_async_store(pg_url, body)


def test_racing_copies_of_one_command_on_the_event_loop_answer_once(pg_url: str) -> None:
    async def body(store: PostgresEventStore, commands: AsyncPostgresEventStore) -> None:
        handler, course = _course(store)
        started = await handler.handle_async(StartQuiz(*QUIZ_IDS), commands, course)
        question_id = started.state.question_id or ""
        answer = SubmitAnswer(*QUIZ_IDS, question_id, RIGHT[question_id])
        command_id = uuid.uuid4()
        # Separate handlers (as separate server processes would be): no shared cache.
        racers = [CommandHandler(store) for _ in range(4)]
        results: list[CommandResult] = await asyncio.gather(
            *(
                racer.handle_async(answer, commands, course, command_id=command_id)
                for racer in racers
            )
        )
        assert {r.status for r in results} == {"ok"}
        assert len({tuple(e.event_id for e in r.events) for r in results}) == 1
        assert store.stream_version(started.stream_id) == started.version + 1
        # The synchronous handler sees the same command as handled.
        replay = CommandHandler(store).handle(answer, command_id=command_id)
        assert replay.replayed and replay.events == results[0].events

    _with_async_store(pg_url, body)


def test_different_commands_racing_on_one_quiz_decide_on_the_latest_state(pg_url: str) -> None:
    async def body(store: PostgresEventStore, commands: AsyncPostgresEventStore) -> None:
        handler, course = _course(store)
        await handler.handle_async(StartQuiz(*QUIZ_IDS), commands, course)
        racers = [CommandHandler(store) for _ in range(3)]
        results = await asyncio.gather(
            *(racer.handle_async(StartQuiz(*QUIZ_IDS), commands, course) for racer in racers)
        )
        # Each start after the first is decided on the stream as it is then: none overwrote
        # another's version, and the stream has no gaps.
        versions = [e.version for e in store.read_stream(results[0].stream_id)]
        assert versions == list(range(1, len(versions) + 1))
        stored = {e.event_id for e in store.read_stream(results[0].stream_id)}
        for result in results:
            assert result.status in ("ok", "rejected", "conflict")
            assert {e.event_id for e in result.events} <= stored

    _with_async_store(pg_url, body)


def test_a_command_id_reused_for_another_command_is_refused_on_the_event_loop(
    pg_url: str,
) -> None:
    async def body(store: PostgresEventStore, commands: AsyncPostgresEventStore) -> None:
        handler, course = _course(store)
        command_id = uuid.uuid4()
        started = await handler.handle_async(
            StartQuiz(*QUIZ_IDS), commands, course, command_id=command_id
        )
        question_id = started.state.question_id or ""
        before = store.head()
        for deciding in (handler, CommandHandler(store)):
            for command in (
                SubmitAnswer(*QUIZ_IDS, question_id, RIGHT[question_id]),
                StartQuiz("bob", *QUIZ_IDS[1:]),
            ):
                result = await deciding.handle_async(
                    command, commands, course, command_id=command_id
                )
                assert (result.status, result.code) == ("rejected", "command-id-reused")
        assert store.head() == before
        again = await handler.handle_async(
            StartQuiz(*QUIZ_IDS), commands, course, command_id=command_id
        )
        assert again.replayed

    _with_async_store(pg_url, body)


def test_a_quiz_in_a_legacy_stream_goes_on_there_on_the_event_loop(pg_url: str) -> None:
    async def body(store: PostgresEventStore, commands: AsyncPostgresEventStore) -> None:
        handler, course = _course(store)
        question_id = next(iter(RIGHT))
        legacy = legacy_quiz_stream_id(*QUIZ_IDS)
        assigned = QuestionAssigned(*QUIZ_IDS, 1, question_id)
        store.append(
            legacy,
            0,
            [NewEvent(*to_payload(QuizStarted(*QUIZ_IDS, 1))), NewEvent(*to_payload(assigned))],
        )
        answered = await handler.handle_async(
            SubmitAnswer(*QUIZ_IDS, question_id, RIGHT[question_id]), commands, course
        )
        assert (answered.status, answered.stream_id) == ("ok", legacy)
        assert store.stream_version(legacy) == 3
        assert store.read_stream(quiz_stream_id(*QUIZ_IDS)) == []

    _with_async_store(pg_url, body)


def test_concurrent_retries_of_an_answer_over_http_answer_only_once(site: Any) -> None:
    quiz = f"/api/quizzes/{site.course_id}/{site.chapter_id}"
    client = site.client("alice")
    start = client.post(f"{quiz}/start", json={"command_id": str(uuid.uuid4())})
    assert start.status_code == 200, start.text
    question_id = client.get(quiz).json()["question"]["question_id"]
    body = {
        "command_id": str(uuid.uuid4()),
        "question_id": question_id,
        "inputs": site.right(question_id),
    }
    cookies = dict(client.cookies)
    before = site.event_count()

    def post(_: int) -> dict[str, Any]:
        with site.client() as other:
            other.cookies.update(cookies)
            response = other.post(f"{quiz}/answer", json=body)
            assert response.status_code == 200, response.text
            document: dict[str, Any] = response.json()
            return document

    with ThreadPoolExecutor(max_workers=6) as pool:
        documents = list(pool.map(post, range(6)))
    assert len({tuple(e["event_id"] for e in d["events"]) for d in documents}) == 1
    assert site.event_count() == before + len(documents[0]["events"])
    assert client.get(quiz).json()["last_answer"]["correct"] is True
