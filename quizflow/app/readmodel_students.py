"""Whose quizzes the live read model holds, and where a student's quizzes are stored.

The model folds a student's quizzes from their own quiz streams the first time it shows them,
then keeps them current from its subscription (docs/read-model.md). A live event of a student
whose streams are being read meanwhile is held back and folded after them: the read may or may
not have seen it, and folding by stream version makes a second copy harmless.

Not thread-safe by itself: the read model calls it under its lock.
"""

from __future__ import annotations

from collections.abc import Iterable

from quizflow.eventstore import RecordedEvent
from quizflow.quiz import Course, legacy_quiz_stream_id, quiz_stream_id


class StudentLoads:
    """``everyone``: every student counts as loaded (a model that folds the whole log)."""

    def __init__(self, everyone: bool = False) -> None:
        self.everyone = everyone
        self.loaded: set[str] = set()
        # Students whose streams are being read: the live events that came for them meanwhile.
        self._loading: dict[str, list[RecordedEvent]] = {}

    def is_loaded(self, student_id: str) -> bool:
        return self.everyone or student_id in self.loaded

    def claim(self, student_ids: Iterable[str], again: bool) -> tuple[list[str], list[str]]:
        """(students this caller now reads, students another caller is reading). ``again``
        reads loaded students once more (what came since their first read)."""
        mine: list[str] = []
        others: list[str] = []
        if self.everyone:
            return mine, others
        for student_id in dict.fromkeys(student_ids):
            if student_id in self._loading:
                others.append(student_id)
            elif again or student_id not in self.loaded:
                self._loading[student_id] = []
                mine.append(student_id)
        return mine, others

    def hold(self, student_id: str, event: RecordedEvent) -> bool:
        """Keep a live event for a student being read; False when none is."""
        held = self._loading.get(student_id)
        if held is None:
            return False
        held.append(event)
        return True

    def finish(self, student_ids: Iterable[str]) -> list[RecordedEvent]:
        """The students are loaded; the live events held for them meanwhile, in order."""
        held: list[RecordedEvent] = []
        for student_id in student_ids:
            held.extend(self._loading.pop(student_id, []))
            self.loaded.add(student_id)
        return held

    def abandon(self, student_ids: Iterable[str]) -> None:
        """The read failed: the students are as before (a later view reads them again)."""
        for student_id in student_ids:
            self._loading.pop(student_id, None)

    def reading(self, student_ids: Iterable[str]) -> bool:
        return any(student_id in self._loading for student_id in student_ids)

    @property
    def busy(self) -> bool:
        return bool(self._loading)


def quiz_streams(
    student_ids: Iterable[str], courses: Iterable[Course]
) -> tuple[list[str], list[str]]:
    """(stream ids, stream id prefixes) of every stream that may hold a quiz of these students,
    the streams named before ids were escaped included. The prefixes find them all; the named
    streams of the published chapters are there for a database where a prefix cannot be
    looked up in full (``EventStore.read_streams``). Streams of other students may match a
    legacy prefix: the caller folds only these students' events."""
    chapters = [(c.course_id, chapter.chapter_id) for c in courses for chapter in c.chapters]
    streams: list[str] = []
    prefixes: list[str] = []
    for student_id in student_ids:
        # The escaped student part, as quiz_stream_id writes it, and the separator after it.
        prefixes.append(quiz_stream_id(student_id, "-", "-")[: -len("/-/-")] + "/")
        prefixes.append(legacy_quiz_stream_id(student_id, "", "")[: -len("-")])
        for course_id, chapter_id in chapters:
            streams.append(quiz_stream_id(student_id, course_id, chapter_id))
            streams.append(legacy_quiz_stream_id(student_id, course_id, chapter_id))
    return streams, prefixes
