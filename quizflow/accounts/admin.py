"""Administering a school's accounts: the events a change appends and the credentials it
writes, in an order that never leaves a half-made account able to sign in.

Used by the ``quizflow accounts`` commands and the admin pages alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from quizflow.accounts import credentials, passwords
from quizflow.eventstore import ANY, START, Cursor, EventStore, NewEvent, RecordedEvent
from quizflow.privacy.keys import names_of
from quizflow.privacy.sealing import ERASED
from quizflow.quiz import (
    ROLES,
    AccountCreated,
    AccountDeactivated,
    AccountReactivated,
    ClassRegistered,
    Event,
    PersonalText,
    RoleGranted,
    RoleRevoked,
    SchoolRegistered,
    SchoolTimeZoneChanged,
    StudentEnrolled,
    StudentMoved,
    StudentRenamed,
    from_payload,
    roster_stream_id,
    stream_id,
    to_payload,
)
from quizflow.quiz.payloads import PayloadError
from quizflow.school_time import DEFAULT_TIME_ZONE, TimeZoneError, checked_time_zone, school_date


class AdminError(ValueError):
    """A change that cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class RosterClass:
    school_id: str
    class_id: str
    name: str
    teacher_id: str
    teacher_name: str


@dataclass(frozen=True)
class RosterStudent:
    school_id: str
    class_id: str
    student_id: str
    name: str


@dataclass
class SchoolRoster:
    """One school as its roster stream says now, names opened."""

    school_id: str
    name: str | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    classes: dict[str, RosterClass] = field(default_factory=dict)
    students: dict[str, RosterStudent] = field(default_factory=dict)  # the current class/name


def school_roster(store: EventStore, school_id: str) -> SchoolRoster:
    """The school as its roster stream says now, names opened (an erased person's name reads
    "erased student")."""
    roster = SchoolRoster(school_id)
    names = names_of(store)

    def opened(value: PersonalText, subject_id: str) -> str:
        return names.reveal(value, subject_id) or ERASED

    for recorded in store.read_stream(roster_stream_id(school_id)):
        try:
            event = from_payload(recorded.type, recorded.data)
        except PayloadError:
            continue
        match event:
            case SchoolRegistered():
                roster.name = event.name
            case SchoolTimeZoneChanged():
                roster.time_zone = event.time_zone
            case ClassRegistered():
                roster.classes[event.class_id] = RosterClass(
                    event.school_id,
                    event.class_id,
                    event.name,
                    event.teacher_id,
                    opened(event.teacher_name, event.teacher_id) if event.teacher_id else "",
                )
            case StudentEnrolled():
                roster.students[event.student_id] = RosterStudent(
                    event.school_id,
                    event.class_id,
                    event.student_id,
                    opened(event.name, event.student_id),
                )
            case StudentMoved() if event.student_id in roster.students:
                old = roster.students[event.student_id]
                roster.students[event.student_id] = replace(old, class_id=event.class_id)
            case StudentRenamed() if event.student_id in roster.students:
                old = roster.students[event.student_id]
                roster.students[event.student_id] = replace(
                    old, name=opened(event.name, event.student_id)
                )
    return roster


_appended_here: ContextVar[list[Cursor] | None] = ContextVar("appended_here", default=None)


@contextmanager
def appends_recorded() -> Iterator[list[Cursor]]:
    """The cursors of what ``append`` writes inside the block (in this thread or task). A page
    after a change waits for them: the store's head can stay behind one's own commit while
    another transaction on the server is still open."""
    cursors: list[Cursor] = []
    token = _appended_here.set(cursors)
    try:
        yield cursors
    finally:
        _appended_here.reset(token)


