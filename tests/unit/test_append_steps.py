"""The PostgreSQL append's decisions (``append_steps``), driven without a database: each
statement it asks for is answered by a script of rows and errors, through both drivers the
stores use. The stores' own tests (event store contract, async store) run it on PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.pq import DiagnosticField

from quizflow.eventstore import (
    ConcurrencyError,
    DuplicateEventError,
    InvalidEventError,
    NewEvent,
)
from quizflow.eventstore.append_steps import (
    ATTEMPTS,
    Appended,
    Statement,
    append_steps,
    racing_for_a_version,
)
from quizflow.eventstore.sqlfiles import query
from quizflow.sansio import Steps, run_steps, run_steps_async

STREAM = "quiz-s1"
RECORDED = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
EVENT = NewEvent("chapter-quiz/QuizStarted", {"quiz": 1}, event_id=uuid.uuid4())


class Script:
    """Answers the statements in order with the given rows, or raises the given errors."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked: list[Statement] = []

    def __call__(self, statement: Statement) -> Any:
        self.asked.append(statement)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def kinds(self) -> list[str]:
        names = {
            query("append_event"): "append_event",
            query("append"): "append_events",
            query("stored_events"): "stored_events",
            query("stream_version"): "stream_version",
        }
        return [names[s.sql] for s in self.asked]


def _sync(steps: Steps[Statement, Appended], script: Script) -> Appended:
    return run_steps(steps, script)


def _async(steps: Steps[Statement, Appended], script: Script) -> Appended:
    async def perform(statement: Statement) -> Any:
        return script(statement)

    return asyncio.run(run_steps_async(steps, perform))


Driver = Callable[[Steps[Statement, Appended], Script], Appended]


@pytest.fixture(params=[_sync, _async], ids=["sync", "async"])
def drive(request: pytest.FixtureRequest) -> Driver:
    driver: Driver = request.param
    return driver


def _stored_row(event: NewEvent, stream_id: str = STREAM, version: int = 1) -> tuple[Any, ...]:
    """A row of ``stored_events``: the event as the store keeps it."""
    return (
        7,
        100,
        event.event_id,
        stream_id,
        version,
        event.type,
        dict(event.data),
        {},
        RECORDED,
        RECORDED,
    )


def _unique_violation(constraint: str) -> psycopg.Error:
    info = {DiagnosticField.CONSTRAINT_NAME: constraint.encode()}
    return errors.UniqueViolation("duplicate key value", info=info)


def _refused(message: str) -> psycopg.Error:
    info = {
        DiagnosticField.SQLSTATE: b"QF004",
        DiagnosticField.MESSAGE_PRIMARY: message.encode(),
    }
    return psycopg.Error(message, info=info)


def test_a_first_append_is_one_statement_and_wakes_subscribers(drive: Driver) -> None:
    script = Script([(7, 100, 4, RECORDED)])
    appended = drive(append_steps(STREAM, 3, [EVENT]), script)
    assert script.kinds() == ["append_event"]
    assert script.asked[0].binary
    assert script.asked[0].params[:3] == (STREAM, 3, EVENT.event_id)
    assert appended.new
    [event] = appended.events
    assert (event.event_id, event.version, event.position, event.tx) == (EVENT.event_id, 4, 7, 100)
    assert (event.data, event.occurred_at) == ({"quiz": 1}, RECORDED)


def test_several_events_go_as_one_append_events_statement(drive: Driver) -> None:
    events = [NewEvent("t/A", {"n": n}) for n in range(3)]
    rows = [(10 + n, 100, 1 + n, RECORDED) for n in range(3)]
    script = Script(rows)
    appended = drive(append_steps(STREAM, "no-stream", events), script)
    assert script.kinds() == ["append_events"]
    assert [e.version for e in appended.events] == [1, 2, 3]
    assert [e.data for e in appended.events] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_no_events_ask_for_nothing_but_bad_input_still_fails(drive: Driver) -> None:
    script = Script()
    assert drive(append_steps(STREAM, "any", []), script) == Appended([], new=False)
    with pytest.raises(ValueError, match="expected_version"):
        drive(append_steps(STREAM, -1, []), script)
    assert script.asked == []


