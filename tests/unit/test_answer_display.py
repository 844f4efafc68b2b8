"""One way to show an answer: labels, not field names, in the question's field order."""

from __future__ import annotations

from quizflow.quiz import Field
from quizflow.quiz.answers import normalise
from quizflow.quiz.display import display_answer, display_normalised, split_normalised
from quizflow.quiz.testing import tiny_course

FIELDS = (Field("_INPUT_1_", "answer"), Field("_INPUT_2_", "second"))


def test_a_one_field_answer_is_its_value_alone() -> None:
    assert display_answer({"_INPUT_1_": "3/4"}, [Field("_INPUT_1_", "answer")]) == "3/4"


def test_a_two_field_answer_names_each_value_by_its_label() -> None:
    assert display_answer({"_INPUT_1_": "8", "_INPUT_2_": "11"}, FIELDS) == "answer 8; second 11"


def test_the_fields_are_shown_in_the_questions_order_not_the_inputs_order() -> None:
    inputs = {"_INPUT_2_": "11", "_INPUT_1_": "8"}
    assert display_answer(inputs, FIELDS) == "answer 8; second 11"


def test_a_field_without_a_label_is_called_by_its_place() -> None:
    fields = (Field("_INPUT_1_", "x ="), Field("_INPUT_2_", ""))
    assert display_answer({"_INPUT_1_": "7", "_INPUT_2_": "3"}, fields) == "x = 7; field 2 3"


def test_without_the_question_no_internal_name_is_hidden_but_the_order_is_stable() -> None:
    shown = display_answer({"b": "2", "a": "1"})
    assert shown == "field 1 1; field 2 2"


def test_a_normalised_answer_is_shown_with_labels() -> None:
    question = tiny_course().chapters[0].question("q4")
    assert question is not None
    answer = normalise(question, {"_INPUT_1_": " 7.0 ", "_INPUT_2_": "3"})
    assert answer == "_INPUT_1_=7; _INPUT_2_=3"
    assert display_normalised(answer, question.fields) == "_INPUT_1_ 7; _INPUT_2_ 3"
    assert display_normalised(answer, FIELDS) == "answer 7; second 3"


def test_a_text_value_holding_the_separator_is_split_only_at_known_field_names() -> None:
    values = split_normalised("_INPUT_1_=x=2; y=3; _INPUT_2_=z", ["_INPUT_1_", "_INPUT_2_"])
    assert values == {"_INPUT_1_": "x=2; y=3", "_INPUT_2_": "z"}


def test_a_normalised_answer_that_is_not_of_these_fields_is_shown_as_it_is() -> None:
    assert display_normalised("something else", FIELDS) == "something else"
