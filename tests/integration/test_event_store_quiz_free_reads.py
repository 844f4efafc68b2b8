"""The PostgreSQL store reads what the live read model needs at start without walking the quiz
events: the catch-up read and a student's streams are index lookups, whatever the log's size."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from quizflow.eventstore.bulk import copy_rows, synthetic_quiz_rows
from quizflow.eventstore.postgres import past_prefix
from quizflow.eventstore.sqlfiles import query


def _plan(pg_url: str, name: str, params: dict[str, Any], *, small: bool = False) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        if small:
            # A table of a few rows is cheaper to scan whole; the plan for a large one is
            # wanted.
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
        small=True,
    )
    assert "events_but_quiz_events_idx" in plan, plan


def _index_conditions(node: dict[str, Any]) -> list[str]:
    found = [node[key] for key in ("Index Cond",) if key in node]
    for child in node.get("Plans", []):
        found.extend(_index_conditions(child))
    return found


def test_a_students_streams_are_read_through_the_stream_index(pg_url: str) -> None:
    # A log large enough that the planner's choices are the ones a real log gets.
    copy_rows(pg_url, synthetic_quiz_rows(30_000))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("analyze quizflow.events")
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
    conditions = _index_conditions(json.loads(plan)[0]["Plan"])
    # Each prefix a range of the index (planned as one filter over every row, it took seconds
    # at 5M events), and the named streams probes of it.
    assert any("stream_id >= p.prefix" in c for c in conditions), plan
    assert any("stream_id = ANY" in c for c in conditions), plan