def append(store: EventStore, events: Iterable[Event], actor: str) -> int:
    """Append roster and account facts, each to its own stream; the number appended."""
    by_stream: dict[str, list[NewEvent]] = {}
    names = names_of(store)
    for event in events:
        type_name, payload = to_payload(names.seal_fact(event))
        by_stream.setdefault(stream_id(event), []).append(
            NewEvent(type_name, payload, {"user_id": actor}, uuid.uuid4())
        )
    appended = 0
    recorded_here = _appended_here.get()
    for stream, new_events in by_stream.items():
        recorded = store.append(stream, ANY, new_events)
        appended += len(recorded)
        if recorded and recorded_here is not None:
            recorded_here.append(recorded[-1].cursor)
    return appended


def new_id(prefix: str) -> str:
    # Random, not sequential: an id tells nothing about others' ids.
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def create_account(
    store: EventStore,
    conn: psycopg.Connection[Any],
    *,
    roles: Sequence[str],
    username: str,
    name: str,
    school_id: str,
    class_id: str | None = None,
    password: str | None = None,
    policy: passwords.PasswordPolicy | None = None,
    account_id: str | None = None,
    actor: str = "admin",
    roster: SchoolRoster | None = None,
) -> str:
    """Create an account (a student is enrolled in ``class_id``; a teacher given ``class_id``
    becomes that class's teacher). Returns the account id. ``roster``: the school as read
    already (many accounts at once), else it is read here."""
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        raise AdminError(f"roles must be some of {', '.join(ROLES)}; got {', '.join(roles)!r}")
    name = name.strip()
    if not name or not username.strip():
        raise AdminError("a name and a username are needed")
    roster = roster if roster is not None else school_roster(store, school_id)
    if roster.name is None:
        raise AdminError(f"there is no school {school_id!r}")
    if class_id is not None and class_id not in roster.classes:
        raise AdminError(f"school {school_id!r} has no class {class_id!r}")
    if "student" in roles and class_id is None:
        raise AdminError("a student needs a class (--class)")
    password_hash = None
    if password is not None:
        (policy or passwords.PasswordPolicy()).check(password, username)
        password_hash = passwords.hash_password(password)
    account_id = account_id or new_id("s" if "student" in roles else "u")
    if credentials.find(conn, username) is not None:
        raise credentials.UsernameTaken(username)
    # The credential first: if the events fail, the account cannot sign in (no AccountCreated)
    # and the credential is removed; if they succeed, it can.
    credentials.add(conn, account_id, username, password_hash)
    facts: list[Event] = []
    sealed = names_of(store).seal(name, account_id)
    if "student" in roles and class_id is not None:
        facts.append(StudentEnrolled(school_id, class_id, account_id, sealed))
    if "teacher" in roles and class_id is not None:
        school_class = roster.classes[class_id]
        facts.append(ClassRegistered(school_id, class_id, school_class.name, account_id, sealed))
    facts.append(AccountCreated(account_id, school_id, sealed, tuple(roles)))
    try:
        append(store, facts, actor)
    except BaseException:
        conn.execute("delete from quizflow_auth.credentials where account_id = %s", (account_id,))
        raise
    return account_id


def deactivate(
    store: EventStore, conn: psycopg.Connection[Any], account_id: str, actor: str = "admin"
) -> None:
    """The account can no longer sign in, and every session of it ends now."""
    credentials.set_disabled(conn, account_id, True)
    append(store, [AccountDeactivated(account_id)], actor)


def reactivate(
    store: EventStore, conn: psycopg.Connection[Any], account_id: str, actor: str = "admin"
) -> None:
    append(store, [AccountReactivated(account_id)], actor)
    credentials.set_disabled(conn, account_id, False)


def grant(store: EventStore, account_id: str, role: str, actor: str = "admin") -> None:
    if role not in ROLES:
        raise AdminError(f"no role {role!r}; roles are {', '.join(ROLES)}")
    append(store, [RoleGranted(account_id, role)], actor)


def revoke(store: EventStore, account_id: str, role: str, actor: str = "admin") -> None:
    if role not in ROLES:
        raise AdminError(f"no role {role!r}; roles are {', '.join(ROLES)}")
    append(store, [RoleRevoked(account_id, role)], actor)


