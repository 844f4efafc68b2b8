"""The published courses, as the command handler reads them: from the course streams."""

from __future__ import annotations

import threading
import time

from quizflow.eventstore import EventStore
from quizflow.quiz import Course, CoursePublished, course_stream_id, from_payload
from quizflow.quiz.versions import succeed

# Course content changes rarely; a short cache keeps the hot path to one read per command.
_TTL_S = 5.0


class CourseCatalog:
    def __init__(self, store: EventStore, ttl_s: float = _TTL_S) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Course | None]] = {}
        self._lock = threading.Lock()

    def get(self, course_id: str) -> Course | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(course_id)
        if cached and now - cached[0] < self._ttl_s:
            return cached[1]
        course = self._load(course_id)
        with self._lock:
            self._cache[course_id] = (now, course)
        return course

    def _load(self, course_id: str) -> Course | None:
        latest: Course | None = None
        for stored in self._store.read_stream(course_stream_id(course_id)):
            event = from_payload(stored.type, stored.data)
            if isinstance(event, CoursePublished):
                latest = succeed(latest, event.course)
        return latest
