"""The command handler against both stores: results, idempotency, conflicts, metadata."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course, register
from quizflow.content import load_course_file, sample_course_path
from quizflow.eventstore import NO_STREAM, EventStore, NewEvent
from quizflow.quiz import (
    Command,
    NextQuestion,
    QuestionAssigned,
    QuizStarted,
    SchoolRegistered,
    StartOver,
    StartQuiz,
    SubmitAnswer,
    legacy_quiz_stream_id,
    quiz_stream_id,
    to_payload,
)

COURSE = load_course_file(sample_course_path())
COURSE_ID = COURSE["course_id"]
CHAPTER = COURSE["chapters"][0]
QUESTIONS = {q["question_id"]: q for q in CHAPTER["questions"]}


@pytest.fixture
def store(any_store: EventStore) -> EventStore:
    publish_course(any_store, COURSE)
    return any_store


def right(question_id: str) -> dict[str, str]:
    accepted = QUESTIONS[question_id]["accepted"]
    return {name: values[0] for name, values in accepted.items()}


def wrong(question_id: str) -> dict[str, str]:
    return dict(QUESTIONS[question_id]["wrong_answers"][0]["answer"])


def start(handler: CommandHandler, student: str = "s1") -> str:
    result = handler.handle(StartQuiz(student, COURSE_ID, CHAPTER["chapter_id"]))
    assert result.status == "ok"
    assert result.state.question_id
    return result.state.question_id


def test_a_student_passes_after_three_correct_answers_in_a_row(store: EventStore) -> None:
    handler = CommandHandler(store)
    ids = ("s1", COURSE_ID, CHAPTER["chapter_id"])
    question = start(handler)
    for n in range(3):
        result = handler.handle(SubmitAnswer(*ids, question, right(question)))
        assert result.status == "ok"
        if n < 2:
            result = handler.handle(NextQuestion(*ids))
            question = result.state.question_id or ""
    assert result.events[-1].type == "chapter-quiz/QuizPassed"
    assert result.state.status == "passed"


def test_a_wrong_answer_then_start_over_assigns_a_new_question(store: EventStore) -> None:
    handler = CommandHandler(store)
    ids = ("s1", COURSE_ID, CHAPTER["chapter_id"])
    question = start(handler)
    answered = handler.handle(SubmitAnswer(*ids, question, wrong(question)))
    assert [e.type for e in answered.events] == ["chapter-quiz/QuestionAnsweredIncorrectly"]
    assert answered.events[0].data["inputs"] == wrong(question)
    again = handler.handle(StartOver(*ids))
    assert [e.type for e in again.events] == [
        "chapter-quiz/QuizStartedOver",
        "chapter-quiz/QuestionAssigned",
    ]
    assert again.state.question_id != question


def test_a_rejected_command_appends_nothing_and_says_why(store: EventStore) -> None:
    handler = CommandHandler(store)
    stream = quiz_stream_id("s1", COURSE_ID, CHAPTER["chapter_id"])
    result = handler.handle(SubmitAnswer("s1", COURSE_ID, CHAPTER["chapter_id"], "q", {}))
    assert (result.status, result.code) == ("rejected", "quiz-not-started")
    assert result.reason
    assert store.read_stream(stream) == []
    unknown = handler.handle(StartQuiz("s1", "no-such-course", "x"))
    assert unknown.code == "unknown-course"


def test_retrying_a_command_returns_its_events_and_answers_only_once(store: EventStore) -> None:
    handler = CommandHandler(store)
    ids = ("s1", COURSE_ID, CHAPTER["chapter_id"])
    question = start(handler)
    command_id = uuid.uuid4()
    first = handler.handle(SubmitAnswer(*ids, question, right(question)), command_id=command_id)
    retry = handler.handle(SubmitAnswer(*ids, question, right(question)), command_id=command_id)
    assert retry.replayed
    assert [e.event_id for e in retry.events] == [e.event_id for e in first.events]
    assert len(store.read_stream(first.stream_id)) == 3


def test_racing_copies_of_one_command_store_one_answer(store: EventStore) -> None:
    handler = CommandHandler(store)
    ids = ("s1", COURSE_ID, CHAPTER["chapter_id"])
    question = start(handler)
    command_id = uuid.uuid4()
    command = SubmitAnswer(*ids, question, right(question))
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: handler.handle(command, command_id=command_id), range(4)))
    assert {r.status for r in results} == {"ok"}
    answers = [
        e
        for e in store.read_stream(results[0].stream_id)
        if e.type == "chapter-quiz/QuestionAnsweredCorrectly"
    ]
    assert len(answers) == 1


def test_every_event_carries_command_correlation_causation_and_user(store: EventStore) -> None:
    handler = CommandHandler(store)
    command_id, correlation = uuid.uuid4(), uuid.uuid4()
    result = handler.handle(
        StartQuiz("s1", COURSE_ID, CHAPTER["chapter_id"]),
        command_id=command_id,
        correlation_id=correlation,
        user_id="s1",
    )
    for event in result.events:
        assert event.metadata["command_id"] == str(command_id)
        assert event.metadata["correlation_id"] == str(correlation)
        assert event.metadata["causation_id"] == str(command_id)
        assert event.metadata["user_id"] == "s1"


def test_publishing_the_same_course_and_roster_twice_appends_nothing(store: EventStore) -> None:
    before = len(store.read_all(limit=10_000))
    publish_course(store, COURSE)
    register(store, [SchoolRegistered("school-1", "De Linde")])
    register(store, [SchoolRegistered("school-1", "De Linde")])
    assert len(store.read_all(limit=10_000)) == before + 1


def test_a_command_id_reused_for_another_command_is_refused_and_appends_nothing(
    store: EventStore,
) -> None:
    publish_course(store, {**COURSE, "course_id": "other-course"})
    ids = ("s1", COURSE_ID, CHAPTER["chapter_id"])
    handler = CommandHandler(store)
    start_id, answer_id = uuid.uuid4(), uuid.uuid4()
    question = handler.handle(StartQuiz(*ids), command_id=start_id).state.question_id or ""
    handler.handle(SubmitAnswer(*ids, question, right(question)), command_id=answer_id)
    other_question = next(q for q in QUESTIONS if q != question)
    reuses: list[tuple[uuid.UUID, Command]] = [
        (start_id, NextQuestion(*ids)),  # another action
        (answer_id, StartOver(*ids)),
        (answer_id, SubmitAnswer(*ids, question, wrong(question))),  # other inputs
        (answer_id, SubmitAnswer(*ids, other_question, right(question))),  # another question
        (start_id, StartQuiz("s2", COURSE_ID, CHAPTER["chapter_id"])),  # another student's quiz
        (start_id, StartQuiz("s1", "other-course", CHAPTER["chapter_id"])),  # another course
    ]
    before = len(store.read_all(limit=10_000))
    # The same handler (its folds cached) and a fresh one (another process) alike.
    for deciding in (handler, CommandHandler(store)):
        for command_id, command in reuses:
            result = deciding.handle(command, command_id=command_id)
            assert (result.status, result.code) == ("rejected", "command-id-reused"), command
            assert f"command id {command_id} was already used for another command" in (
                result.reason or ""
            )
            assert result.events == []
    assert len(store.read_all(limit=10_000)) == before
    # Retries of the commands themselves are still answered with their events.
    assert handler.handle(StartQuiz(*ids), command_id=start_id).replayed
    retry = CommandHandler(store).handle(
        SubmitAnswer(*ids, question, right(question)), command_id=answer_id
    )
    assert retry.replayed and retry.status == "ok"


def test_two_quizzes_whose_ids_joined_alike_get_streams_of_their_own(store: EventStore) -> None:
    # ("ann-x", "maths") and ("ann", "x-maths") once shared "chapter-quiz-ann-x-maths-...".
    publish_course(store, {**COURSE, "course_id": "maths"})
    publish_course(store, {**COURSE, "course_id": "x-maths"})
    chapter = CHAPTER["chapter_id"]
    handler = CommandHandler(store)
    first = handler.handle(StartQuiz("ann-x", "maths", chapter))
    second = handler.handle(StartQuiz("ann", "x-maths", chapter))
    assert (first.status, second.status) == ("ok", "ok"), second.reason
    assert first.stream_id != second.stream_id
    for result, student in ((first, "ann-x"), (second, "ann")):
        assert {e.data["student_id"] for e in store.read_stream(result.stream_id)} == {student}
    assert store.read_stream(legacy_quiz_stream_id("ann", "x-maths", chapter)) == []


def _legacy_start(store: EventStore, ids: tuple[str, str, str], question: str) -> uuid.UUID:
    """A quiz started by the handler of before, in the stream id of before."""
    command_id = uuid.uuid4()
    metadata = {"command_id": str(command_id), "command": "StartQuiz", "user_id": ids[0]}
    store.append(
        legacy_quiz_stream_id(*ids),
        NO_STREAM,
        [
            NewEvent(*to_payload(QuizStarted(*ids, 1)), metadata, uuid.uuid5(command_id, "0")),
            NewEvent(
                *to_payload(QuestionAssigned(*ids, 1, question)),
                metadata,
                uuid.uuid5(command_id, "1"),
            ),
        ],
    )
    return command_id


def test_a_quiz_in_a_legacy_stream_goes_on_there(store: EventStore) -> None:
    ids = ("s1", COURSE_ID, CHAPTER["chapter_id"])
    question = next(iter(QUESTIONS))
    start_id = _legacy_start(store, ids, question)
    handler = CommandHandler(store)
    answered = handler.handle(SubmitAnswer(*ids, question, right(question)))
    assert answered.status == "ok", answered.reason
    assert answered.stream_id == legacy_quiz_stream_id(*ids)
    assert [e.version for e in answered.events] == [3]
    following = CommandHandler(store).handle(NextQuestion(*ids))  # another process
    assert (following.status, following.stream_id) == ("ok", legacy_quiz_stream_id(*ids))
    assert handler.handle(StartQuiz(*ids), command_id=start_id).replayed
    assert store.read_stream(quiz_stream_id(*ids)) == []
    assert len(store.read_stream(legacy_quiz_stream_id(*ids))) == 4


def test_a_legacy_stream_of_another_quiz_is_left_alone(store: EventStore) -> None:
    publish_course(store, {**COURSE, "course_id": "maths"})
    publish_course(store, {**COURSE, "course_id": "x-maths"})
    chapter = CHAPTER["chapter_id"]
    theirs, mine = ("ann-x", "maths", chapter), ("ann", "x-maths", chapter)
    _legacy_start(store, theirs, next(iter(QUESTIONS)))
    started = CommandHandler(store).handle(StartQuiz(*mine))
    assert (started.status, started.stream_id) == ("ok", quiz_stream_id(*mine))
    assert len(store.read_stream(legacy_quiz_stream_id(*theirs))) == 2
