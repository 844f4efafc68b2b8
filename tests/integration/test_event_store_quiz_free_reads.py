"""The PostgreSQL store reads what the live read model needs at start without walking the quiz
events: the catch-up read and a student's streams are index lookups, whatever the log's size."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from quizflow.eventstore.postgres import past_prefix
from quizflow.eventstore.sqlfiles import query


def _plan(pg_url: str, name: str, params: dict[str, Any]) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        # Tables of a few rows are cheaper to scan whole; the plan for a large one is wanted.
        conn.execute("set enable_seqscan = off")
        [[plan]] = conn.execute(
            ("explain (format json) " + query(name)).encode(), params
        ).fetchall()
    return json.dumps(plan)


def test_the_catch_up_at_start_reads_through_the_index_of_events_but_the_quizzes(
    pg_url: str,
) -> None:
    plan = _plan(
        pg_url,
        "read_all_but_quiz_events",
        {"tx": 0, "position": 0, "upto_tx": 10**9, "upto_position": 10**9, "limit": 1000},
    )
    assert "events_but_quiz_events_idx" in plan, plan


def test_a_students_streams_are_read_through_the_stream_index(pg_url: str) -> None:
    prefixes = ["chapter-quiz/s1/", "chapter-quiz-s1-"]
    plan = _plan(
        pg_url,
        "read_streams",
        {
            "stream_ids": ["chapter-quiz/s1/c/ch"],
            "prefixes": prefixes,
            "pasts": [past_prefix(p) for p in prefixes],
        },
    )
    assert "events_stream_version_key" in plan and "Seq Scan" not in plan, plan
