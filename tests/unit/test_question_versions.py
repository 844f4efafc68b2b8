"""Question versions: when a publication makes a new one, which one an answer records, and
that a student mid-question is graded by the version they were shown."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from quizflow.quiz import (
    Course,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizStarted,
    StartQuiz,
    SubmitAnswer,
    from_payload,
    to_payload,
)
from quizflow.quiz.testing import given, tiny_course
from quizflow.quiz.versions import assign, graded_content, succeed

QUIZ = ("ann", "maths", "basics")


def edited(course: Course, question_id: str, **changes: Any) -> Course:
    """``course`` with one question's data changed (as an editor's form would)."""
    data = course.to_data()
    for chapter in data["chapters"]:
        for question in chapter["questions"]:
            if question["question_id"] == question_id:
                question.update(changes)
    return Course.from_data(data)


def published(*drafts: Course) -> Course:
    """The course as the quiz knows it after publishing ``drafts`` one after another."""
    course: Course | None = None
    for draft in drafts:
        course = succeed(course, assign(course, draft))
    assert course is not None
    return course


def version_of(course: Course, question_id: str) -> int:
    question = course.chapter("basics").question(question_id)  # type: ignore[union-attr]
    assert question is not None
    return question.version


def test_a_question_is_version_1_when_first_published() -> None:
    course = published(tiny_course())
    assert {q.version for c in course.chapters for q in c.questions} == {1}


def test_changing_the_text_makes_a_new_version_of_that_question_only() -> None:
    first = tiny_course()
    course = published(first, edited(first, "q1", text="Work out 1/2 + 1/4."))
    assert version_of(course, "q1") == 2
    assert version_of(course, "q2") == version_of(course, "q3") == 1


def test_accepted_answers_labels_and_equivalence_count_as_content() -> None:
    first = tiny_course()
    by_answers = published(first, edited(first, "q2", accepted={"_INPUT_1_": ["6", "6.0"]}))
    by_label = published(first, edited(first, "q2", fields=[{"name": "_INPUT_1_", "label": "x"}]))
    by_kind = published(first, edited(first, "q2", equivalence={"_INPUT_1_": "text"}))
    assert version_of(by_answers, "q2") == version_of(by_label, "q2") == 2
    assert version_of(by_kind, "q2") == 2


def test_misconceptions_and_the_difficulty_hint_do_not_make_a_new_version() -> None:
    first = tiny_course()
    wrong = [{"answer": {"_INPUT_1_": "5"}, "misconception": "counts one short"}]
    course = published(first, edited(first, "q2", wrong_answers=wrong, difficulty=1.0))
    assert version_of(course, "q2") == 1


def test_republishing_the_same_content_keeps_every_version() -> None:
    first = tiny_course()
    second = edited(first, "q1", text="Work out 1/2 + 1/4.")
    course = published(first, second, second, replace(second, version=3))
    assert version_of(course, "q1") == 2


def test_each_edit_counts_up_and_going_back_is_an_edit_too() -> None:
    first = tiny_course()
    course = published(first, edited(first, "q1", text="A"), edited(first, "q1", text="B"), first)
    assert version_of(course, "q1") == 4  # the old text again is still a change from "B"
    assert course.revision("q1", 1) is not None and course.revision("q1", 2) is not None


def test_a_question_left_out_and_brought_back_goes_on_from_its_last_version() -> None:
    first = tiny_course()
    two = edited(first, "q3", text="Capital of France?")
    data = two.to_data()
    data["chapters"][0]["questions"] = [
        q for q in data["chapters"][0]["questions"] if q["question_id"] != "q3"
    ]
    without = Course.from_data(data)
    course = published(first, two, without, edited(first, "q3", text="Capital of Italy?"))
    assert version_of(course, "q3") == 3


def test_versions_the_draft_carries_are_ignored() -> None:
    first = tiny_course()
    forged = Course.from_data(
        json.loads(json.dumps(first.to_data()).replace('"text": "Question q1"', '"text": "X"'))
    )
    forged = edited(forged, "q1", version=9)
    assert version_of(published(first, forged), "q1") == 2


def test_the_graded_content_leaves_out_what_does_not_change_the_item() -> None:
    question = tiny_course().chapters[0].questions[0]
    assert graded_content(question) == graded_content(replace(question, difficulty=2.0))
    assert graded_content(question) != graded_content(replace(question, text="other"))


# --- answers record the version ------------------------------------------------------------


def test_an_assignment_and_its_answer_record_the_question_version() -> None:
    course = published(tiny_course(), edited(tiny_course(), "q1", text="Work out 3/4."))
    events = given([], course=course).when(StartQuiz(*QUIZ)).events
    assert events[1] == QuestionAssigned(*QUIZ, 1, "q1", 2)
    answer = SubmitAnswer(*QUIZ, "q1", {"_INPUT_1_": "0.75"})
    given(events, course=course).when(answer).then(
        [QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "0.75"}, 1, 2)]
    )


def test_a_student_mid_question_is_graded_by_the_version_they_were_shown() -> None:
    first = tiny_course()
    # Shown version 1 (answer 3/4); meanwhile the editor changes the answer to 1/2.
    history = [QuizStarted(*QUIZ, 1), QuestionAssigned(*QUIZ, 1, "q1", 1)]
    course = published(first, edited(first, "q1", text="Half?", accepted={"_INPUT_1_": ["1/2"]}))
    old_answer = SubmitAnswer(*QUIZ, "q1", {"_INPUT_1_": "3/4"})
    given(history, course=course).when(old_answer).then(
        [QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "3/4"}, 1, 1)]
    )
    new_answer = SubmitAnswer(*QUIZ, "q1", {"_INPUT_1_": "1/2"})
    given(history, course=course).when(new_answer).then(
        [QuestionAnsweredIncorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "1/2"}, 1)]
    )


def test_the_next_question_after_an_edit_is_the_new_version() -> None:
    first = tiny_course()
    history = [
        QuizStarted(*QUIZ, 1),
        QuestionAssigned(*QUIZ, 1, "q2", 1),
        QuestionAnsweredCorrectly(*QUIZ, 1, "q2", {"_INPUT_1_": "6"}, 1, 1),
    ]
    course = published(first, edited(first, "q1", text="Work out 3/4."))
    from quizflow.quiz import NextQuestion

    given(history, course=course).when(NextQuestion(*QUIZ)).then(
        [QuestionAssigned(*QUIZ, 1, "q1", 2)]
    )


def test_answer_events_from_before_versions_read_as_version_1() -> None:
    old = {
        "student_id": "ann",
        "course_id": "maths",
        "chapter_id": "basics",
        "attempt": 1,
        "question_id": "q1",
        "inputs": {"_INPUT_1_": "1"},
    }
    incorrect = from_payload("chapter-quiz/QuestionAnsweredIncorrectly", old)
    correct = from_payload("chapter-quiz/QuestionAnsweredCorrectly", {**old, "streak": 1})
    assigned = from_payload("chapter-quiz/QuestionAssigned", old)
    assert isinstance(incorrect, QuestionAnsweredIncorrectly)
    assert isinstance(correct, QuestionAnsweredCorrectly)
    assert isinstance(assigned, QuestionAssigned)
    assert incorrect.question_version == correct.question_version == 1
    assert assigned.question_version == 1


def test_a_question_version_that_is_not_a_whole_number_is_refused() -> None:
    _, data = to_payload(QuestionAssigned(*QUIZ, 1, "q1", 2))
    assert from_payload("chapter-quiz/QuestionAssigned", data) == QuestionAssigned(
        *QUIZ, 1, "q1", 2
    )
    try:
        from_payload("chapter-quiz/QuestionAssigned", {**data, "question_version": "2"})
    except ValueError as error:
        assert "question_version" in str(error)
    else:
        raise AssertionError("a text version was read")


def test_a_course_published_before_versions_reads_every_question_as_version_1() -> None:
    data = tiny_course().to_data()
    assert "version" not in data["chapters"][0]["questions"][0]  # left out at 1
    course = Course.from_data(data)
    assert version_of(course, "q1") == 1
    two = published(tiny_course(), edited(tiny_course(), "q1", text="X"))
    assert two.to_data()["chapters"][0]["questions"][0]["version"] == 2
    assert version_of(Course.from_data(two.to_data()), "q1") == 2
