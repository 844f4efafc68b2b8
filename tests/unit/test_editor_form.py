"""The question edit form: a published question's data to form rows and back, blank rows,
fields added, renamed and removed, and what the form itself names as a problem."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from quizflow.app.web.editor import student_preview
from quizflow.app.web.editor_form import QuestionForm, from_form, from_question
from quizflow.content import load_course_file, sample_course_path

SAMPLE = load_course_file(sample_course_path())
QUESTIONS = [q for chapter in SAMPLE["chapters"] for q in chapter["questions"]]


def posted(form: QuestionForm, **changes: str) -> FormData:
    """What a browser posts for ``form`` as rendered (spare rows included), with changes."""
    shown = form.with_spare_rows()
    items: dict[str, str] = {"text": shown.text, "solution": shown.solution}
    for i, f in enumerate(shown.fields):
        items |= {
            f"field.{i}.name": f.name,
            f"field.{i}.label": f.label,
            f"field.{i}.equivalence": f.equivalence,
            f"field.{i}.accepted": f.accepted,
        }
    for j, w in enumerate(shown.wrong_answers):
        items |= {f"wrong.{j}.answer.{i}": a for i, a in enumerate(w.answers)}
        items |= {f"wrong.{j}.misconception": w.misconception, f"wrong.{j}.feedback": w.feedback}
    return FormData(list({**items, **changes}.items()))


def round_trip(question: dict[str, Any], **changes: str) -> QuestionForm:
    form = from_question(question)
    return from_form(question["question_id"], posted(form, **changes), question.get("difficulty"))


def test_every_sample_question_survives_the_form_unchanged() -> None:
    for question in QUESTIONS:
        again = round_trip(question)
        assert again.problems == []
        assert again.to_data() == {k: v for k, v in question.items() if k != "version"}


def test_filling_the_spare_rows_adds_a_field_and_a_wrong_answer() -> None:
    question = QUESTIONS[0]
    data = round_trip(
        question,
        **{
            "field.1.label": "denominator",
            "field.1.accepted": "6\n 12 \n",
            "wrong.3.answer.0": "3/5",
            "wrong.3.answer.1": "5",
            "wrong.3.misconception": "adds the tops and the bottoms",
            "wrong.3.feedback": "Make the bottoms equal first.",
        },
    ).to_data()
    assert [f["name"] for f in data["fields"]] == ["_INPUT_1_", "_INPUT_2_"]
    assert data["accepted"]["_INPUT_2_"] == ["6", "12"]
    assert data["wrong_answers"][-1]["answer"] == {"_INPUT_1_": "3/5", "_INPUT_2_": "5"}


def test_renaming_a_field_keeps_its_wrong_answers_and_emptying_a_row_removes_it() -> None:
    question = QUESTIONS[0]
    data = round_trip(
        question,
        **{"field.0.name": "sum", "wrong.0.answer.0": "", "wrong.0.misconception": ""},
        **{"wrong.0.feedback": ""},
    ).to_data()
    assert list(data["accepted"]) == ["sum"]
    assert len(data["wrong_answers"]) == len(question["wrong_answers"]) - 1
    assert all(set(w["answer"]) == {"sum"} for w in data["wrong_answers"])


def test_a_wrong_answer_missing_a_field_and_an_unknown_comparison_are_named() -> None:
    question = QUESTIONS[0]
    form = round_trip(
        question,
        **{"field.0.equivalence": "roughly", "wrong.0.answer.0": ""},
    )
    assert any("compare as one of" in p and "'roughly'" in p for p in form.problems)
    assert "wrong answer 1: no answer for input field 1" in form.problems


def test_the_preview_shows_labels_and_each_wrong_answers_feedback() -> None:
    two_fields = next(q for q in QUESTIONS if len(q["fields"]) == 2)
    preview = student_preview(from_question(two_fields))
    assert [f["label"] for f in preview["fields"]] == [f["label"] for f in two_fields["fields"]]
    first = preview["wrong_answers"][0]
    assert "_INPUT_" not in first["answer"]
    assert first["feedback"] == two_fields["wrong_answers"][0]["feedback"]