def move_student(
    store: EventStore, school_id: str, student_id: str, class_id: str, actor: str = "admin"
) -> bool:
    """Move a student to another class of the school; False when already there."""
    roster = school_roster(store, school_id)
    student = roster.students.get(student_id)
    if student is None:
        raise AdminError(f"school {school_id!r} has no student {student_id!r}")
    if class_id not in roster.classes:
        raise AdminError(f"school {school_id!r} has no class {class_id!r}")
    if student.class_id == class_id:
        return False
    append(store, [StudentMoved(school_id, student_id, class_id)], actor)
    return True


def rename_student(
    store: EventStore, school_id: str, student_id: str, name: str, actor: str = "admin"
) -> bool:
    roster = school_roster(store, school_id)
    student = roster.students.get(student_id)
    if student is None:
        raise AdminError(f"school {school_id!r} has no student {student_id!r}")
    if not name.strip():
        raise AdminError("a name is needed")
    if student.name == name.strip():
        return False
    sealed = names_of(store).seal(name.strip(), student_id)
    append(store, [StudentRenamed(school_id, student_id, sealed)], actor)
    return True


def school_of(store: EventStore, class_id: str | None) -> str:
    """The school of ``class_id``, or the only school; AdminError when that is ambiguous."""
    schools = registered_schools(store)
    if class_id is not None:
        owners = [school for school, classes in schools.items() if class_id in classes]
        if len(owners) == 1:
            return owners[0]
        raise AdminError(
            f"no class {class_id!r}"
            if not owners
            else f"class {class_id!r} is in several schools; pass --school"
        )
    if len(schools) == 1:
        return next(iter(schools))
    raise AdminError(
        "pass --school: "
        + (f"there are {len(schools)} schools" if schools else "there is no school yet")
    )


def registered_schools(store: EventStore) -> dict[str, set[str]]:
    """Every school's id with its class ids, from the roster streams."""
    schools: dict[str, set[str]] = {}
    for recorded in events_of_types(store, ("roster/SchoolRegistered", "roster/ClassRegistered")):
        school_id = recorded.data.get("school_id")
        if isinstance(school_id, str):
            classes = schools.setdefault(school_id, set())
            class_id = recorded.data.get("class_id")
            if isinstance(class_id, str):
                classes.add(class_id)
    return schools


def students_of_class(store: EventStore, class_id: str) -> list[str]:
    school_id = school_of(store, class_id)
    roster = school_roster(store, school_id)
    return sorted(s.student_id for s in roster.students.values() if s.class_id == class_id)


def issue_codes(
    store: EventStore, conn: psycopg.Connection[Any], account_ids: list[str], ttl_s: int
) -> list[dict[str, str]]:
    """A new activation code for each account that has a credential: rows of account_id,
    username, name, class_id, code and expires (as text)."""
    from datetime import UTC, datetime, timedelta

    expires_at = datetime.now(UTC) + timedelta(seconds=ttl_s)
    names: dict[str, tuple[str, str]] = {}
    schools: dict[str, str] = {}
    for account_id in account_ids:
        names.setdefault(account_id, ("", ""))
    keys = names_of(store)
    for recorded in events_of_types(
        store,
        (
            "roster/StudentEnrolled",
            "roster/StudentMoved",
            "roster/StudentRenamed",
            "accounts/AccountCreated",
        ),
    ):
        data = recorded.data
        who = data.get("student_id") or data.get("account_id")
        if who in names and isinstance(data.get("school_id"), str):
            schools[who] = data["school_id"]
        if who in names:
            name, class_id = names[who]
            if "name" in data:
                try:
                    fact = from_payload(recorded.type, data)
                except PayloadError:
                    continue
                name = keys.reveal(getattr(fact, "name", ""), who) or ERASED
            names[who] = (name, data.get("class_id", class_id))
    zones = time_zones(store)
    rows = []
    for account_id in dict.fromkeys(account_ids):
        # The day the code stops working, on the school's clock (the card is read there).
        expires = school_date(expires_at, zones.get(schools.get(account_id, ""))).isoformat()
        found = credentials.of_account(conn, account_id)
        if found is None:
            if account_id not in names or not names[account_id][0]:
                raise AdminError(f"there is no account {account_id!r}")
            # An account made without credentials (the simulator's): its id is its username.
            credentials.add(conn, account_id, account_id)
            found = credentials.of_account(conn, account_id)
            assert found is not None
        name, class_id = names[account_id]
        rows.append(
            {
                "account_id": account_id,
                "username": found.username,
                "name": name,
                "class_id": class_id,
                "code": credentials.issue_code(conn, account_id, ttl_s),
                "expires": expires,
            }
        )
    return rows


