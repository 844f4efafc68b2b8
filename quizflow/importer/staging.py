"""The staging area of an import: the validated rows on disk, sorted and counted there.

A stream's events must be in time order, and a student's rows are spread over the whole file,
so the rows have to be sorted before anything is appended. Sorting in memory is what made a
200 MB export take 2.5 GB; here the rows go into a DuckDB file of their own as they are read,
DuckDB sorts them within a fixed memory limit (spilling to its temporary directory), and the
import reads them back in batches, stream after stream.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from quizflow.importer.csvlog import LogRow
from quizflow.importer.events import Row

# DuckDB's share of the importer's memory; it spills beyond it.
MEMORY_LIMIT = "128MB"
_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("student_id", pa.string()),
        ("question_id", pa.string()),
        ("correct", pa.bool_()),
        ("answer", pa.string()),
        ("occurred_us", pa.int64()),
        ("response_ms", pa.int64()),
    ]
)


class Staging:
    """Validated rows of one import in ``directory`` (deleted with it by the caller)."""

    def __init__(self, directory: Path, *, synthetic_clock: bool) -> None:
        self._synthetic = synthetic_clock
        self._con = duckdb.connect(str(directory / "rows.duckdb"))
        self._con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        self._con.execute("set threads = 2")
        self._con.execute("set preserve_insertion_order = false")
        self._con.execute(f"set temp_directory = '{directory / 'spill'}'")
        self._con.execute(
            "create table rows (line bigint, student_id varchar, question_id varchar,"
            " correct boolean, answer varchar, occurred_us bigint, response_ms bigint)"
        )

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()

    def add(self, rows: list[LogRow]) -> None:
        columns = zip(*rows, strict=True)  # rows are tuples of the schema's width
        batch = pa.Table.from_arrays(
            [
                pa.array(column, type=field.type)
                for column, field in zip(columns, _SCHEMA, strict=True)
            ],
            schema=_SCHEMA,
        )
        self._con.register("batch", batch)
        try:
            self._con.execute("insert into rows select * from batch")
        finally:
            self._con.unregister("batch")

    def counts(self) -> tuple[int, int, int]:
        """(rows, students, questions)."""
        row = self._con.execute(
            "select count(*), count(distinct student_id), count(distinct question_id) from rows"
        ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2])

    def seen(self, most: int) -> dict[str, list[str]]:
        """Every question in file order (of its first row), with up to ``most`` of the texts
        given as correct answers to it, most frequent first."""
        order = self._con.execute(
            "select question_id from rows group by question_id order by min(line)"
        ).fetchall()
        correct = self._con.execute(
            """
            with given as (
                select question_id, trim(answer, ' \t\r\n') as answer, count(*) as n
                  from rows where correct and trim(answer, ' \t\r\n') <> ''
                 group by 1, 2
            ),
            kept as (
                select * from given
                qualify row_number() over (partition by question_id
                                           order by n desc, answer) <= ?
            )
            select question_id, list(answer order by n desc, answer)
              from kept
             group by question_id
            """,
            [most],
        ).fetchall()
        answers: dict[str, list[str]] = dict(correct)
        return {q: answers.get(q, []) for (q,) in order}

    def streams(
        self, chapters: Mapping[str, str], default_chapter: str, batch_rows: int = 20_000
    ) -> Iterator[tuple[str, str, Row]]:
        """(student, chapter, row) for every row, stream after stream, each stream's rows in
        time order (then file order), with each row's count of identical rows before it."""
        mapping = pa.table(
            {"question_id": list(chapters), "chapter_id": list(chapters.values())},
            schema=pa.schema([("question_id", pa.string()), ("chapter_id", pa.string())]),
        )
        # A row's identity: see quizflow/importer/events.py (without a time column, the time
        # is only the row's place in the file, so it is not part of it).
        identity = "student_id, question_id, answer" + ("" if self._synthetic else ", occurred_us")
        self._con.register("chapters", mapping)
        try:
            reader = self._con.sql(
                f"""
                select r.student_id, coalesce(c.chapter_id, ?) as chapter_id, r.line,
                       r.question_id, r.correct, r.answer, r.occurred_us, r.response_ms,
                       row_number() over (partition by {identity} order by r.line) - 1
                from rows as r left join chapters as c using (question_id)
                order by r.student_id, chapter_id, r.occurred_us, r.line
                """,
                params=[default_chapter],
            ).to_arrow_reader(batch_rows)
            for batch in reader:
                columns: list[list[Any]] = [column.to_pylist() for column in batch.columns]
                for student, chapter, *rest in zip(*columns, strict=True):
                    yield student, chapter, Row(*rest)
        finally:
            self._con.unregister("chapters")
