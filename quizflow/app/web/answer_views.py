"""What a student reads about an answer: after grading, and when it could not be read.

After a wrong answer the student sees the question again, their answer, the right answer (or
the worked solution, when the course has one) and, when the answer is one of the course's
known wrong answers, the feedback written for its misconception. Answers are shown by
``display_answer`` only, so they read the same here as in every report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizflow.app.handler import CommandResult
from quizflow.quiz import Chapter, Course, Question, UnreadableAnswerRefused
from quizflow.quiz.answers import known_wrong_answer
from quizflow.quiz.display import display_answer, field_label
from quizflow.quiz.events import TYPE_NAMES
from quizflow.quiz.readable import hint

UNREADABLE_TYPE = TYPE_NAMES[UnreadableAnswerRefused]
UNREADABLE_CODE = "unreadable-answer"


def shown_question(
    course: Course, chapter: Chapter, question_id: str | None, version: int
) -> Question | None:
    """The question as the student was shown it (its version), else as it is now."""
    if question_id is None:
        return None
    return course.revision(question_id, version) or chapter.question(question_id)


def answered_view(
    question: Question | None, inputs: Mapping[str, str], correct: bool
) -> dict[str, Any]:
    """The graded answer as the page shows it (None fields where the content is unknown)."""
    fields = question.fields if question is not None else None
    view: dict[str, Any] = {
        "question_text": question.text if question is not None else None,
        "answer_display": display_answer(inputs, fields),
        "correct_answer": None,
        "solution": None,
        "feedback": None,
    }
    if correct or question is None:
        return view
    first_accepted = {name: question.accepted[name][0] for name in question.field_names}
    known = known_wrong_answer(question, inputs)
    view["correct_answer"] = display_answer(first_accepted, question.fields)
    view["solution"] = question.solution or None
    view["feedback"] = known.feedback if known is not None and known.feedback else None
    return view


def refusal(result: CommandResult) -> Mapping[str, Any] | None:
    """The data of the refusal a command stored, when its answer could not be read."""
    if result.status != "ok" or not result.events:
        return None
    last = result.events[-1]
    return last.data if last.type == UNREADABLE_TYPE and isinstance(last.data, dict) else None


def unreadable_hints(data: Mapping[str, Any], question: Question | None) -> dict[str, str]:
    """Per unreadable field, the hint naming it by its label."""
    reasons = data.get("reasons")
    if not isinstance(reasons, dict):
        return {}
    places = {f.name: (place, f) for place, f in enumerate(question.fields, 1)} if question else {}
    hints = {}
    for name, reason in reasons.items():
        place, field = places.get(name, (0, None))
        label = field_label(field, place) if field is not None else "your answer"
        if question is not None and len(question.fields) == 1:
            label = "your answer"
        hints[str(name)] = hint(str(reason), label)
    return hints


def refusal_sentence(hints: Mapping[str, str]) -> str:
    return "That answer could not be read, so it does not count (your streak is safe): " + " ".join(
        hints.values()
    )


def next_chapter(course: Course, chapter: Chapter, passed: set[str]) -> dict[str, str] | None:
    """The chapter to offer after passing ``chapter``: the next one in the course not passed
    yet (after it, then from the start); None when every other chapter is passed."""
    chapters = list(course.chapters)
    at = next((i for i, c in enumerate(chapters) if c.chapter_id == chapter.chapter_id), -1)
    for candidate in chapters[at + 1 :] + chapters[: max(at, 0)]:
        if candidate.chapter_id not in passed and candidate.chapter_id != chapter.chapter_id:
            return {"chapter_id": candidate.chapter_id, "title": candidate.title}
    return None
