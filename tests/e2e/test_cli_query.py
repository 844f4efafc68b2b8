"""`quizflow query` from the command line, on a snapshot published by a real pipeline run."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.cli import app
from quizflow.eventstore import Cursor, NewEvent
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer.publish import publish_import
from quizflow.settings import Settings, load_settings
from tests.integration import eventfactory

QUIZFLOW = Path(sys.executable).with_name("quizflow")


def quizflow(*args: str, home: Path, url: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUIZFLOW_HOME": str(home), "COLUMNS": "200"}
    if url:
        env["QUIZFLOW_DATABASE_URL"] = url
    return subprocess.run(
        [str(QUIZFLOW), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Settings:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("COLUMNS", "200")
    settings = load_settings()
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=4, days=2)
    with psycopg.connect(pg_url) as conn:
        last = conn.execute(
            "select tx::text::bigint, position from quizflow.events"
            " order by tx desc, position desc limit 1"
        ).fetchone()
    assert last is not None
    # One run may stop short while another test's transaction is open (lag, never loss).
    assert publish_import(settings, pg_url, Cursor(*last))[1]
    return settings


def test_the_list_names_every_query_with_what_it_answers(tmp_path: Path) -> None:
    result = quizflow("query", "--list", "--format", "json", home=tmp_path)
    assert result.returncode == 0, result.stderr
    listed = {q["name"]: q for q in json.loads(result.stdout)}
    assert {"student_timeline", "common_wrong_answers", "wheel_spinning"} <= set(listed)
    assert listed["common_wrong_answers"]["description"].startswith("what students answer")
    assert listed["common_wrong_answers"]["parameters"][0].startswith(
        "question_id (text, required)"
    )


def test_a_query_before_any_pipeline_run_says_to_run_the_pipeline_first(tmp_path: Path) -> None:
    result = quizflow("query", "hardest_questions", home=tmp_path)
    assert result.returncode == 1
    assert "run `quizflow pipeline run` first" in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_json_output_is_one_document_on_stdout_with_messages_kept_off_it(
    published: Settings, pg_url: str
) -> None:
    # The snapshot knows students by pseudonyms; someone who may read names looks one up.
    looked_up = quizflow("privacy", "pseudonym", "s1", home=published.home, url=pg_url)
    assert looked_up.returncode == 0, looked_up.stderr
    s1 = looked_up.stdout.split()[1]
    assert s1.startswith("p-")
    result = quizflow(
        "query",
        "student_timeline",
        "--param",
        f"student_id={s1}",
        "--format",
        "json",
        home=published.home,
        url=pg_url,
    )
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows and [r["step"] for r in rows] == list(range(1, len(rows) + 1))
    assert {r["event"] for r in rows} <= {
        "attempt started",
        "answered correctly",
        "answered incorrectly",
        "quiz passed",
    }
    times = [r["occurred_at"] for r in rows]
    assert times == sorted(times) and times[0].endswith("+00:00")  # ISO 8601, UTC


def test_csv_and_table_output_carry_the_query_columns(published: Settings) -> None:
    runner = CliRunner()
    as_csv = runner.invoke(
        app,
        ["query", "hardest_questions", "-p", "min_students=1", "-p", "limit=3", "--format", "csv"],
    )
    assert as_csv.exit_code == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 3 and list(rows[0])[:3] == ["course_id", "chapter_id", "question_id"]
    assert [int(r["rank"]) for r in rows] == [1, 2, 3]
    table = runner.invoke(app, ["query", "class_progress"])
    assert table.exit_code == 0 and "share_passed" in table.stdout and "class-1a" in table.stdout


def test_a_query_with_no_rows_prints_its_columns(published: Settings) -> None:
    result = CliRunner().invoke(
        app, ["query", "student_questions", "-p", "student_id=nobody", "--format", "csv"]
    )
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("course_id,chapter_id,question_id,text")


def test_mistakes_in_the_name_parameters_or_values_are_clear_errors(published: Settings) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["query", "hardest_question"])
    assert unknown.exit_code == 2
    assert "unknown query 'hardest_question'" in unknown.stderr
    assert "hardest_questions" in unknown.stderr
    missing = runner.invoke(app, ["query", "common_wrong_answers", "-p", "qestion_id=q-1-1"])
    assert missing.exit_code == 2
    assert "unknown parameter 'qestion_id'" in missing.stderr
    assert "missing parameter 'question_id'" in missing.stderr
    bad = runner.invoke(app, ["query", "wheel_spinning", "-p", "min_restarts=lots"])
    assert bad.exit_code == 2 and "'lots' is not a whole number" in bad.stderr
    malformed = runner.invoke(app, ["query", "wheel_spinning", "-p", "min_restarts"])
    assert malformed.exit_code == 2 and "name=value" in malformed.stderr


def test_csv_output_never_hands_a_spreadsheet_a_formula(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> None:
    # Students type anything; a teacher opens the CSV in Excel. A cell starting with = + - @
    # would run as a formula there, so it gets a leading quote; a plain number stays a number.
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    settings = load_settings()
    hostile = [
        '=HYPERLINK("http://evil.example","x")',
        "+1+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "-3",
    ]
    ids = {"student_id": "s1", "course_id": "math-1", "chapter_id": "ch-1", "attempt": 1}
    with PostgresEventStore(pg_url) as store:
        eventfactory.publish_course(store)
        store.append(
            "chapter-quiz-s1-math-1-ch-1",
            "no-stream",
            [
                NewEvent("chapter-quiz/QuizStarted", ids, occurred_at=eventfactory.START_AT),
                *[
                    NewEvent(
                        "chapter-quiz/QuestionAnsweredIncorrectly",
                        {**ids, "question_id": "q-1-1", "inputs": {"_INPUT_1_": text}},
                        occurred_at=eventfactory.START_AT,
                    )
                    for text in hostile
                ],
            ],
        )
        head = store.head()
    assert publish_import(settings, pg_url, head)[1]
    result = CliRunner().invoke(
        app, ["query", "common_wrong_answers", "-p", "question_id=q-1-1", "--format", "csv"]
    )
    assert result.exit_code == 0, result.stderr
    cells = [cell for row in csv.reader(io.StringIO(result.stdout)) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-2")]
    answers = {row["answer"] for row in csv.DictReader(io.StringIO(result.stdout))}
    assert sorted(a[:3] for a in answers) == ["'+1", "'-2", "'=h", "'@s", "-3"], answers


def test_a_piped_table_keeps_whole_values_and_long_results_are_cut_with_a_word(
    published: Settings, pg_url: str
) -> None:
    env_home = published.home
    piped = subprocess.run(
        [str(QUIZFLOW), "query", "hardest_questions", "-p", "min_students=1"],
        env={
            **{k: v for k, v in os.environ.items() if k != "COLUMNS"},
            "QUIZFLOW_HOME": str(env_home),
            "QUIZFLOW_DATABASE_URL": pg_url,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert "…" not in piped.stdout  # nothing cut to fit 80 columns
    assert max(len(line) for line in piped.stdout.splitlines()) > 80
    everything = json.loads(
        quizflow(
            "query",
            "hardest_questions",
            "-p",
            "min_students=1",
            "--format",
            "json",
            home=env_home,
            url=pg_url,
        ).stdout
    )
    assert len(everything) > 2
    cut = quizflow(
        "query",
        "hardest_questions",
        "-p",
        "min_students=1",
        "--limit",
        "2",
        "--format",
        "json",
        home=env_home,
        url=pg_url,
    )
    assert json.loads(cut.stdout) == everything[:2]
    assert f"showing the first 2 of {len(everything)} rows" in cut.stderr


def test_a_table_shows_figures_rounded_while_json_and_csv_keep_every_digit(
    published: Settings,
) -> None:
    from quizflow.rounding import readable_number

    runner = CliRunner()
    args = ["query", "hardest_questions", "-p", "min_students=1", "-p", "limit=50"]
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    figures = {(n, k): v for n, r in enumerate(rows) for k, v in r.items() if type(v) is float}
    long = {key: v for key, v in figures.items() if readable_number(v) != repr(v)}
    assert long, f"no figure with digits to round: {figures}"

    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.stderr
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {key: float(csv_rows[key[0]][key[1]]) for key in figures} == figures

    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.stderr
    cells = {cell.strip() for line in table.stdout.splitlines() for cell in line.split("│")}
    assert {readable_number(v) for v in long.values()} <= cells
    assert not {repr(v) for v in long.values()} & cells


def test_a_table_shows_answers_as_people_read_them_while_json_and_csv_keep_the_key(
    published: Settings,
) -> None:
    # A two-field question's normalised answers name the fields (`_INPUT_1_=2; _INPUT_2_=-1`).
    runner = CliRunner()
    args = ["query", "item_answers", "-p", "chapter_id=ch-1", "--limit", "0"]
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    two_fields = [r for r in rows if "_INPUT_2_=" in (r["answer"] or "")]
    assert two_fields, "no answer to the two-field question"
    assert all(r["answer_display"] and "=" not in r["answer_display"] for r in two_fields)
    as_csv = runner.invoke(app, [*args, "--format", "csv"])
    assert as_csv.exit_code == 0 and "_INPUT_2_=" in as_csv.stdout

    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.stderr
    assert "_INPUT_2_=" not in table.stdout
    header = next(line for line in table.stdout.splitlines() if "question_id" in line)
    columns = [cell.strip() for cell in re.split(r"[┃│]", header) if cell.strip()]
    assert "answer_display" in columns and "answer" not in columns
    assert columns.index("answer_display") == list(rows[0]).index("answer")  # in its place
    assert {r["answer_display"] for r in two_fields} <= {
        cell.strip() for line in table.stdout.splitlines() for cell in line.split("│")
    }


def test_a_table_shows_a_lists_first_items_and_json_every_one(
    published: Settings, pg_url: str
) -> None:
    args = ["query", "student_mistakes", "-p", "min_mistakes=2", "--limit", "0"]
    rows = json.loads(quizflow(*args, "--format", "json", home=published.home, url=pg_url).stdout)
    longest = max(len(r["wrong_answers"]) for r in rows)
    assert longest >= 2, "a student with several wrong answers is needed"
    piped = subprocess.run(
        [str(QUIZFLOW), *args],
        env={
            **{k: v for k, v in os.environ.items() if k != "COLUMNS"},
            "QUIZFLOW_HOME": str(published.home),
            "QUIZFLOW_DATABASE_URL": pg_url,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0, piped.stderr
    assert f"… {longest - 1} more (--format json)]" in piped.stdout
    assert all(r["student_id"] in piped.stdout for r in rows)  # ids whole, as ever
    assert max(len(line) for line in piped.stdout.splitlines()) < 400