def time_zones(store: EventStore) -> dict[str, str]:
    """Each school's time zone, where one was set (the others keep the default)."""
    zones: dict[str, str] = {}
    for recorded in events_of_types(store, ("roster/SchoolTimeZoneChanged",)):
        school_id, zone = recorded.data.get("school_id"), recorded.data.get("time_zone")
        if isinstance(school_id, str) and isinstance(zone, str):
            zones[school_id] = zone
    return zones


def events_of_types(store: EventStore, types: tuple[str, ...]) -> Iterator[RecordedEvent]:
    """Every event of these types, in the log's order."""
    cursor = START
    while True:
        page = store.read_all(after=cursor, limit=5000, types=types)
        if not page:
            return
        yield from page
        cursor = page[-1].cursor


def register_school(store: EventStore, school_id: str, name: str, actor: str = "admin") -> bool:
    """Register a school (or rename it); False when it is registered with that name already."""
    if school_roster(store, school_id).name == name:
        return False
    append(store, [SchoolRegistered(school_id, name)], actor)
    return True


def set_time_zone(store: EventStore, school_id: str, time_zone: str, actor: str = "admin") -> bool:
    """Set the school's clock (an IANA name); False when it is that zone already."""
    try:
        time_zone = checked_time_zone(time_zone)
    except TimeZoneError as error:
        raise AdminError(str(error)) from None
    roster = school_roster(store, school_id)
    if roster.name is None:
        raise AdminError(f"there is no school {school_id!r}")
    if roster.time_zone == time_zone:
        return False
    append(store, [SchoolTimeZoneChanged(school_id, time_zone)], actor)
    return True


def register_class(
    store: EventStore,
    school_id: str,
    class_id: str,
    name: str,
    teacher_id: str = "",
    teacher_name: str = "",
    actor: str = "admin",
) -> bool:
    """Register a class, or rename it or give it a teacher (the latest registration wins)."""
    roster = school_roster(store, school_id)
    if roster.name is None:
        raise AdminError(f"there is no school {school_id!r}")
    old = roster.classes.get(class_id)
    if old is not None:
        teacher_id = teacher_id or old.teacher_id
        teacher_name = teacher_name or old.teacher_name
        if (old.name, old.teacher_id, old.teacher_name) == (name, teacher_id, teacher_name):
            return False
    sealed = names_of(store).seal(teacher_name, teacher_id) if teacher_id else ""
    append(store, [ClassRegistered(school_id, class_id, name, teacher_id, sealed)], actor)
    return True


def ensure_password(
    conn: psycopg.Connection[Any], account_id: str, username: str, password: str
) -> None:
    """Give an account this password unless it has one already (the demo's accounts)."""
    found = credentials.of_account(conn, account_id)
    if found is None:
        credentials.add(conn, account_id, username, passwords.hash_password(password))
    elif found.password_hash is None:
        credentials.set_password_hash(conn, account_id, passwords.hash_password(password))


def set_password(conn: psycopg.Connection[Any], account_ids: Sequence[str], password: str) -> None:
    """Give these accounts one password (hashed once), making credentials where missing with
    the account id as username: for simulated students, never for people."""
    password_hash = passwords.hash_password(password)
    for account_id in account_ids:
        if credentials.of_account(conn, account_id) is None:
            credentials.add(conn, account_id, account_id, password_hash)
        else:
            credentials.set_password_hash(conn, account_id, password_hash)
