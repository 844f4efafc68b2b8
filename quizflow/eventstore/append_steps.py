"""The PostgreSQL append, written once for the sync and the asyncio store (``quizflow.sansio``).

``append_steps`` yields the statements an append needs and decides from their rows, or their
errors, what the append did: each store only runs a ``Statement`` on one of its connections and
sends back its rows.

The fast path assumes a first attempt: one statement, no lookup. A retry of an append that was
stored already fails like a conflict (the version moved on, or the event ids exist); only then
are the ids looked up, and the stored events returned when they are the same ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import errors

from quizflow.eventstore.rows import PreparedAppend, refused_event, same_append
from quizflow.eventstore.sqlfiles import query
from quizflow.eventstore.types import (
    ConcurrencyError,
    ExpectedVersion,
    NewEvent,
    RecordedEvent,
    expected_as_int,
)
from quizflow.sansio import Steps

Rows = list[tuple[Any, ...]]

# Tries of an "any" append that keeps losing the race for the next version to other appends.
ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class Statement:
    """One autocommit statement for a store to run; it answers with every row (``fetchall``).
    ``binary``: rows in PostgreSQL's binary format, which psycopg decodes faster."""

    sql: str
    params: tuple[Any, ...] | dict[str, Any]
    binary: bool = False


@dataclass(frozen=True, slots=True)
class Appended:
    """An append's events; ``new`` when this call stored them (subscribers are to be woken),
    not when it found them stored by an earlier try."""

    events: list[RecordedEvent]
    new: bool


def append_steps(
    stream_id: str, expected_version: ExpectedVersion, events: Sequence[NewEvent]
) -> Steps[Statement, Appended]:
    """The append of ``events`` to a stream at ``expected_version``; raises ConcurrencyError,
    DuplicateEventError, InvalidEventError, ValueError, or the database's error."""
    if not events:
        expected_as_int(expected_version)  # bad input fails alike with or without events
        return Appended([], new=False)
    prepared = PreparedAppend(stream_id, expected_version, events)
    insert = Statement(prepared.sql, prepared.params, binary=True)
    for _ in range(ATTEMPTS):
        try:
            rows: Rows = yield insert
        except psycopg.Error as error:
            refused = refused_event(error)
            if refused is not None:
                raise refused from error
            stored = yield from stored_copy(stream_id, events)
            if stored is not None:
                return Appended(stored, new=False)
            if not racing_for_a_version(error, prepared.expected):
                raise
            if prepared.expected is not None:
                raise (yield from conflict(stream_id, expected_version)) from None
            # "any" lost a race for the next version, or a racing copy of this append had not
            # committed yet when its ids were looked up: try again.
            continue
        if rows:
            return Appended(prepared.recorded(rows), new=True)
        # No rows: the stream was not at the expected version, perhaps because of this very
        # append's earlier try.
        stored = yield from stored_copy(stream_id, events)
        if stored is not None:
            return Appended(stored, new=False)
        break
    raise (yield from conflict(stream_id, expected_version))


def racing_for_a_version(error: psycopg.Error, expected: int | None) -> bool:
    """Whether an append failed only because another append took its version (or its ids)
    first: a retry may succeed, or the caller learns of the conflict."""
    if not isinstance(error, errors.UniqueViolation):
        return False
    return expected is None or error.diag.constraint_name == "events_stream_version_key"


def stored_copy(
    stream_id: str, events: Sequence[NewEvent]
) -> Steps[Statement, list[RecordedEvent] | None]:
    """The stored events when this append is stored already; None when none of its ids is;
    DuplicateEventError when an id names another event."""
    ids = [str(e.event_id) for e in events]
    rows: Rows = yield Statement(query("stored_events"), {"event_ids": ids})
    return same_append(stream_id, events, rows)


def stream_version_steps(stream_id: str) -> Steps[Statement, int]:
    """A stream's version; 0 when it does not exist."""
    rows: Rows = yield Statement(query("stream_version"), {"stream_id": stream_id})
    return int(rows[0][0]) if rows else 0


def conflict(stream_id: str, expected_version: ExpectedVersion) -> Steps[Statement, Exception]:
    """The error of an append that found its stream at another version, naming that version."""
    actual = yield from stream_version_steps(stream_id)
    return ConcurrencyError(stream_id, expected_version, actual)
