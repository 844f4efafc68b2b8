"""The command handler's retry policy (``CommandHandler.steps``), driven by both drivers the
handler uses, its requests answered on a real in-memory store; a rival's append, or a dying
connection, is put between the handler's read and its append. The handler's tests on
PostgreSQL (test_command_handler.py, test_web_commands_async.py) run the same steps for real."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg_pool import PoolTimeout

from quizflow.app.handler import (
    COMMAND_ID_REUSED,
    AppendEvents,
    CommandHandler,
    CommandResult,
    FindCourse,
    HandlerRequest,
    ReadStream,
    event_id_for,
)
from quizflow.app.publishing import publish_course
from quizflow.eventstore import ANY, InMemoryEventStore, NewEvent
from quizflow.quiz import Code, StartQuiz, quiz_stream_id
from quizflow.quiz.testing import tiny_course
from quizflow.sansio import run_steps, run_steps_async

COURSE = tiny_course()
IDS = ("s1", COURSE.course_id, "basics")
STREAM = quiz_stream_id(*IDS)
# A fact of a newer version's rules: the fold skips it, but it moves the stream's version on.
NEWER_FACT = "chapter-quiz/FromANewerVersion"

Interruption = Callable[[], None]


class Answers:
    """Answers the handler's requests on ``store``. Before the n-th append, the n-th of
    ``before_append`` runs (a rival's write, or an error); after it, the n-th of
    ``after_append`` (the reply lost with the connection)."""

    def __init__(
        self,
        store: InMemoryEventStore,
        before_append: list[Interruption] | None = None,
        after_append: list[Interruption] | None = None,
    ) -> None:
        self.store = store
        self.before_append = before_append or []
        self.after_append = after_append or []
        self.asked: list[str] = []

    def __call__(self, request: HandlerRequest) -> Any:
        self.asked.append(type(request).__name__)
        if isinstance(request, ReadStream):
            return self.store.read_stream(request.stream_id, request.from_version)
        if isinstance(request, FindCourse):
            assert request.course_id == COURSE.course_id
            return COURSE
        assert isinstance(request, AppendEvents)
        if self.before_append:
            self.before_append.pop(0)()
        stored = self.store.append(request.stream_id, request.expected_version, request.events)
        if self.after_append:
            self.after_append.pop(0)()
        return stored


def _sync(handler: CommandHandler, command_id: uuid.UUID, answers: Answers) -> CommandResult:
    return run_steps(handler.steps(StartQuiz(*IDS), command_id=command_id), answers)


def _async(handler: CommandHandler, command_id: uuid.UUID, answers: Answers) -> CommandResult:
    async def perform(request: HandlerRequest) -> Any:
        return answers(request)

    steps = handler.steps(StartQuiz(*IDS), command_id=command_id)
    return asyncio.run(run_steps_async(steps, perform))


Driver = Callable[[CommandHandler, uuid.UUID, Answers], CommandResult]


@pytest.fixture(params=[_sync, _async], ids=["sync", "async"])
def drive(request: pytest.FixtureRequest) -> Driver:
    driver: Driver = request.param
    return driver


@pytest.fixture
def store() -> InMemoryEventStore:
    """A store with the course published, for the rivals' blocking handlers."""
    store = InMemoryEventStore()
    publish_course(store, COURSE.to_data())
    return store


def _rival_starts_the_quiz(store: InMemoryEventStore) -> Interruption:
    return lambda: _assert_ok(CommandHandler(store).handle(StartQuiz(*IDS)))


def _rival_appends_a_newer_fact(store: InMemoryEventStore) -> Interruption:
    return lambda: store.append(STREAM, ANY, [NewEvent(NEWER_FACT, {})])


def _raises(error: Exception) -> Interruption:
    def interrupt() -> None:
        raise error

    return interrupt


def _assert_ok(result: CommandResult) -> None:
    assert result.status == "ok", result


def test_a_command_without_rivals_reads_once_and_appends_once(
    store: InMemoryEventStore, drive: Driver
) -> None:
    answers = Answers(store)
    result = drive(CommandHandler(store), uuid.uuid4(), answers)
    assert result.status == "ok"
    # The quiz's own stream is empty, so the stream of an older naming is looked at once.
    assert answers.asked == ["FindCourse", "ReadStream", "ReadStream", "AppendEvents"]


def test_a_command_that_loses_the_race_decides_again_on_the_rivals_events(
    store: InMemoryEventStore, drive: Driver
) -> None:
    answers = Answers(store, before_append=[_rival_starts_the_quiz(store)])
    result = drive(CommandHandler(store), uuid.uuid4(), answers)
    assert (result.status, result.code) == ("rejected", Code.QUIZ_ALREADY_STARTED)
    assert answers.asked[-2:] == ["AppendEvents", "ReadStream"]  # no second append
    assert [e.type for e in store.read_stream(STREAM)] == [
        "chapter-quiz/QuizStarted",
        "chapter-quiz/QuestionAssigned",
    ]


def test_a_rival_append_moves_the_expected_version_of_the_next_try(
    store: InMemoryEventStore, drive: Driver
) -> None:
    answers = Answers(store, before_append=[_rival_appends_a_newer_fact(store)])
    result = drive(CommandHandler(store), uuid.uuid4(), answers)
    assert result.status == "ok"
    assert [e.version for e in result.events] == [2, 3]
    assert answers.asked.count("AppendEvents") == 2


def test_a_quiz_that_keeps_changing_is_given_up_after_the_handlers_attempts(
    store: InMemoryEventStore, drive: Driver
) -> None:
    rivals = [_rival_appends_a_newer_fact(store) for _ in range(5)]
    answers = Answers(store, before_append=rivals)
    result = drive(CommandHandler(store, max_attempts=3), uuid.uuid4(), answers)
    assert (result.status, result.code) == ("conflict", "conflict")
    assert result.reason is not None and "3 tries" in result.reason
    assert answers.asked.count("AppendEvents") == 3
    assert {e.type for e in store.read_stream(STREAM)} == {NEWER_FACT}  # none of ours


def test_a_command_id_whose_events_another_quiz_holds_is_refused(
    store: InMemoryEventStore, drive: Driver
) -> None:
    command_id = uuid.uuid4()
    other = StartQuiz("s2", COURSE.course_id, "basics")
    done = CommandHandler(store).handle(other, command_id=command_id)
    assert done.status == "ok"
    answers = Answers(store)
    result = drive(CommandHandler(store), command_id, answers)
    assert (result.status, result.code) == ("rejected", COMMAND_ID_REUSED)
    assert store.read_stream(STREAM) == []
    assert str(event_id_for(command_id, 0)) in {str(e.event_id) for e in done.events}


def test_a_lost_connection_runs_the_command_once_more_from_the_start(
    store: InMemoryEventStore, drive: Driver
) -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    answers = Answers(store, before_append=[_raises(lost)])
    result = drive(CommandHandler(store), uuid.uuid4(), answers)
    assert result.status == "ok" and not result.replayed
    assert answers.asked.count("FindCourse") == 2  # the second try looks the course up again
    assert len(store.read_stream(STREAM)) == 2


def test_an_append_stored_before_its_connection_died_is_replayed_not_repeated(
    store: InMemoryEventStore, drive: Driver
) -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    answers = Answers(store, after_append=[_raises(lost)])
    result = drive(CommandHandler(store), uuid.uuid4(), answers)
    assert result.status == "ok" and result.replayed
    assert answers.asked.count("AppendEvents") == 1
    assert len(store.read_stream(STREAM)) == 2


def test_a_connection_lost_twice_is_raised(store: InMemoryEventStore, drive: Driver) -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    answers = Answers(store, before_append=[_raises(lost), _raises(lost)])
    with pytest.raises(psycopg.OperationalError):
        drive(CommandHandler(store), uuid.uuid4(), answers)
    assert store.read_stream(STREAM) == []


def test_no_connection_in_time_is_not_waited_for_twice(
    store: InMemoryEventStore, drive: Driver
) -> None:
    answers = Answers(store, before_append=[_raises(PoolTimeout("no connection in 30 s"))])
    with pytest.raises(PoolTimeout):
        drive(CommandHandler(store), uuid.uuid4(), answers)
    assert answers.asked.count("FindCourse") == 1
