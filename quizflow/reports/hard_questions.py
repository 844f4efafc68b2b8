"""The hard-questions list and its HTML report for content editors.

Reads the published snapshot through named queries (``item_answers``, ``question_content``),
ranks with ``quizflow.analysis.hard_questions`` (Rasch difficulty, facility, flags) and adds
what only the course knows: the misconception behind a common wrong answer, matched on the
normalised answer text (the course's listed answers are normalised by the same function as
students' answers, so ``.5`` in the course matches ``0.50`` typed by a student).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import polars as pl
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import Field as SettingField

from quizflow.analysis import FLAG_ADVICE
from quizflow.analysis import flags as flag_names
from quizflow.analysis.versions import hard_questions_by_version
from quizflow.env_settings import EnvironmentSettings, read_environment
from quizflow.queries import load_queries, query_frame
from quizflow.quiz import Field, Question
from quizflow.quiz.display import display_normalised, field_label, split_normalised
from quizflow.reports.question_versions import listed_by_answer, question_versions
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
# Added after the contract's keys: what Moodle's statistics report shows, and the evidence
# behind the flags.
STATISTICS_KEYS = (
    "question_version",
    "versions",
    "edit",
    "students",
    "discrimination",
    "discriminative_efficiency",
    "key_z",
    "answer_key",
    "answer_analysis",
    "field_analysis",
    "field_labels",  # what people call the fields that answer_key and field_analysis name
)
TEMPLATES = Path(__file__).with_name("templates")

# What each flag means, in words an editor uses; the levels and minimums come from the
# analysis module so the explanation cannot drift from the rule.
_NEEDS = f"Raised only with at least {flag_names.MIN_ANSWERS} answers to the question"
FLAG_MEANING: Mapping[str, str] = {
    flag_names.WRONG_KEY: (
        "students who give one of the 'wrong' answers are clearly stronger on the other "
        "questions than those who give the keyed answer and than the students as a whole "
        f"(each significant at {flag_names.WRONG_KEY_ALPHA:.0%}, that answer given at least "
        f"{flag_names.MIN_CHOOSERS} times) and getting the question right goes with strength "
        "less than it should; or hardly anyone gives the keyed answer (under "
        f"{flag_names.HARDLY_KEYED:.0%}) while strong students agree on another. {_NEEDS}"
    ),
    flag_names.AMBIGUOUS: (
        "students who do well elsewhere get this question wrong about as often as students who "
        "struggle: far less difference than the difficulty model expects, and no single wrong "
        "answer explains it. Decided for the whole course at once (false discovery rate "
        f"{flag_names.AMBIGUOUS_FDR:.0%}), so that many questions do not make false alarms by "
        f"their number alone. {_NEEDS}"
    ),
    flag_names.STRONG_DISTRACTOR: (
        "one wrong answer is given by stronger students than a wrong answer should be "
        f"(significant at {flag_names.DISTRACTOR_ALPHA:.2%}, given at least "
        f"{flag_names.MIN_TRAP_CHOOSERS} times) and than those of the other wrong answers (at "
        f"{flag_names.STANDS_OUT_ALPHA:.0%}), and without them the question works as it should."
        f" {_NEEDS}"
    ),
    flag_names.VERY_HARD: (
        f"fewer than {flag_names.VERY_HARD_FACILITY:.0%} of students get it right the first "
        "time (the whole 95% interval of that share lies below), or an average student would "
        f"surely get it right less than {1 / (1 + math.exp(flag_names.VERY_HARD_DIFFICULTY)):.0%}"
        " of the time"
    ),
    flag_names.VERY_EASY: (
        f"more than {flag_names.VERY_EASY_FACILITY:.0%} of students get it right the first time"
        " (the whole 95% interval of that share lies above)"
    ),
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
    gives plus, per top wrong answer, the course's ``misconception`` (None where unlisted):
    for each version of an edited question, the one that version listed."""
    queries = load_queries()
    scope = {"course_id": course_id, "chapter_id": chapter_id}
    answers = query_frame(con, queries["item_answers"], scope)
    content = query_frame(con, queries["question_content"], scope)
    columns = ["student_id", "question_id", "correct", "answer", "response_ms", "occurred_at"]
    if "question_version" in answers.columns:
        columns.append("question_version")  # an edited question is judged per version
    ranked = hard_questions_by_version(
        answers.select(columns),
        content.select("question_id", "text").unique("question_id", keep="first"),
        limit=limit,
        min_answers=min_answers,
    )
    listed = _listed_wrong_answers(content)
    places = _places(answers)
    keys = _answer_keys(content)
    fields = _fields(content)
    published = question_versions(con, course_id)
    for item in ranked:
        known = listed.get(item["question_id"], {})
        shown = fields.get(item["question_id"])
        place = (str(places.get(item["question_id"], (None, None))[0]), item["question_id"])
        latest = item.get("question_version")
        as_latest = published.get((*place, latest)) if latest is not None else None
        for rows in (item["top_wrong_answers"], item["answer_analysis"]):
            _describe(rows, as_latest, known, shown)
        for version in item.get("versions", []):
            # Without the version's publication (a snapshot without raw events), only the
            # latest version may borrow the course's current misconceptions.
            number = version["question_version"]
            fallback = known if number == latest else {}
            as_then = published.get((*place, number))
            _describe(version["top_wrong_answers"], as_then, fallback, shown)
        item["field_labels"] = {
            f.name: field_label(f, place) for place, f in enumerate(shown or (), start=1)
        }
        item["course_id"], item["chapter_id"] = places.get(item["question_id"], (None, None))
        item["answer_key"] = keys.get(item["question_id"], {})
        item["field_analysis"] = field_analysis(item["answer_analysis"], item["answer_key"])
    return ranked


