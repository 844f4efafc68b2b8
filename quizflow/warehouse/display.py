"""``qf_display_answer(inputs_json, fields_json)``: the quiz's ``display_answer`` in DuckDB.

The published ``answers.answer_display`` is computed by the same Python function the web app,
the reports and the CLI use, so an answer reads the same wherever a person meets it. It shows
the normalised values (so one ``answer`` has one display per question), named by the labels
of the question as published when the answer was given. Computed once per distinct pair and
materialised, so SQL readers without this function (the DuckDB CLI) read the column too.
"""

from __future__ import annotations

import json
from functools import lru_cache

import duckdb
import pyarrow as pa
from duckdb.func import FunctionNullHandling, PythonUDFType

from quizflow.quiz.answers import normalised_values
from quizflow.quiz.course import Field
from quizflow.quiz.display import display_answer
from quizflow.warehouse.duck import first_row
from quizflow.warehouse.inputs import input_values

FUNCTION = "qf_display_answer"


@lru_cache(maxsize=200_000)
def display_inputs_json(inputs_text: str | None, fields_text: str | None) -> str | None:
    """The display of an answer's ``inputs`` (JSON text) with the question's ``fields`` (JSON
    text, ``[{name, label}]``; None when the question is unknown)."""
    values = input_values(inputs_text)
    if values is None:
        return None
    return display_answer(normalised_values(None, values), _fields(fields_text))


def _fields(fields_text: str | None) -> list[Field] | None:
    try:
        items = json.loads(fields_text) if fields_text is not None else None
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    fields = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            label = item.get("label")
            fields.append(Field(item["name"], label if isinstance(label, str) else ""))
    return fields or None


def _batch(inputs: pa.Array, fields: pa.Array) -> pa.Array:
    return pa.array(
        [
            display_inputs_json(i, f)
            for i, f in zip(inputs.to_pylist(), fields.to_pylist(), strict=True)
        ],
        type=pa.string(),
    )


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``qf_display_answer`` callable on this connection (once per connection)."""
    exists = first_row(
        con, "select count(*) from duckdb_functions() where function_name = ?", [FUNCTION]
    )
    if exists and exists[0]:
        return
    con.create_function(
        FUNCTION,
        _batch,
        ["varchar", "varchar"],
        "varchar",
        type=PythonUDFType.ARROW,
        null_handling=FunctionNullHandling.SPECIAL,
    )
