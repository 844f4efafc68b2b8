"""Events to and from the (type, JSON data) pairs the store keeps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizflow.quiz import (
    EVENT_TYPES,
    AccountCreated,
    AccountDeactivated,
    AccountReactivated,
    ClassRegistered,
    CoursePublished,
    Event,
    PayloadError,
    QuestionAnsweredCorrectly,
    QuestionAnsweredIncorrectly,
    QuestionAssigned,
    QuizPassed,
    QuizStarted,
    QuizStartedOver,
    RoleGranted,
    RoleRevoked,
    SchoolRegistered,
    SchoolTimeZoneChanged,
    StudentEnrolled,
    StudentMoved,
    StudentRenamed,
    UnknownEventType,
    from_payload,
    stream_id,
    to_payload,
)
from quizflow.quiz.testing import tiny_course

QUIZ = ("ann", "maths", "basics")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "events.md"

EXAMPLES: list[Event] = [
    QuizStarted(*QUIZ, 1),
    QuestionAssigned(*QUIZ, 1, "q1"),
    QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "3/4"}, 2),
    QuestionAnsweredIncorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": " 2/6 "}),
    QuizStartedOver(*QUIZ, 1),
    QuizPassed(*QUIZ, 3),
    CoursePublished(tiny_course()),
    SchoolRegistered("s1", "De Linde"),
    SchoolTimeZoneChanged("s1", "Europe/Amsterdam"),
    ClassRegistered("s1", "c1", "2B", "t1", "Ms Jansen"),
    StudentEnrolled("s1", "c1", "ann", "Ann"),
    StudentMoved("s1", "ann", "c2"),
    StudentRenamed("s1", "ann", "Anne"),
    AccountCreated("t1", "s1", "Ms Jansen", ("teacher", "admin")),
    RoleGranted("t1", "editor"),
    RoleRevoked("t1", "admin"),
    AccountDeactivated("ann"),
    AccountReactivated("ann"),
]


def test_an_account_needs_at_least_one_role() -> None:
    with pytest.raises(PayloadError, match="roles"):
        from_payload(
            "accounts/AccountCreated",
            {"account_id": "a", "school_id": "s", "name": "A", "roles": []},
        )


def test_the_event_types_are_exactly_those_of_the_vocabulary() -> None:
    pattern = r"`((?:chapter-quiz|course|roster|accounts)/\w+)`"
    documented = set(re.findall(pattern, DOCS.read_text()))
    assert set(EVENT_TYPES) == documented


@pytest.mark.parametrize("event", EXAMPLES, ids=lambda e: type(e).__name__)
def test_every_event_survives_a_json_round_trip(event: Event) -> None:
    type_name, data = to_payload(event)
    assert EVENT_TYPES[type_name] is type(event)
    assert from_payload(type_name, json.loads(json.dumps(data))) == event


def test_quiz_event_data_carries_the_ids_it_is_about() -> None:
    _, data = to_payload(QuestionAnsweredCorrectly(*QUIZ, 1, "q1", {"_INPUT_1_": "1"}, 1))
    assert data == {
        "student_id": "ann",
        "course_id": "maths",
        "chapter_id": "basics",
        "attempt": 1,
        "question_id": "q1",
        "inputs": {"_INPUT_1_": "1"},
        "streak": 1,
        "question_version": 1,
    }


def test_course_published_data_is_the_course_itself() -> None:
    type_name, data = to_payload(CoursePublished(tiny_course()))
    assert type_name == "course/CoursePublished"
    assert data == tiny_course().to_data()


def test_an_unknown_type_is_a_clear_error() -> None:
    with pytest.raises(UnknownEventType, match="chapter-quiz/QuizFailed"):
        from_payload("chapter-quiz/QuizFailed", {})


def test_missing_and_mistyped_fields_are_named() -> None:
    with pytest.raises(PayloadError) as error:
        from_payload(
            "chapter-quiz/QuestionAnsweredCorrectly",
            {**dict(zip(("student_id", "course_id", "chapter_id"), QUIZ, strict=True)),
             "attempt": "1", "inputs": {"_INPUT_1_": 2}, "streak": 1},
        )  # fmt: skip
    message = str(error.value)
    assert "QuestionAnsweredCorrectly" in message
    assert "question_id" in message and "attempt" in message and "inputs" in message


def test_bad_course_data_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="course/CoursePublished"):
        from_payload("course/CoursePublished", {"course_id": "maths"})


def test_data_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PayloadError, match="JSON object"):
        from_payload("chapter-quiz/QuizStarted", ["ann"])  # type: ignore[arg-type]


def test_extra_fields_are_ignored_so_events_can_grow() -> None:
    data = {"student_id": "ann", "course_id": "maths", "chapter_id": "basics", "attempt": 1}
    assert from_payload("chapter-quiz/QuizStarted", {**data, "device": "phone"}) == QuizStarted(
        *QUIZ, 1
    )


@given(st.dictionaries(st.text(min_size=1), st.text(), max_size=4))
def test_any_raw_inputs_round_trip(inputs: dict[str, str]) -> None:
    event = QuestionAnsweredIncorrectly(*QUIZ, 1, "q1", inputs)
    type_name, data = to_payload(event)
    restored = from_payload(type_name, json.loads(json.dumps(data)))
    assert restored == event


def test_events_are_not_changed_by_the_inputs_dict_they_were_made_from() -> None:
    inputs = {"_INPUT_1_": "1"}
    event = QuestionAnsweredIncorrectly(*QUIZ, 1, "q1", inputs)
    inputs["_INPUT_1_"] = "2"
    assert event.inputs == {"_INPUT_1_": "1"}


def test_each_event_names_its_stream() -> None:
    assert stream_id(QuizStarted(*QUIZ, 1)) == "chapter-quiz/ann/maths/basics"
    assert stream_id(CoursePublished(tiny_course())) == "course-maths"
    assert stream_id(StudentEnrolled("s1", "c1", "ann", "Ann")) == "roster-s1"
