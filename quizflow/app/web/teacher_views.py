"""What a teacher sees of their classes: plain dicts from the read model, for the pages and the
JSON API alike.

Only the teacher the roster gives a class sees it or its students. Another teacher's student
and an id nobody has are refused alike (404), so the answer does not tell which ids exist;
classes are refused with 403 "not-your-class", known or not, as the class reports are.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from fastapi import Request

from quizflow.app.auth import Identity
from quizflow.app.readmodel import QuizView, ReadModel, RecentAnswer, SchoolClass, Student
from quizflow.app.web.context import ID_RE, context, loaded
from quizflow.app.web.errors import WebError
from quizflow.quiz import STREAK_TO_PASS, Course, Question, Status
from quizflow.quiz.display import display_answer
from quizflow.school_time import shown


def own_class(model: ReadModel, who: Identity, class_id: str) -> SchoolClass:
    school_class = model.school_class(class_id) if ID_RE.fullmatch(class_id) else None
    if school_class is None or school_class.teacher_id != who.user_id:
        raise WebError(403, "not-your-class", "you can only see your own classes")
    return school_class


def own_student(model: ReadModel, who: Identity, student_id: str) -> tuple[Student, SchoolClass]:
    """The student and their class, when the class is ``who``'s; 404 otherwise."""
    student = model.student(student_id) if ID_RE.fullmatch(student_id) else None
    school_class = model.school_class(student.class_id) if student else None
    if student is None or school_class is None or school_class.teacher_id != who.user_id:
        raise WebError(404, "unknown-student", "no such student in your classes")
    return student, school_class


async def loaded_if_yours(request: Request, who: Identity, student_id: str) -> None:
    """The student's quizzes read (in a thread) when the student is one of ``who``'s; anyone
    else is refused later, by ``student_report``, without a read of the store."""
    ctx = context(request)
    student = ctx.model.student(student_id) if ID_RE.fullmatch(student_id) else None
    school_class = ctx.model.school_class(student.class_id) if student else None
    if student is not None and school_class is not None and school_class.teacher_id == who.user_id:
        await loaded(ctx, [student_id])


def standing(view: QuizView) -> dict[str, Any]:
    """A chapter as a teacher reads it: not started, in progress (with the streak) or passed,
    and how many answers (and of them mistakes) the student gave, every attempt counted."""
    status = view.state.status
    progress = (
        "not-started"
        if status is Status.NOT_STARTED
        else "passed"
        if status is Status.PASSED
        else "in-progress"
    )
    return {
        "progress": progress,
        "status": str(status),
        "attempt": view.state.attempt,
        "streak": view.state.streak,
        "streak_to_pass": STREAK_TO_PASS,
        "answers": view.answers,
        "mistakes": view.mistakes,
    }


def _courses(model: ReadModel) -> list[Course]:
    return sorted(model.courses(), key=lambda c: c.title)


def class_view(model: ReadModel, school_class: SchoolClass) -> dict[str, Any]:
    """Per published course, a row per student with their standing in each chapter."""
    students = model.students_of_class(school_class.class_id)
    quizzes = {s.student_id: model.quizzes_of(s.student_id) for s in students}
    courses = []
    for course in _courses(model):
        rows = []
        for student in students:
            chapters = [
                standing(
                    quizzes[student.student_id].get(
                        (course.course_id, chapter.chapter_id), QuizView()
                    )
                )
                for chapter in course.chapters
            ]
            rows.append(
                {
                    "student_id": student.student_id,
                    "name": student.name,
                    "chapters": chapters,
                    "answers": sum(c["answers"] for c in chapters),
                    "mistakes": sum(c["mistakes"] for c in chapters),
                }
            )
        courses.append(
            {
                "course_id": course.course_id,
                "title": course.title,
                "chapters": [
                    {"chapter_id": c.chapter_id, "title": c.title} for c in course.chapters
                ],
                "rows": rows,
            }
        )
    return {
        "class_id": school_class.class_id,
        "name": school_class.name,
        "students": [{"student_id": s.student_id, "name": s.name} for s in students],
        "courses": courses,
    }


def _answer_fields(
    question: Question | None, inputs: tuple[tuple[str, str], ...]
) -> list[dict[str, str]]:
    labels = {f.name: f.label for f in question.fields} if question else {}
    fields = []
    for index, (name, value) in enumerate(inputs, start=1):
        label = labels.get(name, "")
        if not label:
            # Field names such as _INPUT_1_ are the content's internals, never a label.
            internal = name.startswith("_")
            label = name if not internal else "answer" if len(inputs) == 1 else f"answer {index}"
        fields.append({"field": name, "label": label, "value": value})
    return fields


def _recent(model: ReadModel, answer: RecentAnswer, time_zone: str) -> dict[str, Any]:
    course = model.course(answer.course_id)
    chapter = course.chapter(answer.chapter_id) if course else None
    question = chapter.question(answer.question_id) if chapter else None
    return {
        "time": answer.occurred_at.astimezone(UTC).isoformat(),
        "time_shown": shown(answer.occurred_at, time_zone),
        "course_id": answer.course_id,
        "course_title": course.title if course else answer.course_id,
        "chapter_id": answer.chapter_id,
        "chapter_title": chapter.title if chapter else answer.chapter_id,
        "question_id": answer.question_id,
        "question_text": question.text if question else None,
        "answer": _answer_fields(question, answer.inputs),
        "answer_display": display_answer(
            dict(answer.inputs), question.fields if question is not None else None
        ),
        "correct": answer.correct,
    }


def student_view(model: ReadModel, student: Student, school_class: SchoolClass) -> dict[str, Any]:
    """The student's standing in every chapter of each published course, and their last
    answers (newest first) with the question's text and the labels of its fields."""
    quizzes = model.quizzes_of(student.student_id)
    courses = []
    for course in _courses(model):
        chapters = [
            {
                "chapter_id": chapter.chapter_id,
                "title": chapter.title,
                **standing(quizzes.get((course.course_id, chapter.chapter_id), QuizView())),
            }
            for chapter in course.chapters
        ]
        courses.append({"course_id": course.course_id, "title": course.title, "chapters": chapters})
    every = quizzes.values()
    zone = model.time_zone(student.school_id)
    return {
        "student_id": student.student_id,
        "name": student.name,
        "class_id": school_class.class_id,
        "class_name": school_class.name,
        "answers": sum(v.answers for v in every),
        "mistakes": sum(v.mistakes for v in every),
        "courses": courses,
        "recent_answers": [
            _recent(model, a, zone) for a in model.recent_answers(student.student_id)
        ],
    }


def student_report(model: ReadModel, who: Identity, student_id: str) -> dict[str, Any]:
    """``student_view`` of one of ``who``'s students; 404 for anyone else."""
    student, school_class = own_student(model, who, student_id)
    return student_view(model, student, school_class)
