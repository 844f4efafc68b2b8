"""What the pages and the JSON API show: plain dicts built from the read model.

One builder serves both, so the HTML and the API never disagree. Accepted answers and
typical wrong answers never leave the server before the question is answered: a question view
carries its text and fields only; the right answer, the solution and the feedback come after.
"""

from __future__ import annotations

from typing import Any

from quizflow.app.handler import CommandResult
from quizflow.app.readmodel import AnswerOutcome, QuizView, ReadModel
from quizflow.app.web.answer_views import answered_view, next_chapter, shown_question
from quizflow.eventstore import START
from quizflow.quiz import STREAK_TO_PASS, Chapter, Course, Status

_ACTIONS: dict[Status, list[str]] = {
    Status.NOT_STARTED: ["start"],
    Status.AWAITING_ANSWER: ["answer"],
    Status.ANSWERED_CORRECTLY: ["next"],
    Status.ANSWERED_INCORRECTLY: ["start-over"],
    Status.PASSED: ["start"],
}


def message(view: QuizView) -> str | None:
    """The line a student reads after answering."""
    state = view.state
    if state.status is Status.PASSED:
        return f"Correct! {STREAK_TO_PASS} in a row: you passed this chapter quiz."
    if view.last_outcome == "correct":
        return f"Correct! That is {state.streak} in a row; {STREAK_TO_PASS} in a row passes."
    if view.last_outcome == "incorrect":
        return "Not quite. A wrong answer resets your streak: start over with a new question."
    return None


def quiz_view(
    view: QuizView, course: Course, chapter: Chapter, passed: set[str] | None = None
) -> dict[str, Any]:
    """The quiz as the page and the API show it; ``passed`` (the chapters of the course the
    student has passed) lets a passed quiz offer the next chapter."""
    state = view.state
    question = None
    if state.status is Status.AWAITING_ANSWER and state.question_id:
        # The version the student was assigned, though an edit may have been published since.
        found = course.revision(state.question_id, state.question_version) or chapter.question(
            state.question_id
        )
        if found is not None:
            question = {
                "question_id": found.question_id,
                "text": found.text,
                "fields": [{"name": f.name, "label": f.label or f.name} for f in found.fields],
            }
    last_answer = None
    if view.last_outcome is not None:
        correct = view.last_outcome == "correct"
        answered = shown_question(course, chapter, state.question_id, state.question_version)
        last_answer = {
            "question_id": state.question_id,
            "correct": correct,
            "inputs": dict(view.last_inputs),
            **answered_view(answered, view.last_inputs, correct),
        }
    return {
        "course_id": course.course_id,
        "course_title": course.title,
        "chapter_id": chapter.chapter_id,
        "chapter_title": chapter.title,
        "status": str(state.status),
        "attempt": state.attempt,
        "streak": state.streak,
        "streak_to_pass": STREAK_TO_PASS,
        "version": state.version,
        "question": question,
        "last_answer": last_answer,
        "message": message(view),
        "actions": _ACTIONS[state.status],
        "next_chapter": (
            next_chapter(course, chapter, passed or set())
            if state.status is Status.PASSED
            else None
        ),
        "cursor": str(view.cursor),
    }


def passed_chapters(model: ReadModel, student_id: str, course_id: str) -> set[str]:
    return {
        chapter_id
        for (course, chapter_id), view in model.quizzes_of(student_id).items()
        if course == course_id and view.state.status is Status.PASSED
    }


def chapters_view(model: ReadModel, student_id: str) -> list[dict[str, Any]]:
    """Every published course with its chapters and this student's standing in each."""
    quizzes = model.quizzes_of(student_id)
    courses = []
    for course in sorted(model.courses(), key=lambda c: c.title):
        chapters = []
        for chapter in course.chapters:
            view = quizzes.get((course.course_id, chapter.chapter_id), QuizView())
            chapters.append(
                {
                    "chapter_id": chapter.chapter_id,
                    "title": chapter.title,
                    "questions": len(chapter.questions),
                    "status": str(view.state.status),
                    "attempt": view.state.attempt,
                    "streak": view.state.streak,
                }
            )
        courses.append({"course_id": course.course_id, "title": course.title, "chapters": chapters})
    return courses


def classes_view(model: ReadModel, teacher_id: str) -> list[dict[str, Any]]:
    teacher = model.teacher(teacher_id)
    classes = []
    for class_id in teacher.class_ids if teacher else ():
        school_class = model.school_class(class_id)
        if school_class is None:
            continue
        classes.append(
            {
                "class_id": class_id,
                "name": school_class.name,
                "school_id": school_class.school_id,
                "students": len(school_class.student_ids),
            }
        )
    return classes


def view_from_result(result: CommandResult) -> QuizView:
    """The quiz as a command left it, without waiting for the read model."""
    state = result.state
    outcome: AnswerOutcome | None = None
    if state.status in (Status.ANSWERED_CORRECTLY, Status.PASSED):
        outcome = "correct"
    elif state.status is Status.ANSWERED_INCORRECTLY:
        outcome = "incorrect"
    inputs: dict[str, str] = {}
    for event in result.events:
        if "inputs" in event.data and isinstance(event.data["inputs"], dict):
            inputs = event.data["inputs"]
    cursor = result.cursor or START
    return QuizView(state, outcome, inputs, cursor)
