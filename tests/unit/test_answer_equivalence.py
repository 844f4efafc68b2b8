"""Answer checking: when typed inputs count as an accepted answer."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizflow.quiz import Course, Question, check
from quizflow.quiz.equivalence import Equivalence


def question(accepted: str, kind: Equivalence, *more: tuple[str, str, Equivalence]) -> Question:
    fields = [("_INPUT_1_", accepted, kind), *more]
    course = Course.from_data(
        {
            "course_id": "c",
            "title": "C",
            "version": 1,
            "chapters": [
                {
                    "chapter_id": "ch",
                    "title": "Ch",
                    "questions": [
                        {
                            "question_id": "q",
                            "text": "?",
                            "fields": [{"name": name} for name, _, _ in fields],
                            "accepted": {name: [value] for name, value, _ in fields},
                            "equivalence": {name: k for name, _, k in fields},
                        }
                    ],
                }
            ],
        }
    )
    return course.chapters[0].questions[0]


def accepts(q: Question, typed: str) -> bool:
    return check(q, {"_INPUT_1_": typed})


@pytest.mark.parametrize("typed", ["0.5", ".5", "0,5", "0.50", "5e-1", "+0.5", " 0.5 ", "0.500"])
def test_a_number_is_accepted_however_it_is_written(typed: str) -> None:
    assert accepts(question("0.5", "number"), typed)


@pytest.mark.parametrize("typed", ["1/2", "0.51", "5", "half", "", "nan", "0.5.0", "0,5,0"])
def test_a_number_field_does_not_accept_other_values_or_fractions(typed: str) -> None:
    assert not accepts(question("0.5", "number"), typed)


def test_scientific_notation_is_a_number() -> None:
    assert accepts(question("0.1", "number"), "1e-1")
    assert accepts(question("1000", "number"), "1E3")


def test_a_unicode_minus_sign_is_a_minus_sign() -> None:
    assert accepts(question("-5", "number"), "−5")
    assert accepts(question("-5", "number"), "- 5")
    assert not accepts(question("-5", "number"), "5")


def test_units_students_type_anyway_are_ignored() -> None:
    assert accepts(question("60", "number"), "60%")
    assert accepts(question("60.5", "number"), "€ 60,50")
    assert accepts(question("12500", "number"), "12 500")


def test_infinity_and_huge_exponents_are_not_numbers() -> None:
    assert not accepts(question("1", "number"), "inf")
    assert not accepts(question("1", "number"), "1e999999999")


@pytest.mark.parametrize("typed", ["1/2", "2/4", "0.5", "0,5", "50/100", " 1 / 2 "])
def test_a_fraction_is_accepted_in_any_equal_form(typed: str) -> None:
    assert accepts(question("1/2", "fraction"), typed)


def test_a_mixed_number_equals_its_improper_fraction() -> None:
    assert accepts(question("3/2", "fraction"), "1 1/2")
    assert accepts(question("-3/2", "fraction"), "-1 1/2")
    assert accepts(question("-3/2", "fraction"), "-1.5")


@pytest.mark.parametrize("typed", ["1/3", "0.33", "1/0", "2/5", "one half"])
def test_a_fraction_field_does_not_accept_other_values(typed: str) -> None:
    assert not accepts(question("1/2", "fraction"), typed)


@pytest.mark.parametrize("typed", ["Paris", " paris ", "PARIS", "3 / 4"])
def test_text_ignores_case_and_spacing(typed: str) -> None:
    q = question("paris", "text") if "/" not in typed else question("3/4", "text")
    assert accepts(q, typed)


def test_text_does_not_treat_equal_values_as_equal_answers() -> None:
    # Text is the equivalence for "simplest form" questions: 6/8 is not an answer there.
    assert not accepts(question("3/4", "text"), "6/8")
    assert not accepts(question("3/4", "text"), "0.75")


def test_every_field_must_be_right() -> None:
    q = question("7", "number", ("_INPUT_2_", "3", "number"))
    assert check(q, {"_INPUT_1_": "7", "_INPUT_2_": "3.0"})
    assert not check(q, {"_INPUT_1_": "7", "_INPUT_2_": "4"})
    assert not check(q, {"_INPUT_1_": "3", "_INPUT_2_": "7"})


def test_missing_or_extra_fields_are_never_right() -> None:
    q = question("7", "number")
    assert not check(q, {})
    assert not check(q, {"_INPUT_1_": "7", "_INPUT_2_": "7"})


def _decimals() -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=4, allow_nan=False
    )


@given(_decimals())
def test_any_decimal_is_accepted_in_its_common_spellings(value: Decimal) -> None:
    q = question(str(value), "number")
    plain = format(value, "f")
    spellings = [plain, plain.replace(".", ","), plain + "0" if "." in plain else plain + ".0"]
    spellings.append(f"{value:e}")
    if plain.startswith("0."):
        spellings.append(plain[1:])
    for spelling in spellings:
        assert accepts(q, spelling), spelling


@given(st.fractions(min_value=-100, max_value=100, max_denominator=50), st.integers(1, 9))
def test_any_fraction_is_accepted_unsimplified(value: Fraction, factor: int) -> None:
    q = question(str(value), "fraction")
    assert accepts(q, f"{value.numerator * factor}/{value.denominator * factor}")


@given(_decimals(), _decimals())
def test_two_numbers_are_equivalent_exactly_when_they_are_equal(a: Decimal, b: Decimal) -> None:
    assert accepts(question(str(a), "number"), str(b)) == (a == b)
