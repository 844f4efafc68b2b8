"""`quizflow accounts`: create, deactivate, activation codes, single sign-on links, for scripts.

Credentials are written as the sign-in login role; the account's events are appended as the
web login, like every other append.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from quizflow.cli.output import Format, err, print_json, print_rows

app = typer.Typer(
    help="Accounts: create them, deactivate them, hand out activation codes.", no_args_is_help=True
)


@contextmanager
def _opened() -> Iterator[tuple[Any, Any]]:
    """The event store (web login) and a connection as the sign-in login."""
    import psycopg

    from quizflow.database import login_database_url, open_store

    try:
        store = open_store(max_size=1)
        conn = psycopg.connect(login_database_url("signin"), autocommit=True)
    except psycopg.OperationalError as error:
        err.print(f"[red]PostgreSQL unavailable:[/] {escape(str(error))}")
        raise typer.Exit(1) from None
    try:
        yield store, conn
    finally:
        conn.close()
        store.close()


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


def _account_id(conn: Any, who: str) -> str:
    from quizflow.accounts import credentials

    found = credentials.find(conn, who) or credentials.of_account(conn, who)
    if found is None:
        raise _fail(f"no account with the username or id {who!r}")
    return found.account_id


@app.command()
def create(
    role: list[str] = typer.Option(
        ..., "--role", help="student, teacher, editor or admin (repeat for several)."
    ),
    username: str = typer.Option(..., help="What the person types to sign in."),
    name: str = typer.Option(..., help="The person's name, as teachers see it."),
    school_class: str | None = typer.Option(
        None, "--class", help="A student's class; a teacher given a class becomes its teacher."
    ),
    school: str | None = typer.Option(
        None, help="The school (default: the class's school, or the only school)."
    ),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password from standard input."
    ),
) -> None:
    """Create an account; prints it as JSON. Without a password, hand out an activation code."""
    from quizflow.accounts import admin, credentials
    from quizflow.accounts.passwords import PasswordRejected
    from quizflow.accounts.settings import SettingError, load_auth_settings

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    try:
        policy = load_auth_settings().password
    except SettingError as error:
        raise _fail(str(error)) from None
    with _opened() as (store, conn):
        try:
            school_id = school or admin.school_of(store, school_class)
            account_id = admin.create_account(
                store,
                conn,
                roles=role,
                username=username,
                name=name,
                school_id=school_id,
                class_id=school_class,
                password=password,
                policy=policy,
            )
        except (admin.AdminError, credentials.UsernameTaken, PasswordRejected) as error:
            raise _fail(str(error)) from None
    print_json(
        {
            "account_id": account_id,
            "username": credentials.fold(username),
            "roles": sorted(set(role)),
            "school_id": school_id,
            "class_id": school_class,
            "password_set": password is not None,
        }
    )


@app.command()
def email(
    who: str = typer.Argument(..., help="Username or account id."),
    address: str | None = typer.Argument(None, help="The e-mail address; leave out with --remove."),
    remove: bool = typer.Option(False, "--remove", help="Remove the account's address."),
) -> None:
    """Set where an account's mail goes (a teacher's weekly report e-mail)."""
    from quizflow.accounts import admin
    from quizflow.accounts.email import set_email

    if remove == (address is not None):
        raise _fail("give either an ADDRESS or --remove")
    with _opened() as (store, conn):
        account_id = _account_id(conn, who)
        try:
            changed = set_email(store, account_id, address)
        except admin.AdminError as error:
            raise _fail(str(error)) from None
    what = "removed the address of" if remove else f"{address} is the address of"
    err.print(f"{what} {account_id}" + ("" if changed else " (no change)"))


@app.command()
def deactivate(who: str = typer.Argument(..., help="Username or account id.")) -> None:
    """Deactivate an account: it cannot sign in, and its sessions end now."""
    from quizflow.accounts import admin

    with _opened() as (store, conn):
        account_id = _account_id(conn, who)
        admin.deactivate(store, conn, account_id)
    err.print(f"deactivated {account_id}")


@app.command()
def reactivate(who: str = typer.Argument(..., help="Username or account id.")) -> None:
    """Let a deactivated account sign in again."""
    from quizflow.accounts import admin

    with _opened() as (store, conn):
        account_id = _account_id(conn, who)
        admin.reactivate(store, conn, account_id)
    err.print(f"reactivated {account_id}")


@app.command()
def grant(
    who: str = typer.Argument(..., help="Username or account id."),
    role: str = typer.Argument(..., help="student, teacher, editor or admin."),
) -> None:
    """Give an account one more role (a teacher who also edits content, say)."""
    account_id = _change_role(who, role, grant=True)
    err.print(f"{account_id} is now also {role}")


@app.command()
def revoke(
    who: str = typer.Argument(..., help="Username or account id."),
    role: str = typer.Argument(..., help="student, teacher, editor or admin."),
) -> None:
    """Take a role from an account (an editor who no longer edits content, say)."""
    account_id = _change_role(who, role, grant=False)
    err.print(f"{account_id} is no longer {role}")


def _change_role(who: str, role: str, *, grant: bool) -> str:
    from quizflow.accounts import admin

    with _opened() as (store, conn):
        account_id = _account_id(conn, who)
        try:
            (admin.grant if grant else admin.revoke)(store, account_id, role)
        except admin.AdminError as error:
            raise _fail(str(error)) from None
    return account_id


@app.command()
def codes(
    school_class: str | None = typer.Option(None, "--class", help="Every student of a class."),
    who: list[str] = typer.Option([], "--account", help="An account (username or id); repeat."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json or csv."),
    html: Path | None = typer.Option(
        None,
        "--html",
        dir_okay=False,
        help="Also write a printable A4 sheet of cards (one per account) to FILE.",
    ),
    url: str | None = typer.Option(
        None, "--url", help="The site's address for the cards (default: QUIZFLOW_PUBLIC_URL)."
    ),
) -> None:
    """Issue new one-time activation codes (a lost password too: the old one stays until the
    code is used). Each account's earlier unused codes stop working."""
    from quizflow.accounts import admin, code_sheet
    from quizflow.accounts.settings import load_auth_settings

    if not school_class and not who:
        raise _fail("name a class (--class) or accounts (--account)")
    settings = load_auth_settings()
    ttl = settings.activation_code_ttl_s
    with _opened() as (store, conn):
        try:
            ids = [_account_id(conn, w) for w in who]
            if school_class:
                ids += admin.students_of_class(store, school_class)
            rows = admin.issue_codes(store, conn, ids, ttl)
        except admin.AdminError as error:
            raise _fail(str(error)) from None
        if html is not None:
            cards = code_sheet.cards_from_store(store, rows)
            address = code_sheet.signin_address(url or settings.public_url)
            title = school_class or "Activation codes"
            html.write_text(code_sheet.render_standalone(cards, address, title), encoding="utf-8")
            err.print(
                f"wrote {len(cards)} cards to {escape(str(html))}"
                + (
                    ""
                    if url or settings.public_url
                    else " (no address on them: pass --url or set QUIZFLOW_PUBLIC_URL)"
                )
            )
    print_rows(rows, fmt, title="Activation codes")


