"""The read model keeps each student's last answers for the teacher's pages: the last 20,
newest first, right and wrong, whether folded from the log or from a command's own result."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.app.readmodel import RECENT_ANSWERS, ReadModel
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import ANY, EventStore, NewEvent
from quizflow.quiz import (
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizStarted,
    StartOver,
    StartQuiz,
    SubmitAnswer,
    quiz_stream_id,
    to_payload,
)

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTERS: list[str] = [c["chapter_id"] for c in COURSE["chapters"][:2]]
QUESTIONS = {q["question_id"]: q for c in COURSE["chapters"] for q in c["questions"]}
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def model(any_store: EventStore) -> Iterator[ReadModel]:
    model = ReadModel(any_store)
    yield model
    model.stop()


def _answer(n: int, chapter_id: str) -> QuestionAnsweredCorrectly | QuestionAnsweredIncorrectly:
    ids = ("s1", COURSE_ID, chapter_id, 1, f"q-{n}")
    if n % 3 == 0:
        return QuestionAnsweredIncorrectly(*ids, {"_INPUT_1_": f"wrong {n}"})
    return QuestionAnsweredCorrectly(*ids, {"_INPUT_1_": f"right {n}"}, streak=1)


def test_it_keeps_the_last_20_answers_newest_first_right_and_wrong(
    any_store: EventStore, model: ReadModel
) -> None:
    # 25 answers in two chapters, one at a time, alternating between the chapters.
    for chapter_id in CHAPTERS:
        any_store.append(
            quiz_stream_id("s1", COURSE_ID, chapter_id),
            ANY,
            [
                NewEvent(*to_payload(QuizStarted("s1", COURSE_ID, chapter_id, 1)), occurred_at=AT),
                NewEvent(
                    *to_payload(QuestionAssigned("s1", COURSE_ID, chapter_id, 1, "q-0")),
                    occurred_at=AT,
                ),
            ],
        )
    last = None
    for n in range(1, 26):
        chapter_id = CHAPTERS[n % 2]
        last = any_store.append(
            quiz_stream_id("s1", COURSE_ID, chapter_id),
            ANY,
            [NewEvent(*to_payload(_answer(n, chapter_id)), occurred_at=AT + timedelta(minutes=n))],
        )
    assert last is not None
    model.start(catch_up_timeout=30)
    assert model.wait_for(last[-1].cursor, timeout=30)

    recent = model.recent_answers("s1")
    assert len(recent) == RECENT_ANSWERS == 20
    assert [a.question_id for a in recent] == [f"q-{n}" for n in range(25, 5, -1)]
    assert [a.occurred_at for a in recent] == [AT + timedelta(minutes=n) for n in range(25, 5, -1)]
    assert [a.correct for a in recent] == [n % 3 != 0 for n in range(25, 5, -1)]
    assert recent[0].inputs == (("_INPUT_1_", "right 25"),)
    assert recent[1].inputs == (("_INPUT_1_", "wrong 24"),)
    assert {a.chapter_id for a in recent} == set(CHAPTERS)
    assert all(a.course_id == COURSE_ID for a in recent)
    # Every answer counts towards the chapter's totals, not only the 20 kept.
    views = [model.quiz("s1", COURSE_ID, chapter_id) for chapter_id in CHAPTERS]
    assert sum(v.answers for v in views) == 25
    assert sum(v.mistakes for v in views) == len([n for n in range(1, 26) if n % 3 == 0])
    assert model.recent_answers("s2") == ()


def test_a_commands_own_answers_are_kept_once_when_the_log_brings_them_again(
    any_store: EventStore, model: ReadModel
) -> None:
    publish_course(any_store, COURSE)
    handler = CommandHandler(any_store)
    ids = ("s1", COURSE_ID, CHAPTERS[0])
    started = handler.handle(StartQuiz(*ids))
    question = started.state.question_id or ""
    wrong = dict(QUESTIONS[question]["wrong_answers"][0]["answer"])
    answered = handler.handle(SubmitAnswer(*ids, question, wrong))
    # The web app folds a command's own events at once (the subscription has not run yet).
    assert model.apply_own(started.events) and model.apply_own(answered.events)
    [first] = model.recent_answers("s1")
    assert (first.question_id, dict(first.inputs), first.correct) == (question, wrong, False)

    again = handler.handle(StartOver(*ids))
    question = again.state.question_id or ""
    right = {name: values[0] for name, values in QUESTIONS[question]["accepted"].items()}
    answered = handler.handle(SubmitAnswer(*ids, question, right))
    assert answered.cursor is not None
    model.start(catch_up_timeout=30)
    assert model.wait_for(answered.cursor, timeout=30)

    recent = model.recent_answers("s1")
    assert [(a.question_id, a.correct) for a in recent] == [
        (question, True),
        (first.question_id, False),
    ]
    assert recent[1] is first  # folded once: the log's copy was skipped by its version
    assert recent[0].occurred_at >= first.occurred_at
    view = model.quiz(*ids)
    assert (view.answers, view.mistakes) == (2, 1)
