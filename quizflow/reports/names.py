"""Names for reports, at report time: the snapshot holds none (names are sealed in the log and
the pipeline cannot open them), so a report joins its figures to the names the key store
opens now. An erased person reads "erased student"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quizflow.accounts.admin import events_of_types
from quizflow.app.readmodel_roster import Roster
from quizflow.eventstore import EventStore
from quizflow.privacy.keys import names_of
from quizflow.privacy.pseudonyms import pseudonym
from quizflow.quiz import PayloadError, from_payload
from quizflow.settings import Settings

_TYPES = (
    "roster/ClassRegistered",
    "roster/StudentEnrolled",
    "roster/StudentRenamed",
    "roster/StudentMoved",
    "accounts/AccountCreated",
    "accounts/PersonErased",
)


def roster_names(store: EventStore) -> dict[str, str]:
    """Every student's and teacher's current name by id, and every student's by pseudonym
    (what the snapshot calls them)."""
    names = names_of(store)
    roster = Roster(reveal=names.reveal)
    for recorded in events_of_types(store, _TYPES):
        try:
            roster.fold(from_payload(recorded.type, recorded.data))
        except PayloadError:
            continue
    found = {t.teacher_id: t.name for t in roster.teachers.values()}
    found.update({s.student_id: s.name for s in roster.students.values()})
    secret = names.secret("pseudonym")
    found.update({pseudonym(s.student_id, secret): s.name for s in roster.students.values()})
    return found


def named(value: Any, names: Mapping[str, str]) -> Any:
    """Rows (dicts, lists of them) with names filled in by id: ``student_name`` from
    ``student_id``, ``teacher_name`` from ``teacher_id``, and ``student_names`` (a list of ids
    where the snapshot has no names) each looked up."""
    if isinstance(value, list):
        return [named(item, names) for item in value]
    if not isinstance(value, dict):
        return value
    row = {key: named(item, names) for key, item in value.items()}
    for id_key, name_key in (("student_id", "student_name"), ("teacher_id", "teacher_name")):
        if name_key in row and row.get(id_key) in names:
            row[name_key] = names[row[id_key]]
    if isinstance(row.get("student_names"), list):
        row["student_names"] = sorted(names.get(str(n), str(n)) for n in row["student_names"])
    return row


def current_names(settings: Settings | None = None) -> dict[str, str]:
    """``roster_names`` of the configured database, read as the web login (the role that may
    open names)."""
    from quizflow.database import login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore

    with PostgresEventStore(login_database_url("web", settings), role=None, max_size=1) as store:
        return roster_names(store)


def current_addresses(settings: Settings | None = None) -> dict[str, str]:
    """Every account's e-mail address, opened as the web login (addresses are sealed)."""
    from quizflow.accounts.email import email_addresses
    from quizflow.database import login_database_url
    from quizflow.eventstore.postgres import PostgresEventStore

    with PostgresEventStore(login_database_url("web", settings), role=None, max_size=1) as store:
        return email_addresses(store)
