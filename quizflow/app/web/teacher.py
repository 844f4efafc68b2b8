"""The teacher's pages: their classes, a class's progress per chapter, and a page per student
with their progress and recent answers. Only the teacher's own classes and students (see
``teacher_views``); the JSON twin of the student page is ``GET /api/teacher/students/{id}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from quizflow.app.auth import Identity
from quizflow.app.web.context import context, loaded, teacher
from quizflow.app.web.forms import page, read_form, redirect
from quizflow.app.web.teacher_views import (
    class_view,
    loaded_if_yours,
    own_class,
    student_report,
)
from quizflow.app.web.views import classes_view

router = APIRouter(include_in_schema=False)
Teacher = Annotated[Identity, Depends(teacher)]


@router.get("/teacher")
async def teacher_home(request: Request, who: Teacher) -> Response:
    return page(
        request, "teacher.html", who=who, classes=classes_view(context(request).model, who.user_id)
    )


@router.get("/teacher/classes/{class_id}")
async def class_page(request: Request, class_id: str, who: Teacher) -> Response:
    ctx = context(request)
    school_class = own_class(ctx.model, who, class_id)
    await loaded(ctx, school_class.student_ids)  # the whole class in one read
    return page(request, "teacher_class.html", who=who, view=class_view(ctx.model, school_class))


@router.post("/teacher/classes/{class_id}/codes")
async def class_codes(request: Request, class_id: str, who: Teacher) -> Response:
    """A sheet of activation codes for the class's students who have not activated their
    account yet (or every student): teachers hand them out as admins do."""
    from quizflow.app.web.admin import class_code_targets, code_sheet_page

    school_class = own_class(context(request).model, who, class_id)
    form = await read_form(request)
    wanted = await class_code_targets(request, class_id, form.get("which") == "all")
    if not wanted:
        return redirect(f"/teacher/classes/{class_id}?codes=none")
    return await code_sheet_page(
        request, who, wanted, school_class.name, f"/teacher/classes/{class_id}"
    )


@router.get("/teacher/students/{student_id}")
async def student_page(request: Request, student_id: str, who: Teacher) -> Response:
    await loaded_if_yours(request, who, student_id)
    return page(
        request,
        "teacher_student.html",
        who=who,
        view=student_report(context(request).model, who, student_id),
    )
