"""School administration pages (role ``admin``): an admin runs one school, their
``Identity.school_id``, and sees and changes only that school. Any other school's class or
account answers 404, as an unknown one does.

Every change goes through ``quizflow.accounts.admin`` (credentials first, then events), run in
the thread pool with a connection of the sign-in role. Activation codes are shown once, in the
answer to the POST that issues them, never in a URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from quizflow.accounts import admin, code_sheet, credentials, roster_import
from quizflow.accounts.passwords import PasswordRejected
from quizflow.app.auth import Identity, csrf_ok, remember_cursor
from quizflow.app.readmodel_views import Account, SchoolClass
from quizflow.app.web.context import ID_RE, accounts_of, caught_up, context, signed_in
from quizflow.app.web.errors import WebError
from quizflow.app.web.forms import page, read_form, redirect
from quizflow.eventstore import Cursor, EventStore
from quizflow.privacy.erasure import erase
from quizflow.quiz import ROLES

router = APIRouter(include_in_schema=False)

MAX_UPLOAD = 1024 * 1024  # the roster file; the body limit for /admin/import is larger
USERNAME_RE = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# What a redirect after a change says (a fixed key in the URL, never what was entered).
DONE = {
    "class-created": "The class is registered.",
    "class-renamed": "The class is renamed.",
    "student-created": "The student's account is made. Issue a code so they can activate it.",
    "student-moved": "The student is moved.",
    "student-renamed": "The student is renamed.",
    "unchanged": "Nothing changed: it was like that already.",
    "deactivated": "The account is deactivated: it is signed out and cannot sign in.",
    "reactivated": "The account can sign in again.",
    "erased": "The person is erased: their name can no longer be read anywhere.",
    "teacher-created": "The teacher's account is made. Issue a code so they can activate it.",
    "teacher-assigned": "The class has its teacher.",
    "editor-granted": "The account is a content editor now: the editor pages open for it.",
    "editor-revoked": "The account is no longer a content editor.",
}
# The one role the admin pages give and take; the others come with the account.
MANAGED_ROLES = ("editor",)
T = TypeVar("T")
Conn = psycopg.Connection[Any]


@dataclass(frozen=True)
class Login:
    """What the admin pages show of an account's credentials."""

    username: str
    activated: bool  # a password is set
    disabled: bool


async def _admin(request: Request) -> Identity:
    who = await signed_in(request, "admin")
    if not who.school_id:
        raise WebError(404, "no-school", "your account belongs to no school")
    return who


def _own_class(request: Request, who: Identity, class_id: str) -> SchoolClass:
    found = context(request).model.school_class(class_id) if ID_RE.fullmatch(class_id) else None
    if found is None or found.school_id != who.school_id:
        raise WebError(404, "no-class", f"your school has no class {class_id[:100]!r}")
    return found


def _own_account(request: Request, who: Identity, account_id: str) -> Account:
    found = context(request).model.account(account_id) if ID_RE.fullmatch(account_id) else None
    if found is None or found.school_id != who.school_id:
        raise WebError(404, "no-account", f"your school has no account {account_id[:100]!r}")
    return found


def _text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _logins(conn: Conn, account_ids: list[str]) -> dict[str, Login]:
    rows = conn.execute(
        "select account_id, username, password_hash is not null, disabled"
        " from quizflow_auth.credentials where account_id = any(%s)",
        (account_ids,),
    ).fetchall()
    return {
        account_id: Login(username, activated, disabled)
        for account_id, username, activated, disabled in rows
    }


async def _read(request: Request, work: Callable[[EventStore, Conn], T]) -> T:
    ctx, pool = context(request), accounts_of(request).pool

    def run() -> T:
        with pool.connection() as conn:
            return work(ctx.store, conn)

    return await run_in_threadpool(run)


