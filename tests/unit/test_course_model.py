"""Course content validation: what the quiz refuses to grade, with every problem named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from quizflow.quiz import Course, CourseError
from quizflow.quiz.testing import tiny_course


def data() -> dict[str, Any]:
    return copy.deepcopy(tiny_course().to_data())


def problems(course_data: object, **options: bool) -> str:
    with pytest.raises(CourseError) as error:
        Course.from_data(course_data, **options)
    return str(error.value)


def first_question(course_data: dict[str, Any]) -> dict[str, Any]:
    question: dict[str, Any] = course_data["chapters"][0]["questions"][0]
    return question


def test_course_data_round_trips() -> None:
    assert Course.from_data(data()) == tiny_course()
    assert Course.from_data(data()).to_data() == data()


def test_chapters_and_questions_are_found_by_id() -> None:
    course = tiny_course()
    chapter = course.chapter("basics")
    assert chapter is not None and chapter.question("q2") is not None
    assert course.chapter("nope") is None and chapter.question("nope") is None


def test_duplicate_chapter_ids_are_refused() -> None:
    course_data = data()
    course_data["chapters"][1]["chapter_id"] = "basics"
    assert "duplicate chapter_id 'basics'" in problems(course_data)


def test_duplicate_question_ids_are_refused_across_the_course() -> None:
    course_data = data()
    course_data["chapters"][1]["questions"][0]["question_id"] = "q1"
    assert "duplicate question_id 'q1'" in problems(course_data)


def test_a_field_without_accepted_answers_is_refused() -> None:
    course_data = data()
    first_question(course_data)["accepted"]["_INPUT_1_"] = []
    assert "'_INPUT_1_' has no accepted answers" in problems(course_data)


def test_accepted_answers_for_a_field_that_does_not_exist_are_refused() -> None:
    course_data = data()
    first_question(course_data)["accepted"]["_INPUT_2_"] = ["1"]
    assert "'_INPUT_2_' is not a field of the question" in problems(course_data)


def test_a_field_without_an_equivalence_is_refused() -> None:
    course_data = data()
    first_question(course_data)["equivalence"] = {}
    assert "equivalence: missing field '_INPUT_1_'" in problems(course_data)


def test_an_unknown_equivalence_is_refused() -> None:
    course_data = data()
    first_question(course_data)["equivalence"]["_INPUT_1_"] = "roughly"
    assert "must be one of text, number, fraction" in problems(course_data)


def test_an_accepted_answer_that_is_not_a_valid_number_is_refused() -> None:
    course_data = data()
    course_data["chapters"][0]["questions"][1]["accepted"]["_INPUT_1_"] = ["six"]
    course_data["chapters"][0]["questions"][1]["fields"][0]["label"] = "price"
    found = problems(course_data)
    # Named by the label people read, never by the internal field name.
    assert "accepted answer 'six' for field 'price' is not a valid number" in found
    assert "_INPUT_1_" not in found


def test_a_field_without_a_label_is_named_by_its_place() -> None:
    course_data = data()
    question = first_question(course_data)
    question["fields"] = [{"name": "_INPUT_1_"}, {"name": "_INPUT_2_", "label": " "}]
    question["equivalence"] = {"_INPUT_1_": "number", "_INPUT_2_": "roughly"}
    question["accepted"] = {"_INPUT_1_": ["6"]}
    found = problems(course_data)
    assert "equivalence of field 2 must be one of" in found
    assert "accepted: missing field 2" in found
    assert "_INPUT_" not in found


def test_answers_must_be_text_so_yaml_cannot_change_them() -> None:
    course_data = data()
    course_data["chapters"][0]["questions"][1]["accepted"]["_INPUT_1_"] = [0.50]
    assert "quote numbers in YAML" in problems(course_data)


def test_a_wrong_answer_must_name_the_question_fields() -> None:
    course_data = data()
    first_question(course_data)["wrong_answers"] = [
        {"answer": {"_INPUT_7_": "1"}, "misconception": "guesses"}
    ]
    found = problems(course_data)
    assert "wrong answer 1: answer: '_INPUT_7_' is not a field" in found
    assert "missing field '_INPUT_1_'" in found


def test_a_chapter_without_questions_is_refused() -> None:
    course_data = data()
    course_data["chapters"][1]["questions"] = []
    assert "questions must be a non-empty list" in problems(course_data)


def test_a_difficulty_must_be_a_number() -> None:
    course_data = data()
    first_question(course_data)["difficulty"] = "hard"
    assert "difficulty must be a finite number" in problems(course_data)


def test_every_problem_is_reported_at_once() -> None:
    course_data = data()
    course_data["version"] = 0
    course_data["chapters"][1]["chapter_id"] = "basics"
    first_question(course_data)["text"] = ""
    found = problems(course_data)
    assert "version" in found and "duplicate chapter_id" in found and "text" in found


def test_unknown_keys_are_allowed_unless_asked_to_refuse_them() -> None:
    course_data = data()
    first_question(course_data)["acepted"] = {"_INPUT_1_": ["1"]}
    assert Course.from_data(course_data) == tiny_course()
    assert "unknown keys 'acepted'" in problems(course_data, allow_unknown_keys=False)


def test_data_that_is_not_a_mapping_is_refused() -> None:
    assert "expected a mapping" in problems(["not", "a", "course"])
