"""Publishing a content editor's edit of one question: a new ``course/CoursePublished``.

The edit is checked by the rules ``quizflow course publish`` applies to a course file (the
quiz's own, unknown keys refused, and the authoring checks), then spliced into the course as
published, which goes out whole with the course version + 1 and each question's version
assigned (quizflow.quiz.versions). The append expects the course stream's version the editor
started from: if someone published in between, ``EditConflict`` says so and nothing is
appended, so no one's edit is silently overwritten.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from quizflow.app.publishing import published_course_at
from quizflow.content.loader import publishing_problems
from quizflow.eventstore import ConcurrencyError, EventStore, NewEvent, RecordedEvent
from quizflow.quiz import Course, CoursePublished, course_stream_id, to_payload
from quizflow.quiz.versions import assign


class EditProblems(ValueError):
    """The edited question breaks the publishing rules; ``problems`` names each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problems))


class EditConflict(RuntimeError):
    """The course was published by someone else since the editor started from it."""

    def __init__(self, course_id: str, based_on: int, now: int) -> None:
        self.course_id, self.based_on, self.now = course_id, based_on, now
        super().__init__(
            f"course {course_id!r} was published again while you were editing (you started from"
            f" publication {based_on}, it is now at {now}); nothing of yours was published"
        )


class UnknownQuestion(LookupError):
    pass


@dataclass(frozen=True)
class Located:
    """A question of the published course, with what an edit of it needs."""

    course: Course
    chapter_id: str
    question_data: dict[str, Any]
    stream_version: int  # the course stream's version it was read at


def locate(store: EventStore, course_id: str, question_id: str) -> Located:
    course, stream_version = published_course_at(store, course_id)
    if course is not None:
        for chapter in course.to_data()["chapters"]:
            for question in chapter["questions"]:
                if question["question_id"] == question_id:
                    return Located(course, chapter["chapter_id"], question, stream_version)
    raise UnknownQuestion(f"no question {question_id!r} in course {course_id!r}")


def question_problems(course: Course, chapter_id: str, question: Mapping[str, Any]) -> list[str]:
    """Every problem ``quizflow course publish`` would name for this question."""
    alone = {
        "course_id": course.course_id,
        "title": course.title,
        "version": course.version,
        "chapters": [{"chapter_id": chapter_id, "title": "chapter", "questions": [question]}],
    }
    return publishing_problems(alone)[1]


def publish_question(
    store: EventStore,
    course_id: str,
    question: Mapping[str, Any],
    *,
    based_on: int,
    user_id: str,
) -> RecordedEvent:
    """Publish the course with ``question`` (its data, keyed by its ``question_id``) replacing
    the question of that id. ``based_on`` is the course stream's version the edit started
    from. Raises ``EditProblems``, ``EditConflict`` or ``UnknownQuestion``; appends nothing
    then."""
    located = locate(store, course_id, str(question.get("question_id")))
    if located.stream_version != based_on:
        raise EditConflict(course_id, based_on, located.stream_version)
    problems = question_problems(located.course, located.chapter_id, question)
    if problems:
        raise EditProblems(problems)
    data = located.course.to_data()
    for chapter in data["chapters"]:
        chapter["questions"] = [
            copy.deepcopy(dict(question)) if q["question_id"] == question["question_id"] else q
            for q in chapter["questions"]
        ]
    data["version"] = located.course.version + 1
    course = assign(located.course, Course.from_data(data))
    type_name, payload = to_payload(CoursePublished(course))
    event = NewEvent(type_name, payload, {"user_id": user_id, "edited": question["question_id"]})
    try:
        (stored,) = store.append(course_stream_id(course_id), based_on, [event])
    except ConcurrencyError as error:
        raise EditConflict(course_id, based_on, error.actual) from None
    return stored