async def _change(request: Request, work: Callable[[EventStore, Conn], T]) -> T:
    """Run a change; the next page of this session waits until the read model shows it (the
    events it appended, not the store's head, which may not include them yet)."""
    ctx, pool = context(request), accounts_of(request).pool

    def run() -> tuple[T, list[Cursor]]:
        with pool.connection() as conn, admin.appends_recorded() as appended:
            result = work(ctx.store, conn)
        return result, [ctx.store.head(), *appended]

    result, cursors = await run_in_threadpool(run)
    remember_cursor(request.session, max(cursors))
    return result


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


def _username(conn: Conn, wanted: str, name: str) -> str:
    """The username asked for (checked), or one made from the name."""
    if not wanted:
        return roster_import.unique_username(name, lambda u: credentials.find(conn, u) is not None)
    username = credentials.fold(wanted)
    if not USERNAME_RE.fullmatch(username):
        raise admin.AdminError(
            "a username is 2 to 64 lower-case letters, digits, '.', '_' or "
            "'-', starting with a letter or digit"
        )
    return username


_REFUSED = (admin.AdminError, credentials.UsernameTaken, PasswordRejected)


# -- the school --------------------------------------------------------------------------------
@router.get("/admin")
async def school(request: Request) -> Response:
    who = await _admin(request)
    await caught_up(request, who)
    return _school_page(request, who)


def _school_page(
    request: Request, who: Identity, status: int = 200, error: str | None = None
) -> Response:
    model = context(request).model
    classes = model.classes_of_school(who.school_id)
    accounts = model.accounts_of_school(who.school_id)
    roles = [
        {
            "role": role,
            "active": sum(1 for a in accounts if role in a.roles and a.active),
            "deactivated": sum(1 for a in accounts if role in a.roles and not a.active),
        }
        for role in ROLES
    ]
    return page(
        request,
        "admin.html",
        status=status,
        who=who,
        error=error,
        notice=_done(request),
        school_name=model.schools().get(who.school_id, ""),
        classes=classes,
        roles=roles,
    )


@router.post("/admin/classes")
async def new_class(request: Request) -> Response:
    who = await _admin(request)
    form = await read_form(request)
    name = _text(form, "name", roster_import.MAX_CLASS)
    if not name:
        return _school_page(request, who, 422, "Give the class a name.")

    def register(store: EventStore, _: Conn) -> str:
        used = {c for classes in admin.registered_schools(store).values() for c in classes}
        base = f"{who.school_id}-{roster_import.class_slug(name)}"
        class_id, n = base, 1
        while class_id in used:
            n += 1
            class_id = f"{base}-{n}"
        admin.register_class(store, who.school_id, class_id, name, actor=who.user_id)
        return class_id

    try:
        class_id = await _change(request, register)
    except admin.AdminError as error:
        return _school_page(request, who, 422, str(error))
    return redirect(f"/admin/classes/{class_id}?done=class-created")


# -- a class -----------------------------------------------------------------------------------
@router.get("/admin/classes/{class_id}")
async def class_page(request: Request, class_id: str) -> Response:
    who = await _admin(request)
    await caught_up(request, who)
    return await _class_page(request, who, _own_class(request, who, class_id))