@app.command()
def link(
    who: str = typer.Argument(..., help="Username or account id."),
    subject: str = typer.Option(
        ..., help="The `sub` claim the school's identity provider gives this person."
    ),
    issuer: str | None = typer.Option(None, help="The provider (default: QUIZFLOW_OIDC_ISSUER)."),
) -> None:
    """Link an account to a single sign-on identity (OpenID Connect `sub`)."""
    from quizflow.accounts import credentials
    from quizflow.accounts.settings import load_auth_settings

    oidc = load_auth_settings().oidc
    issuer = issuer or (oidc.issuer if oidc else None)
    if not issuer:
        raise _fail("no issuer: pass --issuer or set QUIZFLOW_OIDC_ISSUER")
    with _opened() as (_, conn):
        account_id = _account_id(conn, who)
        credentials.link_sso(conn, issuer.rstrip("/"), subject, account_id)
    err.print(f"linked {account_id} to {subject} at {issuer}")


@app.command()
def school(
    school_id: str = typer.Argument(..., help="A short id, e.g. `hill`."),
    name: str | None = typer.Option(None, help="The school's name (needed to register it)."),
    time_zone: str | None = typer.Option(
        None,
        "--time-zone",
        help="The school's clock, an IANA name (default for a school: Europe/Amsterdam). "
        "Pages, reports and e-mails show times in it.",
    ),
) -> None:
    """Register a school (or rename it), or set its time zone."""
    from quizflow.accounts import admin
    from quizflow.school_time import TimeZoneError, checked_time_zone

    if name is None and time_zone is None:
        raise _fail("give --name, --time-zone or both")
    try:
        # Checked before anything is written: a bad zone leaves a new school unregistered.
        time_zone = checked_time_zone(time_zone) if time_zone is not None else None
    except TimeZoneError as error:
        raise _fail(str(error)) from None
    changes = []
    with _opened() as (store, _):
        try:
            if name is not None and admin.register_school(store, school_id, name):
                changes.append("registered")
            if time_zone is not None and admin.set_time_zone(store, school_id, time_zone):
                changes.append(f"on {time_zone} time")
        except admin.AdminError as error:
            raise _fail(str(error)) from None
    err.print(f"school {school_id} {' and '.join(changes) if changes else 'unchanged'}")


