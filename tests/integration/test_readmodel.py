"""The live read model: catch-up then live, read-your-writes waits, and bad events skipped."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course, register
from quizflow.app.readmodel import QuizNeedsAttention, ReadModel
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import ANY, Cursor, EventStore, NewEvent
from quizflow.quiz import (
    ClassRegistered,
    SchoolRegistered,
    StartOver,
    StartQuiz,
    StudentEnrolled,
    SubmitAnswer,
    quiz_stream_id,
)

COURSE = load_course_file(sample_course_path())
IDS = ("s1", COURSE["course_id"], COURSE["chapters"][0]["chapter_id"])
QUESTIONS = {q["question_id"]: q for q in COURSE["chapters"][0]["questions"]}
ROSTER = [
    SchoolRegistered("sch", "School"),
    ClassRegistered("sch", "c1", "7A", "t1", "Ms T"),
    StudentEnrolled("sch", "c1", "s1", "Sam"),
    StudentEnrolled("sch", "c1", "s2", "Sue"),
]


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    return any_store


@pytest.fixture
def model(store: EventStore) -> Iterator[ReadModel]:
    model = ReadModel(store)
    yield model
    model.stop()


def test_it_catches_up_with_the_log_then_follows_it_live(
    store: EventStore, model: ReadModel
) -> None:
    publish_course(store, COURSE)
    last = register(store, list(ROSTER))[-1]
    model.start(catch_up_timeout=30)
    # The head a store reports can lag behind an append (another transaction in the cluster
    # holds it back); waiting for the append's own cursor is what read-your-writes means.
    assert model.wait_for(last.cursor, timeout=30)
    assert model.student("s1") is not None and model.course(IDS[1]) is not None
    school_class = model.school_class("c1")
    assert school_class is not None and school_class.student_ids == ("s1", "s2")
    teacher = model.teacher("t1")
    assert teacher is not None and teacher.class_ids == ("c1",)

    result = CommandHandler(store).handle(StartQuiz(*IDS))
    assert model.wait_for(result.cursor, timeout=30)
    view = model.quiz(*IDS)
    assert view.state == result.state and view.cursor == result.cursor
    assert model.quiz("s2", *IDS[1:]).state.version == 0


def test_it_keeps_the_last_answer_until_the_next_question(
    store: EventStore, model: ReadModel
) -> None:
    publish_course(store, COURSE)
    model.start(catch_up_timeout=30)
    handler = CommandHandler(store)
    question = handler.handle(StartQuiz(*IDS)).state.question_id or ""
    inputs = dict(QUESTIONS[question]["wrong_answers"][0]["answer"])
    answered = handler.handle(SubmitAnswer(*IDS, question, inputs))
    assert model.wait_for(answered.cursor, timeout=30)
    view = model.quiz(*IDS)
    assert (view.last_outcome, dict(view.last_inputs)) == ("incorrect", inputs)
    again = handler.handle(StartOver(*IDS))
    assert model.wait_for(again.cursor, timeout=30)
    assert model.quiz(*IDS).last_outcome is None


def test_waiting_for_a_cursor_it_has_not_reached_gives_up_after_the_timeout(
    model: ReadModel,
) -> None:
    model.start(catch_up_timeout=30)
    started = time.monotonic()
    assert not model.wait_for(Cursor(10**12, 10**12), timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2
    assert model.wait_for(None)


def test_events_it_cannot_read_are_skipped_and_the_rest_still_applied(
    store: EventStore, model: ReadModel
) -> None:
    publish_course(store, COURSE)
    # A quiz event without its attempt, in s1's quiz stream; an event of a type it does not know.
    ids = dict(zip(("student_id", "course_id", "chapter_id"), IDS, strict=True))
    store.append(quiz_stream_id(*IDS), ANY, [NewEvent("chapter-quiz/QuizStarted", ids)])
    store.append("other", ANY, [NewEvent("someone-else/Happened", {})])
    last = register(store, list(ROSTER))[-1]
    model.start(catch_up_timeout=30)
    assert model.wait_for(last.cursor, timeout=30)
    status = model.status()
    # At start it reads the course and the roster, and none of the quizzes (the quiz event
    # comes live, and is counted then, only when the head it started from was before it).
    assert (status["students_loaded"], status["quizzes"]) == (0, 0)
    assert status["events_applied"] == len(ROSTER) + 1
    assert status["events_skipped"] in (1, 2)
    assert model.student("s2") is not None
    # A student's quizzes are read when first asked for: the malformed event is found then.
    with pytest.raises(QuizNeedsAttention, match="QuizStarted"):
        model.quiz(*IDS)
    assert model.status()["events_skipped"] == 2  # each counted once, live or read
    assert model.status()["quizzes_needing_attention"] == 1
    assert model.quiz("s2", *IDS[1:]).state.version == 0


def test_an_async_view_waits_for_its_command_without_holding_a_thread(
    store: EventStore, model: ReadModel
) -> None:
    import asyncio

    publish_course(store, COURSE)
    model.start(catch_up_timeout=30)

    async def scenario() -> tuple[bool, bool]:
        result = await asyncio.to_thread(CommandHandler(store).handle, StartQuiz(*IDS))
        reached = await model.wait_for_async(result.cursor, timeout=30)
        missed = await model.wait_for_async(Cursor(10**12, 0), timeout=0.1)
        return reached, missed

    assert asyncio.run(scenario()) == (True, False)
    assert model.quiz(*IDS).state.status == "awaiting-answer"
    assert model.status()["view_wait_timeouts"] == 1