async def _class_page(
    request: Request,
    who: Identity,
    school_class: SchoolClass,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> Response:
    model = context(request).model
    students = model.students_of_class(school_class.class_id)
    logins = await _read(request, lambda _, conn: _logins(conn, [s.student_id for s in students]))
    rows = []
    for student in students:
        account = model.account(student.student_id)
        login = logins.get(student.student_id)
        rows.append(
            {
                "student_id": student.student_id,
                "name": student.name,
                "username": login.username if login else "",
                "activated": bool(login and login.activated),
                "has_login": login is not None,
                "active": bool(account and account.active),
            }
        )
    others = [
        c for c in model.classes_of_school(who.school_id) if c.class_id != school_class.class_id
    ]
    return page(
        request,
        "admin_class.html",
        status=status,
        who=who,
        error=error,
        notice=notice or _done(request),
        school_class=school_class,
        students=rows,
        others=others,
        pending=sum(1 for r in rows if r["has_login"] and r["active"] and not r["activated"]),
    )


async def _class_change(
    request: Request,
    class_id: str,
    change: Callable[[Identity, SchoolClass, FormData, EventStore, Conn], str],
) -> Response:
    """Read the form, run ``change`` (it answers the ``done`` key), and redirect back to the
    class; a refused change shows the class page again with the reason."""
    who = await _admin(request)
    school_class = _own_class(request, who, class_id)
    form = await read_form(request)
    try:
        done = await _change(
            request, lambda store, conn: change(who, school_class, form, store, conn)
        )
    except _REFUSED as error:
        status = 409 if isinstance(error, credentials.UsernameTaken) else 422
        return await _class_page(request, who, school_class, status, str(error))
    return redirect(f"/admin/classes/{class_id}?done={done}")


def _student_of(school_class: SchoolClass, form: FormData) -> str:
    student_id = _text(form, "student_id", 100)
    if student_id not in school_class.student_ids:
        raise admin.AdminError("choose a student of this class")
    return student_id


@router.post("/admin/classes/{class_id}/rename")
async def rename_class(request: Request, class_id: str) -> Response:
    def change(
        who: Identity, school_class: SchoolClass, form: FormData, store: EventStore, _: Conn
    ) -> str:
        name = _text(form, "name", roster_import.MAX_CLASS)
        if not name:
            raise admin.AdminError("give the class a name")
        changed = admin.register_class(
            store, who.school_id, school_class.class_id, name, actor=who.user_id
        )
        return "class-renamed" if changed else "unchanged"

    return await _class_change(request, class_id, change)


@router.post("/admin/classes/{class_id}/students")
async def create_student(request: Request, class_id: str) -> Response:
    def change(
        who: Identity, school_class: SchoolClass, form: FormData, store: EventStore, conn: Conn
    ) -> str:
        name = _text(form, "name", roster_import.MAX_NAME)
        if not name:
            raise admin.AdminError("give the student's name")
        admin.create_account(
            store,
            conn,
            roles=["student"],
            username=_username(conn, _text(form, "username", 64), name),
            name=name,
            school_id=who.school_id,
            class_id=school_class.class_id,
            actor=who.user_id,
        )
        return "student-created"

    return await _class_change(request, class_id, change)


@router.post("/admin/classes/{class_id}/move")
async def move_student(request: Request, class_id: str) -> Response:
    model = context(request).model

    def change(
        who: Identity, school_class: SchoolClass, form: FormData, store: EventStore, _: Conn
    ) -> str:
        student_id = _student_of(school_class, form)
        target = model.school_class(_text(form, "to_class", 100))
        if target is None or target.school_id != who.school_id:
            raise admin.AdminError("choose a class of your school")
        moved = admin.move_student(
            store, who.school_id, student_id, target.class_id, actor=who.user_id
        )
        return "student-moved" if moved else "unchanged"

    return await _class_change(request, class_id, change)


@router.post("/admin/classes/{class_id}/rename-student")
async def rename_student(request: Request, class_id: str) -> Response:
    def change(
        who: Identity, school_class: SchoolClass, form: FormData, store: EventStore, _: Conn
    ) -> str:
        student_id = _student_of(school_class, form)
        renamed = admin.rename_student(
            store,
            who.school_id,
            student_id,
            _text(form, "name", roster_import.MAX_NAME),
            actor=who.user_id,
        )
        return "student-renamed" if renamed else "unchanged"

    return await _class_change(request, class_id, change)


@router.get("/admin/classes/{class_id}/codes")
async def codes_page(request: Request, class_id: str) -> Response:
    # Codes are only ever in the answer to the POST that issues them.
    who = await _admin(request)
    _own_class(request, who, class_id)
    return redirect(f"/admin/classes/{class_id}")


@router.post("/admin/classes/{class_id}/codes")
async def issue_class_codes(request: Request, class_id: str) -> Response:
    who = await _admin(request)
    school_class = _own_class(request, who, class_id)
    form = await read_form(request)
    model = context(request).model
    one = _text(form, "student_id", 100)
    if one:
        if one not in school_class.student_ids:
            raise WebError(404, "no-student", "this class has no such student")
        account = model.account(one)
        if account is None or not account.active:
            raise WebError(409, "deactivated", "reactivate the account first")
        wanted = [one]
    else:
        wanted = await class_code_targets(request, class_id, _text(form, "which", 20) == "all")
    if not wanted:
        return await _class_page(
            request,
            who,
            school_class,
            notice=(
                "Every student of this class has activated their account: to give them all a "
                "new code, choose “every student”."
            ),
        )
    return await code_sheet_page(
        request, who, wanted, school_class.name, f"/admin/classes/{class_id}"
    )


async def class_code_targets(request: Request, class_id: str, everyone: bool) -> list[str]:
    """The class's active students who get a code: those who have not activated their
    account yet, or ``everyone``."""
    model = context(request).model
    students = [s.student_id for s in model.students_of_class(class_id)]
    logins = await _read(request, lambda _, conn: _logins(conn, students))
    return [
        s
        for s in students
        if s in logins
        and not logins[s].disabled
        and (everyone or not logins[s].activated)
        and (account := model.account(s)) is not None
        and account.active
    ]


async def code_sheet_page(
    request: Request, who: Identity, account_ids: list[str], title: str, back: str
) -> Response:
    ctx = context(request)
    try:
        rows = await _change(
            request,
            lambda store, conn: admin.issue_codes(
                store, conn, account_ids, ctx.auth.activation_code_ttl_s
            ),
        )
    except admin.AdminError as error:
        raise WebError(409, "no-credentials", str(error)) from None
    class_names = {c.class_id: c.name for c in ctx.model.classes_of_school(who.school_id)}
    school_name = ctx.model.schools().get(who.school_id, who.school_id)
    cards = code_sheet.cards_of(rows, school_name, class_names)
    address = code_sheet.signin_address(ctx.auth.public_url or str(request.base_url))
    return page(
        request,
        "code_sheet.html",
        cards=cards,
        signin_url=address,
        title=title,
        back=back,
        css=None,
    )


# -- accounts ----------------------------------------------------------------------------------
# Before the route below, which would take "erase" for an action of its own.
@router.post("/admin/accounts/{account_id}/erase")
async def erase_account(request: Request, account_id: str) -> Response:
    """Erase a person for good (the name can never be read again); asked for twice: the form
    must carry ``confirm`` equal to the account id."""
    who = await _admin(request)
    account = _own_account(request, who, account_id)
    form = await read_form(request)
    if account.account_id == who.user_id:
        raise WebError(409, "own-account", "you cannot erase your own account")
    if form.get("confirm") != account.account_id:
        raise WebError(422, "not-confirmed", "type the account id to confirm the erasure")
    ctx = context(request)
    student = ctx.model.student(account.account_id)
    store_url = getattr(ctx.store, "url", None)
    if store_url is None or ctx.signin_url is None:
        raise WebError(503, "erasure-unavailable", "erasure needs the PostgreSQL store")

    def run() -> list[Cursor]:
        with admin.appends_recorded() as appended:
            erase(
                ctx.store,
                store_url,
                ctx.signin_url or "",
                account.account_id,
                ctx.reports_dir,
                actor=who.user_id,
            )
        return [ctx.store.head(), *appended]

    try:
        cursors = await run_in_threadpool(run)
    except psycopg.errors.InsufficientPrivilege:
        raise WebError(
            503,
            "erasure-needs-owner",
            (
                "this database server does not let the web app rewrite the key table; run "
                f"`quizflow privacy erase --student {account.account_id}` as the operator"
            ),
        ) from None
    # The events the erasure appended, not only the head, which may not include them yet.
    remember_cursor(request.session, max(cursors))
    back = f"/admin/classes/{student.class_id}" if student else "/admin/teachers"
    return redirect(f"{back}?done=erased")


@router.post("/admin/accounts/{account_id}/roles")
async def change_role(request: Request, account_id: str) -> Response:
    """Give a staff account of the school the ``editor`` role, or take it away (field
    ``change``: grant or revoke). A refusal appends nothing."""
    who = await _admin(request)
    account = _own_account(request, who, account_id)
    form = await read_form(request)
    role, change = _text(form, "role", 40), _text(form, "change", 20)
    if change not in ("grant", "revoke"):
        raise WebError(422, "bad-change", "choose to grant or to revoke the role")
    if role not in MANAGED_ROLES:
        raise WebError(
            422,
            "role-not-managed",
            f"only the {' and '.join(MANAGED_ROLES)} role is given and taken here; "
            f"{role[:40] or 'no role'!r} cannot be",
        )
    if "student" in account.roles:
        raise WebError(422, "student-account", f"{account.name} is a student, not staff")
    if not account.active:
        raise WebError(409, "deactivated", f"{account.name}'s account is deactivated")
    holds = role in account.roles
    if change == "grant" and holds:
        raise WebError(409, "role-held", f"{account.name} is a content {role} already")
    if change == "revoke" and not holds:
        raise WebError(409, "role-not-held", f"{account.name} is no content {role}")
    if change == "revoke" and account.roles == {role}:
        raise WebError(
            409,
            "last-role",
            f"{role} is {account.name}'s only role: deactivate the account instead",
        )
    run = admin.grant if change == "grant" else admin.revoke
    await _change(request, lambda store, _: run(store, account.account_id, role, who.user_id))
    return redirect(f"/admin/teachers?done={role}-{'granted' if change == 'grant' else 'revoked'}")


@router.post("/admin/accounts/{account_id}/{action}")
async def account_state(request: Request, account_id: str, action: str) -> Response:
    who = await _admin(request)
    if action not in ("deactivate", "reactivate"):
        raise WebError(404, "not-found", f"no action {action[:40]!r}")
    account = _own_account(request, who, account_id)
    await read_form(request)
    if account.account_id == who.user_id:
        raise WebError(409, "own-account", "you cannot deactivate your own account")
    change = admin.deactivate if action == "deactivate" else admin.reactivate
    await _change(request, lambda store, conn: change(store, conn, account.account_id, who.user_id))
    student = context(request).model.student(account.account_id)
    back = (
        f"/admin/classes/{student.class_id}"
        if student and "student" in account.roles
        else "/admin/teachers"
    )
    return redirect(f"{back}?done={action}d")


# -- teachers ----------------------------------------------------------------------------------
@router.get("/admin/teachers")
async def teachers(request: Request) -> Response:
    who = await _admin(request)
    await caught_up(request, who)
    return await _teachers_page(request, who)


async def _teachers_page(
    request: Request, who: Identity, status: int = 200, error: str | None = None
) -> Response:
    model = context(request).model
    classes = model.classes_of_school(who.school_id)
    staff = [a for a in model.accounts_of_school(who.school_id) if "teacher" in a.roles]
    logins = await _read(request, lambda _, conn: _logins(conn, [a.account_id for a in staff]))
    rows = [
        {
            "account_id": a.account_id,
            "name": a.name,
            "active": a.active,
            "username": logins[a.account_id].username if a.account_id in logins else "",
            "activated": a.account_id in logins and logins[a.account_id].activated,
            "has_login": a.account_id in logins,
            "classes": [c.name for c in classes if c.teacher_id == a.account_id],
            "editor": "editor" in a.roles,
        }
        for a in staff
    ]
    return page(
        request,
        "admin_teachers.html",
        status=status,
        who=who,
        error=error,
        notice=_done(request),
        teachers=rows,
        classes=classes,
    )


@router.post("/admin/teachers")
async def create_teacher(request: Request) -> Response:
    who = await _admin(request)
    form = await read_form(request)
    name = _text(form, "name", roster_import.MAX_NAME)
    class_id = _text(form, "class_id", 100) or None
    if class_id is not None:
        _own_class(request, who, class_id)

    def create(store: EventStore, conn: Conn) -> str:
        if not name:
            raise admin.AdminError("give the teacher's name")
        return admin.create_account(
            store,
            conn,
            roles=["teacher"],
            username=_username(conn, _text(form, "username", 64), name),
            name=name,
            school_id=who.school_id,
            class_id=class_id,
            actor=who.user_id,
        )

    try:
        await _change(request, create)
    except _REFUSED as error:
        status = 409 if isinstance(error, credentials.UsernameTaken) else 422
        return await _teachers_page(request, who, status, str(error))
    return redirect("/admin/teachers?done=teacher-created")


@router.post("/admin/teachers/assign")
async def assign_teacher(request: Request) -> Response:
    who = await _admin(request)
    form = await read_form(request)
    school_class = _own_class(request, who, _text(form, "class_id", 100))
    teacher = _own_account(request, who, _text(form, "teacher_id", 100))
    if "teacher" not in teacher.roles:
        return await _teachers_page(request, who, 422, f"{teacher.name} is not a teacher")
    changed = await _change(
        request,
        lambda store, _: admin.register_class(
            store,
            who.school_id,
            school_class.class_id,
            school_class.name,
            teacher.account_id,
            teacher.name,
            actor=who.user_id,
        ),
    )
    return redirect(f"/admin/teachers?done={'teacher-assigned' if changed else 'unchanged'}")


@router.post("/admin/teachers/codes")
async def issue_teacher_code(request: Request) -> Response:
    who = await _admin(request)
    form = await read_form(request)
    teacher = _own_account(request, who, _text(form, "account_id", 100))
    if "teacher" not in teacher.roles or not teacher.active:
        raise WebError(404, "no-teacher", "your school has no such active teacher")
    return await code_sheet_page(
        request, who, [teacher.account_id], teacher.name, "/admin/teachers"
    )


# -- importing a roster ------------------------------------------------------------------------
@router.get("/admin/import")
async def import_page(request: Request) -> Response:
    who = await _admin(request)
    return page(request, "admin_import.html", who=who, max_upload=MAX_UPLOAD)


async def _read_upload(request: Request) -> tuple[FormData, bytes | None]:
    """``read_form`` for a form with one file (at most MAX_UPLOAD bytes): the form, the file."""
    form = await request.form(max_files=1, max_fields=10)
    try:
        if not csrf_ok(request.session, form.get("csrf")):
            raise WebError(
                403,
                "bad-form-token",
                "this form has expired or did not come from "
                "this site; reload the page and try again",
            )
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return form, None
        data = await upload.read(MAX_UPLOAD + 1)
    finally:
        await form.close()
    if len(data) > MAX_UPLOAD:
        raise WebError(
            413,
            "file-too-large",
            f"the file is larger than {MAX_UPLOAD // 1024} "
            "KiB; split it (one class per file works)",
        )
    return form, data


@router.post("/admin/import")
async def import_roster(request: Request) -> Response:
    who = await _admin(request)
    form, data = await _read_upload(request)
    dry_run = form.get("dry_run") == "1"

    def answer(status: int = 200, **values: Any) -> Response:
        return page(
            request,
            "admin_import.html",
            status=status,
            who=who,
            max_upload=MAX_UPLOAD,
            dry_run=dry_run,
            **values,
        )

    if data is None:
        return answer(422, error="Choose a CSV file to import.")
    try:
        plan = await _change(
            request,
            lambda store, conn: roster_import.import_roster(
                store, conn, who.school_id, data, dry_run=dry_run, actor=who.user_id
            ),
        )
    except roster_import.RosterInvalid as invalid:
        return answer(422, problems=invalid.problems)
    except admin.AdminError as error:
        return answer(422, error=str(error))
    return answer(plan=plan, summary=plan.summary())