def field_analysis(
    options: list[dict[str, Any]], key: Mapping[str, list[str]]
) -> dict[str, list[dict[str, Any]]]:
    """For a question of several fields: per field, each value given, how often, and how
    strong its students were (mean ability, weighted over the whole answers that hold it).
    A value is keyed when some answer graded right holds it. Empty for one-field questions."""
    names = sorted(key)
    if len(names) < 2:
        return {}
    per_field: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in names}
    for option in options:
        if option["answer"] is None:
            continue
        for name, value in split_normalised(option["answer"], names).items():
            if name not in per_field:
                continue
            slot = per_field[name].setdefault(
                value, {"value": value, "count": 0, "keyed": False, "_strength": 0.0}
            )
            slot["count"] += option["count"]
            slot["keyed"] = slot["keyed"] or option["correct"]
            slot["_strength"] += (option["mean_ability"] or 0.0) * option["count"]
    result = {}
    for name, values in per_field.items():
        rows = sorted(values.values(), key=lambda v: (-v["count"], v["value"]))
        for row in rows:
            row["mean_ability"] = row.pop("_strength") / row["count"]
        result[name] = rows
    return result


def _describe(
    rows: list[dict[str, Any]],
    question: Question | None,
    known: Mapping[str, str],
    shown: list[Field] | None,
) -> None:
    """Give each answer row the misconception and display of the version it was given to
    (``question``), else those of the course as published now."""
    if question is not None:
        listed = listed_by_answer(question)
        fields: list[Field] | None = list(question.fields)
        for row in rows:
            wrong = listed.get(row["answer"]) if row["answer"] is not None else None
            row["misconception"] = wrong.misconception if wrong is not None else None
            row["answer_display"] = _display(row["answer"], fields)
        return
    for row in rows:
        row["misconception"] = known.get(row["answer"])
        row["answer_display"] = _display(row["answer"], shown)


def _display(answer: str | None, fields: list[Field] | None) -> str | None:
    return None if answer is None else display_normalised(answer, fields)


def _fields(content: pl.DataFrame) -> dict[str, list[Field]]:
    """Each question's input fields (names and labels), to show answers as people read them."""
    found: dict[str, list[Field]] = {}
    if "fields" not in content.columns:
        return found
    for question_id, raw in content.select("question_id", "fields").iter_rows():
        if not raw or question_id in found:
            continue
        parsed = json.loads(raw) if isinstance(raw, str) else raw
        found[question_id] = [
            Field(str(f["name"]), str(f.get("label") or ""))
            for f in parsed
            if isinstance(f, dict) and "name" in f
        ]
    return found


def _answer_keys(content: pl.DataFrame) -> dict[str, dict[str, list[str]]]:
    keys: dict[str, dict[str, list[str]]] = {}
    if "accepted" not in content.columns:
        return keys
    for question_id, accepted in content.select("question_id", "accepted").iter_rows():
        if accepted and question_id not in keys:
            parsed = json.loads(accepted) if isinstance(accepted, str) else accepted
            keys[question_id] = {str(k): [str(v) for v in vs] for k, vs in parsed.items()}
    return keys


def public_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """One hard question as the CLI's JSON promises it: the contract's keys first, in order,
    then Moodle's statistics (STATISTICS_KEYS), where the item has them."""
    public = {key: item[key] for key in PUBLIC_KEYS}
    public["top_wrong_answers"] = [
        {
            "answer": w["answer"],
            "answer_display": w.get("answer_display", w["answer"]),
            "count": w["count"],
            "share": w["share"],
        }
        for w in item["top_wrong_answers"]
    ]
    public.update({key: item[key] for key in STATISTICS_KEYS if key in item})
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
    editor_url: str | None = None,
) -> Path:
    """Render the report from the snapshot (opened read-only) to ``out_path``; return it.

    ``items`` (from ``load_hard_questions``) skips recomputing when the caller has them.
    ``editor_url`` is the site whose editor pages the questions link to (default:
    ``editor_base_url()``).
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
        editor_url=editor_url,
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
    editor_url: str | None = None,
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
    env.filters["signed"] = _signed
    # Every flag is explained, raised or not: what it means and what it needs.
    used_flags = list(FLAG_MEANING)
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
        editor_url=(editor_url or editor_base_url()).rstrip("/"),
        edit_path=edit_path,
    )


class _PublicUrl(EnvironmentSettings):
    url: str = SettingField("http://127.0.0.1:8000", validation_alias="QUIZFLOW_PUBLIC_URL")


def editor_base_url() -> str:
    """Where editors open the web app: QUIZFLOW_PUBLIC_URL (the address people use, behind a
    proxy), else the address `quizflow serve` listens on by default."""
    return read_environment(_PublicUrl).url


def edit_path(course_id: str, question_id: str) -> str:
    """The editor page of a question (quizflow.app.web.editor), its ids escaped."""
    return f"/editor/courses/{quote(course_id, safe='')}/questions/{quote(question_id, safe='')}"


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


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.2f}"


def _average_chance(difficulty: float | None) -> str:
    """The chance that a student of average ability gets the question right (Rasch)."""
    if difficulty is None:
        return "unknown"
    chance = 1 / (1 + math.exp(difficulty))
    if chance < 0.01:
        return "under 1%"
    return "over 99%" if chance > 0.99 else f"{chance:.0%}"
