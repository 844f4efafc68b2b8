"""The live read model reads a student's quizzes from the student's own streams on first use:
its views then equal a full replay of the log, and stay equal as the log goes on, whatever
comes live while the streams are being read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course, register
from quizflow.app.readmodel import ReadModel
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import Cursor, EventStore, InMemoryEventStore, RecordedEvent
from quizflow.quiz import (
    EVENT_TYPES,
    ClassRegistered,
    NextQuestion,
    SchoolRegistered,
    StartOver,
    StartQuiz,
    StudentEnrolled,
    SubmitAnswer,
)
from quizflow.quiz.state import Status

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTERS: list[str] = [c["chapter_id"] for c in COURSE["chapters"]]
QUESTIONS = {q["question_id"]: q for c in COURSE["chapters"] for q in c["questions"]}
STUDENTS = ("s1", "s2", "s3")
ROSTER = [
    SchoolRegistered("sch", "School"),
    ClassRegistered("sch", "c1", "7A", "t1", "Ms T"),
    *(StudentEnrolled("sch", "c1", s, f"Student {s}") for s in STUDENTS),
]


def _play(handler: CommandHandler, student: str, chapter: str, answers: int) -> RecordedEvent:
    """A few answers, right and wrong, in one chapter; the last event stored."""
    ids = (student, COURSE_ID, chapter)
    result = handler.handle(StartQuiz(*ids))
    assert result.status == "ok", result
    stored = list(result.events)
    for n in range(answers):
        state = result.state
        if state.status is Status.ANSWERED_CORRECTLY:
            result = handler.handle(NextQuestion(*ids))
        elif state.status is Status.ANSWERED_INCORRECTLY:
            result = handler.handle(StartOver(*ids))
        elif state.status is Status.AWAITING_ANSWER:
            question = QUESTIONS[state.question_id or ""]
            if n % 3 == 2:
                inputs = dict(question["wrong_answers"][0]["answer"])
            else:
                inputs = {name: values[0] for name, values in question["accepted"].items()}
            result = handler.handle(SubmitAnswer(*ids, question["question_id"], inputs))
        else:
            break
        assert result.status == "ok", result
        stored.extend(result.events)
    return stored[-1]


def _same_views(model: ReadModel, reference: ReadModel, student: str) -> None:
    assert model.quizzes_of(student) == reference.quizzes_of(student)
    assert model.recent_answers(student) == reference.recent_answers(student)


@pytest.fixture
def models() -> Iterator[list[ReadModel]]:
    made: list[ReadModel] = []
    yield made
    for model in made:
        model.stop()


def _replay(store: EventStore, models: list[ReadModel], upto: Cursor) -> ReadModel:
    reference = ReadModel(store, every_student=True)
    models.append(reference)
    reference.start(catch_up_timeout=None)
    assert reference.wait_for(upto, timeout=60)
    return reference


def test_a_students_quizzes_are_read_on_first_use_equal_to_a_replay_then_followed_live(
    any_store: EventStore, models: list[ReadModel]
) -> None:
    publish_course(any_store, COURSE)
    register(any_store, list(ROSTER))
    handler = CommandHandler(any_store)
    for number, student in enumerate(STUDENTS):
        for chapter in CHAPTERS[:2]:
            last = _play(handler, student, chapter, answers=4 + number)
    model = ReadModel(any_store)
    models.append(model)
    model.start(catch_up_timeout=None)
    # The head seen at start may lag behind the last append (another transaction in the
    # cluster holds it back): waiting for the append's own cursor is what counts.
    assert model.wait_for(last.cursor, timeout=60)
    status = model.status()
    assert (status["students_loaded"], status["quizzes"]) == (0, 0)
    assert status["students"] == len(STUDENTS)

    reference = _replay(any_store, models, last.cursor)
    _same_views(model, reference, "s1")
    assert model.status()["students_loaded"] == 1
    assert model.quizzes_of("s1") and len(model.recent_answers("s1")) > 0

    # Live: s1 goes on, s2 starts a chapter before s2 was ever shown.
    last = _play(handler, "s1", CHAPTERS[2], answers=3)
    _play(handler, "s2", CHAPTERS[2], answers=2)
    last = _play(handler, "s1", CHAPTERS[3], answers=2)
    assert model.wait_for(last.cursor, timeout=30) and reference.wait_for(last.cursor, 30)
    for student in STUDENTS:
        _same_views(model, reference, student)
    assert model.quiz("nobody", COURSE_ID, CHAPTERS[0]).state.version == 0


class _ReadWithAHook(InMemoryEventStore):
    """An in-memory store that runs ``during_read`` while a student's streams are read, as a
    commit landing in the middle of the read would."""

    def __init__(self) -> None:
        super().__init__(event_types=EVENT_TYPES)
        self.during_read: Callable[[], None] | None = None
        self.after_read: Callable[[], None] | None = None

    def read_streams(
        self, stream_ids: Sequence[str], prefixes: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        if self.during_read is not None:
            self.during_read()
        found = super().read_streams(stream_ids, prefixes)
        if self.after_read is not None:
            self.after_read()
        return found


@pytest.mark.parametrize("seen_by_the_read", [False, True])
def test_an_event_arriving_live_while_its_student_is_read_is_folded_once(
    seen_by_the_read: bool, models: list[ReadModel]
) -> None:
    store = _ReadWithAHook()
    publish_course(store, COURSE)
    register(store, list(ROSTER))
    handler = CommandHandler(store)
    _play(handler, "s1", CHAPTERS[0], answers=2)
    model = ReadModel(store)  # fed by hand: the subscription's deliveries are the test's
    for event in store.read_all(limit=10_000):
        model.apply(event)
    arrived: list[RecordedEvent] = []

    def commit_and_deliver() -> None:
        store.during_read = store.after_read = None
        arrived.append(_play(handler, "s1", CHAPTERS[1], answers=3))
        for event in store.read_all(after=model.cursor, limit=10_000):
            model.apply(event)  # the subscription delivers it while the read is under way

    if seen_by_the_read:
        store.during_read = commit_and_deliver
    else:
        store.after_read = commit_and_deliver
    views = model.quizzes_of("s1")
    assert arrived
    reference = _replay(store, models, arrived[0].cursor)
    assert views == reference.quizzes_of("s1")
    assert model.recent_answers("s1") == reference.recent_answers("s1")
    assert views[(COURSE_ID, CHAPTERS[1])].version == arrived[0].version
