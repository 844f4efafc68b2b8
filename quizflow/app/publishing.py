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
    SchoolRegistered,
    StudentEnrolled,
    course_stream_id,
    stream_id,
    to_payload,
)

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
    """Publish a course (the CoursePublished data); republishing identical content is a no-op."""
    course = Course.from_data(data)
    type_name, payload = to_payload(CoursePublished(course))
    event = NewEvent(
        type_name, payload, {"user_id": user_id}, _content_id(type_name, payload), occurred_at
    )
    return store.append(course_stream_id(course.course_id), ANY, [event])


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
