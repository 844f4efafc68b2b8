"""The hard-questions list and its HTML report for content editors.

Reads the published snapshot through named queries (``item_answers``, ``question_content``),
ranks with ``quizflow.analysis.hard_questions`` (Rasch difficulty, facility, flags) and adds
what only the course knows: the misconception behind a common wrong answer, matched on the
normalised answer text (the course's listed answers are normalised by the same function as
students' answers, so ``.5`` in the course matches ``0.50`` typed by a student).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape

from quizflow.analysis import FLAG_ADVICE, hard_questions
from quizflow.analysis import flags as flag_names
from quizflow.queries import load_queries, query_frame
from quizflow.warehouse import open_published

# The JSON contract of `quizflow hard-questions` (issue 5): exactly these keys, in this order.
PUBLIC_KEYS = (
    "question_id",
    "text",
    "answers",
    "facility",
    "difficulty",
    "difficulty_se",
    "median_response_ms",
    "top_wrong_answers",
    "flags",
)
TEMPLATES = Path(__file__).with_name("templates")

# What each flag means, in words an editor uses; the thresholds come from the analysis module
# so the explanation cannot drift from the rule.
FLAG_MEANING: Mapping[str, str] = {
    flag_names.VERY_HARD: (
        f"fewer than {flag_names.VERY_HARD_FACILITY:.0%} of students get it right the first "
        f"time, or an average student would get it right less than "
        f"{1 / (1 + math.exp(flag_names.VERY_HARD_DIFFICULTY)):.0%} of the time"
    ),
    flag_names.VERY_EASY: (
        f"more than {flag_names.VERY_EASY_FACILITY:.0%} of students get it right the first time"
    ),
    flag_names.LOW_DISCRIMINATION: (
        "students who do well on other questions get this one wrong about as often as students "
        "who struggle"
    ),
    flag_names.SHARED_MISCONCEPTION: (
        f"one wrong answer makes up {flag_names.MISCONCEPTION_SHARE:.0%} or more of all wrong "
        f"answers, given by at least {flag_names.MISCONCEPTION_MIN_STUDENTS} different students"
    ),
    flag_names.ALL_WRONG: "no student got it right the first time",
    flag_names.ALL_CORRECT: "every student got it right the first time",
}


def load_hard_questions(
    con: duckdb.DuckDBPyConnection,
    *,
    limit: int = 20,
    min_answers: int = 10,
    course_id: str | None = None,
    chapter_id: str | None = None,
) -> list[dict[str, Any]]:
    """The hardest questions in the snapshot, hardest first, with everything the analysis
    gives plus, per top wrong answer, the course's ``misconception`` (None where unlisted)."""
    queries = load_queries()
    scope = {"course_id": course_id, "chapter_id": chapter_id}
    answers = query_frame(con, queries["item_answers"], scope)
    content = query_frame(con, queries["question_content"], scope)
    ranked = hard_questions(
        answers.select(
            "student_id", "question_id", "correct", "answer", "response_ms", "occurred_at"
        ),
        content.select("question_id", "text").unique("question_id", keep="first"),
        limit=limit,
        min_answers=min_answers,
    )
    listed = _listed_wrong_answers(content)
    places = _places(answers)
    for item in ranked:
        known = listed.get(item["question_id"], {})
        for wrong in item["top_wrong_answers"]:
            wrong["misconception"] = known.get(wrong["answer"])
        item["course_id"], item["chapter_id"] = places.get(item["question_id"], (None, None))
    return ranked


def public_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """One hard question as the CLI's JSON promises it (no extra keys)."""
    public = {key: item[key] for key in PUBLIC_KEYS}
    public["top_wrong_answers"] = [
        {"answer": w["answer"], "count": w["count"], "share": w["share"]}
        for w in item["top_wrong_answers"]
    ]
    return public


def shared_question_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Question ids used in more than one course: without --course their answers pool."""
    rows = con.execute(
        "select question_id from answers group by question_id"
        " having count(distinct course_id) > 1 order by question_id limit 5"
    ).fetchall()
    return [str(row[0]) for row in rows]


def write_hard_questions_report(
    snapshot_path: Path,
    out_path: Path,
    *,
    limit: int = 20,
    min_answers: int = 10,
    course_id: str | None = None,
    chapter_id: str | None = None,
    items: list[dict[str, Any]] | None = None,
) -> Path:
    """Render the report from the snapshot (opened read-only) to ``out_path``; return it.

    ``items`` (from ``load_hard_questions``) skips recomputing when the caller has them.
    """
    if items is None:
        with open_published(snapshot_path) as con:
            items = load_hard_questions(
                con,
                limit=limit,
                min_answers=min_answers,
                course_id=course_id,
                chapter_id=chapter_id,
            )
    html = render_hard_questions(
        items,
        scope={"course": course_id, "chapter": chapter_id},
        min_answers=min_answers,
        snapshot=snapshot_path,
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out_path)  # a browser refreshing the file never sees half a report
    return out_path


def render_hard_questions(
    items: list[dict[str, Any]],
    *,
    scope: Mapping[str, str | None],
    min_answers: int,
    snapshot: Path,
) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = _percent
    env.filters["seconds"] = _seconds
    env.filters["logits"] = _logits
    used_flags = sorted({f for item in items for f in item["flags"]})
    return env.get_template("hard_questions.html").render(
        items=items,
        scope={k: v for k, v in scope.items() if v},
        min_answers=min_answers,
        snapshot=str(snapshot),
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        flag_meaning=FLAG_MEANING,
        flag_advice=FLAG_ADVICE,
        used_flags=used_flags,
        average_chance=_average_chance,
    )


def _listed_wrong_answers(content: pl.DataFrame) -> dict[str, dict[str, str]]:
    listed: dict[str, dict[str, str]] = {}
    for row in content.select("question_id", "wrong_answers").iter_rows():
        question_id, wrong_answers = row
        for wrong in wrong_answers or []:
            if wrong["answer"] is not None and wrong["misconception"]:
                listed.setdefault(question_id, {}).setdefault(
                    wrong["answer"], wrong["misconception"]
                )
    return listed


def _places(answers: pl.DataFrame) -> dict[str, tuple[str, str]]:
    firsts = answers.unique("question_id", keep="first", maintain_order=True)
    return {
        q: (c, ch)
        for q, c, ch in firsts.select("question_id", "course_id", "chapter_id").iter_rows()
    }


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _seconds(ms: float | None) -> str:
    if ms is None:
        return "not recorded"
    return f"{ms / 1000:.1f} s" if ms < 60_000 else f"{ms / 60_000:.1f} min"


def _logits(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _average_chance(difficulty: float | None) -> str:
    """The chance that a student of average ability gets the question right (Rasch)."""
    if difficulty is None:
        return "unknown"
    chance = 1 / (1 + math.exp(difficulty))
    if chance < 0.01:
        return "under 1%"
    return "over 99%" if chance > 0.99 else f"{chance:.0%}"
