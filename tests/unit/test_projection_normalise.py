"""The warehouse's answer normalisation: the quiz domain's rules, callable from DuckDB SQL."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest

from quizflow.quiz.answers import normalise
from quizflow.warehouse.normalise import register

CASES: list[tuple[Any, str | None]] = [
    ({"_INPUT_1_": " 0.50 "}, "0.5"),
    ({"_INPUT_1_": ".5"}, "0.5"),
    ({"_INPUT_1_": "0,5"}, "0.5"),
    ({"_INPUT_1_": "007"}, "7"),
    ({"_INPUT_1_": "3/4"}, "3/4"),
    ({"_INPUT_1_": "  Paris\t"}, "paris"),
    ({"_INPUT_1_": "x  =   2"}, "x=2"),
    ({"b": " Two   Words ", "a": ".50"}, "a=0.5; b=two words"),
    ({"_INPUT_1_": 3}, "3"),
    ({"_INPUT_1_": None}, ""),
    ([1, 2], None),
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    register(con)
    register(con)  # twice is harmless: every projection run registers it
    return con


@pytest.mark.parametrize(("inputs", "expected"), CASES)
def test_inputs_normalise_to_one_comparable_text_in_sql(
    con: duckdb.DuckDBPyConnection, inputs: Any, expected: str | None
) -> None:
    row = con.execute("select qf_normalise_answer(?)", [json.dumps(inputs)]).fetchone()
    assert row == (expected,)


def test_text_inputs_normalise_exactly_as_the_quiz_domain_does(
    con: duckdb.DuckDBPyConnection,
) -> None:
    for inputs, _ in CASES:
        if isinstance(inputs, dict) and all(isinstance(v, str) for v in inputs.values()):
            row = con.execute("select qf_normalise_answer(?)", [json.dumps(inputs)]).fetchone()
            assert row == (normalise(None, inputs),)


def test_a_null_inputs_text_gives_a_null_answer(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("select qf_normalise_answer(null)").fetchone() == (None,)
