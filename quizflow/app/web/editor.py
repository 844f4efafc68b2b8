"""The content editors' pages (role ``editor`` only; an admin grants it, holding ``admin``
does not include it): browse a course's questions with their figures, edit one, preview it as
a student sees it, and publish it.

Publishing appends a new ``course/CoursePublished`` (quizflow.app.editing) expecting the
course stream's version the edit started from, carried in the form: an editor who publishes
after someone else did gets a conflict (409) with their draft kept, never a lost update.
Nothing is appended while the edit has a problem; every problem is listed with the form (422).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from quizflow.app.auth import Identity, remember_cursor
from quizflow.app.editing import (
    EditConflict,
    EditProblems,
    Located,
    UnknownQuestion,
    locate,
    publish_question,
    question_problems,
)
from quizflow.app.web.context import check_id, context, editor
from quizflow.app.web.editor_figures import course_figures
from quizflow.app.web.editor_form import QuestionForm, from_form, from_question
from quizflow.app.web.errors import WebError
from quizflow.app.web.forms import page, read_form, redirect
from quizflow.quiz import Course, Field
from quizflow.quiz.display import display_answer, field_label
from quizflow.quiz.equivalence import EQUIVALENCES
from quizflow.school_time import shown

router = APIRouter(include_in_schema=False)
Editor = Annotated[Identity, Depends(editor)]
# How long publishing waits for the live model to hold the new version, so that every
# question assigned after the editor reads "published" is the new one.
MODEL_WAIT_S = 10.0
MAX_FORM_FIELDS = 600


def question_path(course_id: str, question_id: str) -> str:
    return f"/editor/courses/{course_id}/questions/{question_id}"


@router.get("/editor")
async def editor_home(request: Request, who: Editor) -> Response:
    courses = sorted(context(request).model.courses(), key=lambda c: c.title)
    return page(request, "editor.html", who=who, courses=courses)


@router.get("/editor/courses/{course_id}")
async def course_page(request: Request, course_id: str, who: Editor) -> Response:
    ctx = context(request)
    course = _course(request, course_id)
    figures = await run_in_threadpool(course_figures, ctx.snapshot_path, course.course_id)
    chapters = [
        {
            "chapter_id": chapter.chapter_id,
            "title": chapter.title,
            "questions": [
                {
                    "question_id": q.question_id,
                    "text": q.text,
                    "version": q.version,
                    "figures": figures.by_question.get(q.question_id),
                }
                for q in chapter.questions
            ],
        }
        for chapter in course.chapters
    ]
    return page(
        request,
        "editor_course.html",
        who=who,
        course=course,
        chapters=chapters,
        figures=figures,
        snapshot_at=(
            shown(figures.snapshot_at, ctx.model.time_zone(who.school_id))
            if figures.snapshot_at is not None
            else None
        ),
    )


@router.get("/editor/courses/{course_id}/questions/{question_id}")
async def question_page(
    request: Request, course_id: str, question_id: str, who: Editor
) -> Response:
    located = await _locate(request, course_id, question_id)
    notice = (
        "Published: students get this version from their next question on."
        if (request.query_params.get("done") == "published")
        else None
    )
    form = from_question(located.question_data)
    return await _question_page(request, who, located, form, located.stream_version, notice=notice)


@router.post("/editor/courses/{course_id}/questions/{question_id}")
async def question_post(
    request: Request, course_id: str, question_id: str, who: Editor
) -> Response:
    form_data = await read_form(request, max_fields=MAX_FORM_FIELDS)
    located = await _locate(request, course_id, question_id)
    based_on = _based_on(form_data.get("based_on"))
    draft = from_form(question_id, form_data, located.question_data.get("difficulty"))
    data = draft.to_data()
    problems = [
        *draft.problems,
        *question_problems(located.course, located.chapter_id, data),
    ]
    if form_data.get("action") != "publish":
        return await _question_page(request, who, located, draft, based_on, problems=problems)
    if problems:
        return await _question_page(
            request, who, located, draft, based_on, problems=problems, status=422
        )
    ctx = context(request)
    try:
        stored = await run_in_threadpool(
            publish_question,
            ctx.store,
            located.course.course_id,
            data,
            based_on=based_on,
            user_id=who.user_id,
        )
    except EditProblems as error:
        return await _question_page(
            request, who, located, draft, based_on, problems=list(error.problems), status=422
        )
    except EditConflict as error:
        return await _question_page(
            request, who, located, draft, based_on, conflict=str(error), status=409
        )
    await ctx.model.wait_for_async(stored.cursor, MODEL_WAIT_S)
    remember_cursor(request.session, stored.cursor)
    return redirect(question_path(located.course.course_id, question_id) + "?done=published")


def _course(request: Request, course_id: str) -> Course:
    course = context(request).model.course(check_id(course_id, "course"))
    if course is None:
        raise WebError(404, "unknown-course", f"no course {course_id!r}")
    return course


async def _locate(request: Request, course_id: str, question_id: str) -> Located:
    check_id(course_id, "course")
    check_id(question_id, "question")
    try:
        return await run_in_threadpool(locate, context(request).store, course_id, question_id)
    except UnknownQuestion as error:
        raise WebError(404, "unknown-question", str(error)) from None


def _based_on(value: object) -> int:
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    raise WebError(
        422, "invalid-form", "the form does not say which publication it was based on; reload it"
    )


async def _question_page(
    request: Request,
    who: Identity,
    located: Located,
    draft: QuestionForm,
    based_on: int,
    *,
    problems: list[str] | None = None,
    conflict: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    ctx = context(request)
    course = located.course
    figures = await run_in_threadpool(course_figures, ctx.snapshot_path, course.course_id)
    current = next(
        (q for c in course.chapters for q in c.questions if q.question_id == draft.question_id),
        None,
    )
    return page(
        request,
        "editor_question.html",
        status=status,
        who=who,
        course=course,
        chapter=course.chapter(located.chapter_id),
        version=current.version if current else 1,
        form=draft.with_spare_rows(),
        preview=student_preview(draft),
        based_on=based_on,
        problems=problems or [],
        conflict=conflict,
        notice=notice,
        figures=figures.by_question.get(draft.question_id),
        figures_problem=figures.problem,
        equivalences=EQUIVALENCES,
        action=question_path(course.course_id, draft.question_id),
    )


def student_preview(draft: QuestionForm) -> dict[str, Any]:
    """The draft as the quiz page shows it to a student, and what a wrong answer shows."""
    data = draft.to_data()
    fields = [Field(f["name"], f["label"]) for f in data["fields"]]
    return {
        "text": data["text"],
        "fields": [
            {"name": f.name, "label": field_label(f, place)}
            for place, f in enumerate(fields, start=1)
        ],
        "solution": data.get("solution", ""),
        "wrong_answers": [
            {
                "answer": display_answer(w["answer"], fields),
                "misconception": w["misconception"],
                "feedback": w.get("feedback", ""),
            }
            for w in data["wrong_answers"]
        ],
    }
