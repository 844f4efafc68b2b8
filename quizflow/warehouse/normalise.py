"""``qf_normalise_answer(inputs_json)``: the quiz domain's ``normalise`` as a DuckDB function.

The warehouse's ``answers.answer`` must group answers exactly as the quiz does (``.5``,
``0,50`` and ``5e-1`` are one answer), so it calls the same Python function instead of
re-implementing its rules in SQL. Python per row would be slow at millions of answers, but
students type few distinct inputs: the answers projection normalises each distinct inputs
text once, and a cache catches repeats across calls.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import pyarrow as pa
from duckdb.func import FunctionNullHandling, PythonUDFType

from quizflow.quiz.answers import normalise
from quizflow.warehouse.display import register as register_display
from quizflow.warehouse.duck import first_row
from quizflow.warehouse.inputs import input_values

FUNCTION = "qf_normalise_answer"


@lru_cache(maxsize=200_000)
def normalise_inputs_json(text: str | None) -> str | None:
    """The comparable text of an answer's ``inputs`` given as JSON text (None: no inputs)."""
    values = input_values(text)
    return None if values is None else normalise(None, values)


def _batch(texts: pa.Array) -> pa.Array:
    return pa.array([normalise_inputs_json(t) for t in texts.to_pylist()], type=pa.string())


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make ``qf_normalise_answer`` (and ``qf_display_answer``) callable on this connection
    (once per connection)."""
    register_display(con)
    exists = first_row(
        con, "select count(*) from duckdb_functions() where function_name = ?", [FUNCTION]
    )
    if exists and exists[0]:
        return
    con.create_function(
        FUNCTION,
        _batch,
        ["varchar"],
        "varchar",
        type=PythonUDFType.ARROW,
        null_handling=FunctionNullHandling.SPECIAL,
    )