@app.command("class")
def school_class_command(
    class_id: str = typer.Argument(..., help="A short id, e.g. `hill-7a`."),
    name: str = typer.Option(..., help="The class's name, e.g. `7A`."),
    school: str | None = typer.Option(None, help="The school (default: the only school)."),
) -> None:
    """Register a class (or rename it). Give it a teacher with `accounts create --role teacher
    --class ID`."""
    from quizflow.accounts import admin

    with _opened() as (store, _):
        try:
            school_id = school or admin.school_of(store, None)
            changed = admin.register_class(store, school_id, class_id, name)
        except admin.AdminError as error:
            raise _fail(str(error)) from None
    err.print(f"class {class_id} {'registered' if changed else 'unchanged'}")


class ImportFormat(StrEnum):
    table = "table"
    json = "json"


@app.command("import")
def import_roster(
    file: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        readable=True,
        help="The school's CSV export: student number, name, class "
        "(and optionally e-mail), with a header line.",
    ),
    school: str | None = typer.Option(None, help="The school (default: the only school)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show what would change."),
    fmt: ImportFormat = typer.Option(ImportFormat.table, "--format", help="table or json."),
) -> None:
    """Import a roster: new classes and students are added, moved and renamed students
    changed; nobody is removed. The whole file is checked first: with any wrong line, every
    problem is printed and nothing is written (exit code 2). New students get no password:
    issue them codes (`accounts codes --class ID --html cards.html`)."""
    from quizflow.accounts import admin, roster_import

    data = file.read_bytes()
    with _opened() as (store, conn):
        try:
            school_id = school or admin.school_of(store, None)
            plan = roster_import.import_roster(store, conn, school_id, data, dry_run=dry_run)
        except roster_import.RosterInvalid as invalid:
            for problem in invalid.problems:
                err.print(f"[red]{escape(file.name)}:[/] {escape(str(problem))}")
            err.print(f"{len(invalid.problems)} problem(s); nothing was imported")
            raise typer.Exit(2) from None
        except admin.AdminError as error:
            raise _fail(str(error)) from None
    for warning in plan.warnings:
        err.print(f"[yellow]warning:[/] {escape(str(warning))}")
    if fmt is ImportFormat.json:
        print_json({**plan.as_dict(), "dry_run": dry_run})
        return
    changes = (
        [
            {
                "change": "new class",
                "line": "",
                "id": c.class_id,
                "name": c.name,
                "class": "",
                "username": "",
            }
            for c in plan.new_classes
        ]
        + [
            {
                "change": "new student",
                "line": s.line,
                "id": s.student_id,
                "name": s.name,
                "class": s.class_name,
                "username": s.username,
            }
            for s in plan.creates
        ]
        + [
            {
                "change": "moved",
                "line": m.line,
                "id": m.student_id,
                "name": m.name,
                "class": f"{m.from_class} -> {m.to_class_name}",
                "username": "",
            }
            for m in plan.moves
        ]
        + [
            {
                "change": "renamed",
                "line": r.line,
                "id": r.student_id,
                "name": f"{r.old_name} -> {r.new_name}",
                "class": "",
                "username": "",
            }
            for r in plan.renames
        ]
    )
    if changes:
        print_rows(changes, Format.table, title="Would change" if dry_run else "Changed")
    print_rows(
        [plan.summary()],
        Format.table,
        title="Dry run: nothing written" if dry_run else f"Imported into {plan.school_id}",
    )
