"""Publishing course content and roster facts: the events the quiz reads but never writes.

Both are idempotent: event ids derive from the natural keys and the content, so running the
demo or the simulator twice appends nothing new.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from quizflow.eventstore import ANY, EventStore, NewEvent, RecordedEvent
from quizflow.privacy.keys import names_of
from quizflow.quiz import (
    AccountCreated,
    ClassRegistered,
    Course,
    CoursePublished,
    Event,
    PayloadError,
    SchoolRegistered,
    StudentEnrolled,
    course_stream_id,
    from_payload,
    stream_id,
    to_payload,
)
from quizflow.quiz.versions import assign, succeed

_NAMESPACE = uuid.UUID("6f1b7a3e-2a7c-4f39-9a39-5d3c1a0e7b11")


def _content_id(kind: str, payload: Mapping[str, Any]) -> uuid.UUID:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return uuid.uuid5(_NAMESPACE, f"{kind}:{digest}")


def publish_course(
    store: EventStore,
    data: Mapping[str, Any],
    *,
    user_id: str = "content-editor",
    occurred_at: datetime | None = None,
) -> list[RecordedEvent]:
    """Publish a course (the CoursePublished data); republishing identical content is a no-op.
    Each question gets its version from the publications before (quizflow.quiz.versions)."""
    course = Course.from_data(data)
    previous = published_course(store, course.course_id)
    type_name, payload = to_payload(CoursePublished(assign(previous, course)))
    event = NewEvent(
        type_name, payload, {"user_id": user_id}, _content_id(type_name, payload), occurred_at
    )
    return store.append(course_stream_id(course.course_id), ANY, [event])


def published_course(store: EventStore, course_id: str) -> Course | None:
    """The course as published so far (its latest content, every question revision known),
    or None when it never was. A publication the quiz cannot read is passed over, as the
    quiz itself passes it over."""
    course, _ = published_course_at(store, course_id)
    return course


def published_course_at(store: EventStore, course_id: str) -> tuple[Course | None, int]:
    """``published_course`` and the version of the course's stream it was read at (what a
    publication made from it expects, so that a concurrent one is refused, not lost)."""
    course: Course | None = None
    version = 0
    for stored in store.read_stream(course_stream_id(course_id)):
        version = stored.version
        try:
            event = from_payload(stored.type, stored.data)
        except PayloadError:
            continue
        if isinstance(event, CoursePublished):
            course = succeed(course, event.course)
    return course, version


def register(
    store: EventStore,
    facts: list[Event],
    *,
    user_id: str = "admin",
    occurred_at: datetime | None = None,
) -> list[RecordedEvent]:
    """Append roster facts (school, classes, students) and accounts, each stored once. Names
    are sealed with their person's key; the event id derives from the plain content, so the
    same fact appended again (sealed with another nonce) is still recognised."""
    stored: list[RecordedEvent] = []
    by_stream: dict[str, list[tuple[uuid.UUID, Event]]] = {}
    for fact in facts:
        if not isinstance(
            fact, SchoolRegistered | ClassRegistered | StudentEnrolled | AccountCreated
        ):
            raise TypeError(f"not a roster fact: {fact!r}")
        type_name, plain = to_payload(fact)
        by_stream.setdefault(stream_id(fact), []).append((_content_id(type_name, plain), fact))
    names = names_of(store)
    for stream, candidates in by_stream.items():
        known = {e.event_id for e in store.read_stream(stream)}
        fresh = []
        for event_id, fact in candidates:
            if event_id not in known:
                type_name, payload = to_payload(names.seal_fact(fact))
                fresh.append(
                    NewEvent(type_name, payload, {"user_id": user_id}, event_id, occurred_at)
                )
        if fresh:
            stored += store.append(stream, ANY, fresh)
    return stored