def test_a_stream_at_another_version_is_a_conflict_naming_that_version(drive: Driver) -> None:
    script = Script([], [], [(5,)])
    with pytest.raises(ConcurrencyError) as raised:
        drive(append_steps(STREAM, 3, [EVENT]), script)
    assert script.kinds() == ["append_event", "stored_events", "stream_version"]
    assert (raised.value.expected, raised.value.actual) == (3, 5)


def test_a_retry_of_a_stored_append_returns_the_stored_events(drive: Driver) -> None:
    script = Script([], [_stored_row(EVENT, version=4)])
    appended = drive(append_steps(STREAM, 3, [EVENT]), script)
    assert script.kinds() == ["append_event", "stored_events"]
    assert not appended.new  # nothing new for subscribers
    assert [(e.event_id, e.version) for e in appended.events] == [(EVENT.event_id, 4)]


def test_an_event_id_stored_for_another_event_is_refused(drive: Driver) -> None:
    other = NewEvent(EVENT.type, {"quiz": 2}, event_id=EVENT.event_id)
    script = Script([], [_stored_row(other)])
    with pytest.raises(DuplicateEventError):
        drive(append_steps(STREAM, 3, [EVENT]), script)


def test_a_refused_event_is_an_invalid_event_error_without_lookups(drive: Driver) -> None:
    script = Script(_refused("unknown event type: t/Nope"))
    with pytest.raises(InvalidEventError, match="unknown event type: t/Nope"):
        drive(append_steps(STREAM, "any", [EVENT]), script)
    assert script.kinds() == ["append_event"]


def test_an_any_append_that_loses_the_race_for_a_version_tries_again(drive: Driver) -> None:
    racing = _unique_violation("events_stream_version_key")
    script = Script(racing, [], [(8, 101, 2, RECORDED)])
    appended = drive(append_steps(STREAM, "any", [EVENT]), script)
    assert script.kinds() == ["append_event", "stored_events", "append_event"]
    assert appended.new and appended.events[0].version == 2


def test_an_any_append_that_keeps_losing_gives_up_with_a_conflict(drive: Driver) -> None:
    racing = _unique_violation("events_stream_version_key")
    script = Script(*[racing, []] * ATTEMPTS, [(9,)])
    with pytest.raises(ConcurrencyError) as raised:
        drive(append_steps(STREAM, "any", [EVENT]), script)
    assert script.kinds().count("append_event") == ATTEMPTS
    assert script.kinds()[-1] == "stream_version"
    assert raised.value.actual == 9


def test_an_expected_version_taken_by_a_racing_append_is_a_conflict(drive: Driver) -> None:
    script = Script(_unique_violation("events_stream_version_key"), [], [(4,)])
    with pytest.raises(ConcurrencyError) as raised:
        drive(append_steps(STREAM, 3, [EVENT]), script)
    assert script.kinds() == ["append_event", "stored_events", "stream_version"]
    assert raised.value.actual == 4
    assert raised.value.__suppress_context__  # the database's error is not the story


def test_another_unique_violation_with_an_expected_version_is_raised_as_it_is(
    drive: Driver,
) -> None:
    error = _unique_violation("events_event_id_key")
    script = Script(error, [])
    with pytest.raises(errors.UniqueViolation) as raised:
        drive(append_steps(STREAM, 3, [EVENT]), script)
    assert raised.value is error


def test_a_lost_connection_is_raised_unless_the_append_was_stored(drive: Driver) -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    script = Script(lost, [])
    with pytest.raises(psycopg.OperationalError) as raised:
        drive(append_steps(STREAM, 3, [EVENT]), script)
    assert raised.value is lost
    assert script.kinds() == ["append_event", "stored_events"]

    # The statement may have committed before the connection died: then it was stored.
    script = Script(lost, [_stored_row(EVENT, version=4)])
    appended = drive(append_steps(STREAM, 3, [EVENT]), script)
    assert [e.version for e in appended.events] == [4]


@pytest.mark.parametrize(
    ("constraint", "expected", "racing"),
    [
        ("events_stream_version_key", 3, True),
        ("events_stream_version_key", None, True),
        ("events_event_id_key", None, True),  # a racing copy of this append: look again
        ("events_event_id_key", 3, False),
    ],
)
def test_which_unique_violations_are_races_for_a_version(
    constraint: str, expected: int | None, racing: bool
) -> None:
    assert racing_for_a_version(_unique_violation(constraint), expected) is racing


def test_errors_other_than_unique_violations_are_not_races() -> None:
    assert not racing_for_a_version(psycopg.OperationalError("gone"), None)
