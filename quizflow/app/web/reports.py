"""Teacher reports: the HTML files the weekly report job writes, shown to that class's teacher.

Files live at ``$QUIZFLOW_HOME/reports/teacher/{class_id}/{week}.html``. Only the teacher the
roster gives the class sees them; any other class is refused with 403, known or not, so the
answer does not tell which class ids exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from quizflow.app import auth
from quizflow.app.auth import Identity
from quizflow.app.web.context import ID_RE, context, teacher
from quizflow.app.web.errors import WebError
from quizflow.app.web.templating import templates

router = APIRouter(include_in_schema=False)
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"
)
WEEK_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def _class_dir(request: Request, who: Identity, class_id: str) -> Path:
    model = context(request).model
    school_class = model.school_class(class_id) if ID_RE.fullmatch(class_id) else None
    if school_class is None or school_class.teacher_id != who.user_id:
        raise WebError(403, "not-your-class", "you can only see the reports of your own classes")
    return context(request).reports_dir / "teacher" / class_id


def weeks(directory: Path) -> list[str]:
    if not directory.is_dir():
        return []
    return sorted(
        (p.stem for p in directory.glob("*.html") if p.is_file() and WEEK_RE.fullmatch(p.stem)),
        reverse=True,
    )


@router.get("/teacher/classes/{class_id}/reports")
async def report_list(
    request: Request, class_id: str, who: Annotated[Identity, Depends(teacher)]
) -> Response:
    directory = _class_dir(request, who, class_id)
    school_class = context(request).model.school_class(class_id)
    return templates.TemplateResponse(
        request,
        "reports.html",
        {
            "who": who,
            "csrf": auth.csrf_token(request.session),
            "class_id": class_id,
            "class_name": school_class.name if school_class else class_id,
            "weeks": weeks(directory),
        },
    )


@router.get("/teacher/classes/{class_id}/reports/{week}")
async def report(
    request: Request, class_id: str, week: str, who: Annotated[Identity, Depends(teacher)]
) -> Response:
    directory = _class_dir(request, who, class_id)
    week = week.removesuffix(".html")
    path = directory / f"{week}.html"
    # The pattern keeps the name inside the directory; the resolve check guards symlinks.
    if (
        not WEEK_RE.fullmatch(week)
        or not path.is_file()
        or directory.resolve() not in path.resolve().parents
    ):
        raise WebError(404, "no-report", f"no report for week {week[:40]!r}")
    # The report is a file of its own (inline styles, a JSON block, no script): a policy of its
    # own that runs nothing and loads nothing.
    return HTMLResponse(path.read_bytes(), headers={"Content-Security-Policy": REPORT_CSP})
