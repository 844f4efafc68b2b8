"""DuckDB column types survive the lake: what Iceberg cannot hold goes as text and comes back."""

from __future__ import annotations

from pathlib import Path

import duckdb
from pyiceberg.catalog.memory import InMemoryCatalog

from quizflow.warehouse.lake.columns import (
    columns_of,
    decode,
    empty_select,
    encode,
    stored_select,
    typed_select,
)

ROWS = """
select uuid '6f1c1a6e-0000-4000-8000-000000000001' as event_id,
       '{"a": [1, 2]}'::json as inputs,
       [1, 2, 3] as numbers,
       {'x': 'y', 'n': 2} as pair,
       interval 90 minute as waited,
       170141183460469231731687303715884105727::hugeint as huge,
       2::smallint as small,
       timestamptz '2026-12-06 08:00:00+00' as at,
       date '2026-12-06' as day,
       12.50::decimal(9, 2) as price,
       'plain' as text,
       true as flag,
       null::varchar as nothing
"""


def test_every_column_comes_back_from_an_iceberg_table_with_its_duckdb_type_and_value(
    tmp_path: Path,
) -> None:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    columns = columns_of(con, ROWS)
    stored = con.sql(stored_select(ROWS, columns)).to_arrow_table()
    assert str(stored.schema.field("inputs").type) == "string"
    catalog = InMemoryCatalog("test", warehouse=f"file://{tmp_path}")
    catalog.create_namespace("ns")
    table = catalog.create_table("ns.rows", schema=stored.schema)
    table.append(stored)
    con.register("stored_rows", table.scan().to_arrow())
    back = con.sql(typed_select("stored_rows", decode(encode(columns))))
    assert [str(t) for t in back.types] == [kind for _, kind in columns]
    assert back.fetchall() == con.sql(ROWS).fetchall()


def test_an_empty_table_has_the_columns_and_types() -> None:
    con = duckdb.connect()
    columns = columns_of(con, ROWS)
    empty = con.sql(empty_select(columns))
    assert empty.columns == [name for name, _ in columns]
    assert [str(t) for t in empty.types] == [kind for _, kind in columns]
    assert empty.fetchall() == []
