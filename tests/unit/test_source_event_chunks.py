"""The source's event stream as both ingests cut it: chunks of at least ``chunk_rows`` rows, in
order, each knowing the cursor of its last event; a broken stream is the source's fault."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from quizflow.eventstore.types import Cursor
from quizflow.warehouse.source_events import SourceUnavailableError, event_chunks

SCHEMA = pa.schema([("tx", pa.int64()), ("position", pa.int64())])


def _batch(*rows: tuple[int, int]) -> pa.RecordBatch:
    return pa.record_batch(
        [pa.array([r[0] for r in rows], pa.int64()), pa.array([r[1] for r in rows], pa.int64())],
        schema=SCHEMA,
    )


def _reader(batches: list[pa.RecordBatch]) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(SCHEMA, iter(batches))


def test_chunks_cover_the_stream_in_order_and_end_at_their_last_event() -> None:
    batches = [
        _batch((10, 1), (10, 2)),
        _batch(),  # the driver may hand over an empty batch: it moves no cursor
        _batch((11, 3)),
        _batch((12, 4), (12, 5)),
        _batch((13, 6)),
    ]
    seen: list[tuple[list[tuple[int, int]], Cursor | None]] = []
    for chunk in event_chunks(_reader(batches), chunk_rows=3):
        rows = [
            (tx, position)
            for batch in chunk
            for tx, position in zip(
                batch.column("tx").to_pylist(), batch.column("position").to_pylist(), strict=True
            )
        ]
        seen.append((rows, chunk.end))
    assert seen == [
        ([(10, 1), (10, 2), (11, 3)], Cursor(11, 3)),
        ([(12, 4), (12, 5), (13, 6)], Cursor(13, 6)),
    ]


def test_a_chunk_of_empty_batches_has_no_end() -> None:
    ends = []
    for chunk in event_chunks(_reader([_batch()]), chunk_rows=10):
        assert [b.num_rows for b in chunk] == [0]
        ends.append(chunk.end)
    assert ends == [None]


def test_an_empty_stream_has_no_chunks() -> None:
    assert list(event_chunks(_reader([]), chunk_rows=10)) == []


def test_asking_for_the_next_chunk_before_reading_one_is_refused() -> None:
    chunks = event_chunks(_reader([_batch((1, 1)), _batch((1, 2))]), chunk_rows=1)
    next(chunks)
    with pytest.raises(RuntimeError, match="left unread"):
        next(chunks)


def test_a_stream_that_breaks_is_reported_as_the_source_unavailable() -> None:
    def breaking() -> Iterator[pa.RecordBatch]:
        yield _batch((1, 1))
        raise OSError("connection reset by peer")

    reader = pa.RecordBatchReader.from_batches(SCHEMA, breaking())
    read: list[int] = []
    with pytest.raises(SourceUnavailableError, match="connection reset by peer"):
        for chunk in event_chunks(reader, chunk_rows=1):
            read.extend(batch.num_rows for batch in chunk)
    assert read == [1]
