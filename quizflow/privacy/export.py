"""Subject access (GDPR article 15): everything Quizflow holds about a student, as one JSON
document: who they are, their classes, every event about them with names opened, and the
figures derived from those events."""

from __future__ import annotations

from collections import Counter
from typing import Any

import psycopg

from quizflow.accounts import credentials
from quizflow.eventstore import EventStore
from quizflow.privacy.erasure import ErasureError
from quizflow.privacy.keys import names_of
from quizflow.privacy.sealing import ERASED
from quizflow.quiz import PayloadError, from_payload
from quizflow.quiz.payloads import SEALED_WITH

_ABOUT = (
    "select event_id, stream_id, version, position, type, data, metadata, occurred_at,"
    "       recorded_at"
    "  from quizflow.events"
    " where data ->> 'student_id' = %(id)s or data ->> 'account_id' = %(id)s"
    "    or data ->> 'teacher_id' = %(id)s or metadata ->> 'user_id' = %(id)s"
    " order by tx, position"
)


def export(store: EventStore, events_url: str, signin_url: str, person_id: str) -> dict[str, Any]:
    """The document; ``events_url`` may read events and open names (the web login)."""
    names = names_of(store)
    with psycopg.connect(events_url) as conn:
        rows = conn.execute(_ABOUT, {"id": person_id}).fetchall()
    if not rows:
        raise ErasureError(f"there is no student or account {person_id!r}")
    events = [_event(row, person_id, names) for row in rows]
    erased = any(e["type"] == "accounts/PersonErased" for e in events)
    student: dict[str, Any] = {"id": person_id, "erased": erased}
    classes: list[str] = []
    for event in events:
        data = event["data"]
        if event["type"] in ("roster/StudentEnrolled", "roster/StudentMoved"):
            classes.append(data["class_id"])
            student["school_id"] = data.get("school_id")
        if event["type"] in (
            "roster/StudentEnrolled",
            "roster/StudentRenamed",
            "accounts/AccountCreated",
        ) and isinstance(data.get("name"), str):
            student["name"] = data["name"]
        if event["type"] == "accounts/AccountCreated":
            student["roles"] = data.get("roles")
        if event["type"] == "accounts/EmailAddressChanged":
            student["email"] = data.get("email")
    student["class_id"] = classes[-1] if classes else None
    if erased:
        student["name"] = ERASED
    with psycopg.connect(signin_url, autocommit=True) as conn:
        found = credentials.of_account(conn, person_id)
    student["username"] = found.username if found else None
    student["password_set"] = bool(found and found.password_hash)
    return {
        "student": student,
        "classes": list(dict.fromkeys(classes)),
        "events": events,
        "derived": _derived(events, person_id),
        "note": (
            "the student was erased: their names can no longer be read, and their "
            "credentials are deleted; their answers remain, without a name"
        )
        if erased
        else None,
    }


def _event(row: tuple[Any, ...], person_id: str, names: Any) -> dict[str, Any]:
    event_id, stream_id, version, position, type_, data, metadata, occurred_at, recorded = row
    opened = dict(data)
    for field, subject_key in (("name", None), ("teacher_name", "teacher_id"), ("email", None)):
        value = data.get(field)
        if isinstance(value, dict) and value.get("sealed") == SEALED_WITH:
            subject = (
                data.get(subject_key)
                if subject_key
                else (data.get("student_id") or data.get("account_id"))
            )
            try:
                sealed = getattr(from_payload(type_, data), field)
            except PayloadError:
                opened[field] = None
                continue
            opened[field] = names.reveal(sealed, str(subject)) or ERASED
    return {
        "event_id": str(event_id),
        "stream_id": stream_id,
        "version": version,
        "position": position,
        "type": type_,
        "data": opened,
        "metadata": metadata,
        "occurred_at": occurred_at.isoformat(),
        "recorded_at": recorded.isoformat(),
    }


def _derived(events: list[dict[str, Any]], person_id: str) -> dict[str, Any]:
    mine = [
        e
        for e in events
        if e["data"].get("student_id") == person_id and e["type"].startswith("chapter-quiz/")
    ]
    kinds = Counter(e["type"].removeprefix("chapter-quiz/") for e in mine)
    chapters: dict[str, dict[str, int]] = {}
    for event in mine:
        key = f"{event['data'].get('course_id')}/{event['data'].get('chapter_id')}"
        figures = chapters.setdefault(key, {"answers": 0, "mistakes": 0, "passes": 0})
        if event["type"].endswith("Correctly") or event["type"].endswith("Incorrectly"):
            figures["answers"] += 1
        figures["mistakes"] += event["type"].endswith("Incorrectly")
        figures["passes"] += event["type"].endswith("QuizPassed")
    return {
        "answers": kinds["QuestionAnsweredCorrectly"] + kinds["QuestionAnsweredIncorrectly"],
        "correct": kinds["QuestionAnsweredCorrectly"],
        "mistakes": kinds["QuestionAnsweredIncorrectly"],
        "passes": kinds["QuizPassed"],
        "chapters": chapters,
        "first_activity": mine[0]["occurred_at"] if mine else None,
        "last_activity": mine[-1]["occurred_at"] if mine else None,
    }
