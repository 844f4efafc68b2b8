"""Loading course files: clear errors that name the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from quizflow.content import CourseFileError, load_course_file, sample_course_path
from quizflow.quiz import Course
from quizflow.quiz.testing import tiny_course


def test_the_sample_course_loads_as_course_published_data() -> None:
    data = load_course_file(sample_course_path())
    assert data["course_id"] == "sample-maths"
    assert Course.from_data(data).to_data() == data


def test_a_json_course_file_loads_too(tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_course().to_data()))
    assert load_course_file(path) == tiny_course().to_data()


def test_errors_name_the_file_and_each_problem(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["questions"][0]["accepted"] = {}
    data["chapters"][1]["chapter_id"] = "basics"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError) as error:
        load_course_file(path)
    message = str(error.value)
    assert str(path) in message
    assert "missing field '_INPUT_1_'" in message and "duplicate chapter_id" in message


def test_an_unquoted_number_answer_is_caught(tmp_path: Path) -> None:
    text = yaml.safe_dump(tiny_course().to_data()).replace("- '6'", "- 6")
    path = tmp_path / "unquoted.yaml"
    path.write_text(text)
    with pytest.raises(CourseFileError, match="quote numbers in YAML"):
        load_course_file(path)


def test_a_typo_in_a_key_is_caught(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["titel"] = "Basics"
    path = tmp_path / "typo.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError, match="unknown keys 'titel'"):
        load_course_file(path)


def test_a_wrong_answer_that_would_be_accepted_is_caught(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["questions"][0]["wrong_answers"] = [
        {"answer": {"_INPUT_1_": "6/8"}, "misconception": "does not simplify"}
    ]
    path = tmp_path / "lenient.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError, match=r"question 'q1', wrong answer 1 \(6/8\) is accepted"):
        load_course_file(path)


def test_a_difficulty_outside_the_authoring_range_is_caught(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["questions"][0]["difficulty"] = 5
    path = tmp_path / "hard.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError, match=r"difficulty 5\.0 is outside"):
        load_course_file(path)


def test_invalid_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("course_id: [unclosed\n")
    with pytest.raises(CourseFileError, match="not valid YAML"):
        load_course_file(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CourseFileError, match="cannot read the file"):
        load_course_file(tmp_path / "nope.yaml")


def test_other_file_types_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "course.toml"
    path.write_text("")
    with pytest.raises(CourseFileError, match=r"unsupported file type '\.toml'"):
        load_course_file(path)


def test_feedback_and_solution_round_trip(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    q1 = data["chapters"][0]["questions"][0]
    q1["solution"] = "3/4 is already in its simplest form."
    q1["wrong_answers"] = [
        {"answer": {"_INPUT_1_": "4/3"}, "misconception": "upside down", "feedback": "Top first."}
    ]
    path = tmp_path / "taught.yaml"
    path.write_text(yaml.safe_dump(data))
    loaded = load_course_file(path)
    assert loaded == data
    question = Course.from_data(loaded).chapters[0].questions[0]
    assert (
        question.solution.startswith("3/4") and question.wrong_answers[0].feedback == "Top first."
    )


def test_a_wrong_answer_without_feedback_is_caught(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["questions"][0]["wrong_answers"] = [
        {"answer": {"_INPUT_1_": "4/3"}, "misconception": "upside down"}
    ]
    path = tmp_path / "silent.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        CourseFileError, match=r"question 'q1', wrong answer 1 \(4/3\) has no feedback"
    ):
        load_course_file(path)


def test_a_wrong_answer_no_student_could_type_is_caught(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["questions"][1]["wrong_answers"] = [
        {"answer": {"_INPUT_1_": "six"}, "misconception": "words", "feedback": "Use digits."}
    ]
    path = tmp_path / "unreadable.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(
        CourseFileError, match=r"question 'q2', wrong answer 1 \(six\) is not readable"
    ):
        load_course_file(path)


def test_problems_show_a_wrong_answer_by_its_field_labels(tmp_path: Path) -> None:
    data = yaml.safe_load(sample_course_path().read_text())
    question = next(
        q for c in data["chapters"] for q in c["questions"] if q["question_id"] == "frac-16"
    )
    assert [f["label"] for f in question["fields"]] == ["a", "b"]
    question["wrong_answers"].append({"answer": {"_INPUT_1_": "8", "_INPUT_2_": "15"}})
    question["wrong_answers"][-1]["misconception"] = "none: this is the key"
    path = tmp_path / "labels.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError) as caught:
        load_course_file(path)
    assert caught.value.problems == (
        "question 'frac-16', wrong answer 3 (a 8; b 15) is accepted as correct",
        "question 'frac-16', wrong answer 3 (a 8; b 15) has no feedback (what a student who"
        " gives it should look at again)",
    )


def test_empty_feedback_or_solution_is_refused(tmp_path: Path) -> None:
    data = tiny_course().to_data()
    data["chapters"][0]["questions"][0]["solution"] = " "
    path = tmp_path / "blank.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError, match="solution must be non-empty text"):
        load_course_file(path)


def sample_question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        q for c in data["chapters"] for q in c["questions"] if q["question_id"] == question_id
    )
    return found


def test_structural_problems_name_a_field_by_its_label(tmp_path: Path) -> None:
    data = yaml.safe_load(sample_course_path().read_text())
    question = sample_question(data, "frac-16")
    question["accepted"]["_INPUT_1_"] = ["abc"]
    del question["equivalence"]["_INPUT_2_"]
    question["wrong_answers"][0]["answer"] = {"_INPUT_1_": "11"}
    path = tmp_path / "fields.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError) as caught:
        load_course_file(path)
    assert caught.value.problems == (
        "question 'frac-16': equivalence: missing field 'b'",
        "question 'frac-16': accepted answer 'abc' for field 'a' is not a valid number",
        "question 'frac-16', wrong answer 1: answer: missing field 'b'",
    )
    assert "_INPUT_" not in str(caught.value)


def test_every_problem_is_found_at_once(tmp_path: Path) -> None:
    data = yaml.safe_load(sample_course_path().read_text())
    sample_question(data, "frac-16")["accepted"]["_INPUT_1_"] = ["abc"]  # structural
    del sample_question(data, "frac-01")["wrong_answers"][1]["feedback"]  # authoring
    sample_question(data, "frac-17")["difficulty"] = 9.0  # authoring
    data["chapters"][1]["title"] = ""  # structural, in another chapter
    path = tmp_path / "many.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError) as caught:
        load_course_file(path)
    problems = caught.value.problems
    assert len(problems) == 4, problems
    assert "question 'frac-16': accepted answer 'abc' for field 'a' is not a valid number" in (
        problems
    )
    assert any(
        p.startswith(f"chapter '{data['chapters'][1]['chapter_id']}': title") for p in problems
    )
    assert (
        "question 'frac-01', wrong answer 2 (2/6) has no feedback (what a student who gives it"
        " should look at again)"
    ) in problems
    assert "question 'frac-17': difficulty 9.0 is outside -2.0..2.0" in problems


def test_a_question_read_in_part_is_checked_as_far_as_it_reads(tmp_path: Path) -> None:
    data = yaml.safe_load(sample_course_path().read_text())
    question = sample_question(data, "frac-16")
    question["accepted"]["_INPUT_1_"] = ["abc"]  # a broken key judges no wrong answer
    question["wrong_answers"].append({"answer": {"_INPUT_1_": "8", "_INPUT_2_": "15"}})
    question["wrong_answers"][-1]["misconception"] = "none: this is the key"
    question["difficulty"] = 7.5
    path = tmp_path / "partly.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError) as caught:
        load_course_file(path)
    assert caught.value.problems == (
        "question 'frac-16': accepted answer 'abc' for field 'a' is not a valid number",
        "question 'frac-16': difficulty 7.5 is outside -2.0..2.0",
        "question 'frac-16', wrong answer 3 (a 8; b 15) has no feedback (what a student who"
        " gives it should look at again)",
    )


def test_a_wrong_answer_that_cannot_be_read_keeps_the_others_numbered(tmp_path: Path) -> None:
    data = yaml.safe_load(sample_course_path().read_text())
    question = sample_question(data, "frac-16")
    del question["wrong_answers"][0]["misconception"]
    del question["wrong_answers"][1]["feedback"]
    path = tmp_path / "dropped.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CourseFileError) as caught:
        load_course_file(path)
    assert caught.value.problems == (
        "question 'frac-16', wrong answer 1: misconception must be non-empty text, got None",
        "question 'frac-16', wrong answer 2 (a 8; b 11) has no feedback (what a student who"
        " gives it should look at again)",
    )
