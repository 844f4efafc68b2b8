"""`quizflow accounts import` and `quizflow accounts codes --html` against a fresh database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.accounts import admin
from quizflow.accounts.roster_import import school_student_id
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore

ROSTER = "student_number,name,class,email\n1,Anna de Vries,7A,\n2,Bram Bakker,7B,b@example.org\n"


@pytest.fixture
def store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> Iterator[PostgresEventStore]:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("QUIZFLOW_PUBLIC_URL", raising=False)
    with PostgresEventStore(pg_url) as opened:
        admin.register_school(opened, "hill", "Hill School")
        admin.register_class(opened, "hill", "hill-7a", "7A")
        yield opened


def events(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    return int(row[0]) if row else 0


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["accounts", *args])
    return result.exit_code, result.stdout, result.stderr


def test_a_file_with_errors_prints_every_line_and_writes_nothing(
    store: PostgresEventStore, tmp_path: Path, pg_url: str
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("number,name,class,email\n1,Anna,7A,nope\n,Bram,7B,\n1,Carl,,\n")
    before = events(pg_url)
    code, _, stderr = run("import", str(bad))
    assert code == 2
    for line in (
        "line 2: 'nope' is not an e-mail address",
        "line 3: the student number is",
        "line 4: the student number '1' is on line 2 too",
        "line 4: the class is",
    ):
        assert line in stderr, stderr
    assert "nothing was imported" in stderr
    assert events(pg_url) == before


def test_import_dry_run_then_apply_then_again_changes_nothing(
    store: PostgresEventStore, tmp_path: Path, pg_url: str
) -> None:
    good = tmp_path / "roster.csv"
    good.write_text(ROSTER)
    before = events(pg_url)
    code, stdout, stderr = run("import", str(good), "--dry-run", "--format", "json")
    assert code == 0, stderr
    plan = json.loads(stdout)
    assert plan["dry_run"] is True and plan["applied"] is False
    assert plan["summary"] == {
        "created": 2,
        "moved": 0,
        "renamed": 0,
        "classes_created": 1,
        "unchanged": 0,
    }
    assert events(pg_url) == before

    code, stdout, stderr = run("import", str(good), "--school", "hill", "--format", "json")
    assert code == 0, stderr
    done = json.loads(stdout)
    assert done["applied"] is True
    assert [s["username"] for s in done["created"]] == ["anna.devries", "bram.bakker"]
    assert [s["class_id"] for s in done["created"]] == ["hill-7a", "hill-7b"]
    roster = admin.school_roster(store, "hill")
    assert roster.students[school_student_id(store, "hill", "2")].class_id == "hill-7b"
    appended = events(pg_url)

    code, stdout, _ = run("import", str(good))
    assert code == 0 and "Imported into hill" in stdout
    assert events(pg_url) == appended

    good.write_text(ROSTER.replace("2,Bram Bakker,7B", "2,Bram Bakker,7A"))
    code, stdout, _ = run("import", str(good), "--format", "json")
    assert json.loads(stdout)["summary"]["moved"] == 1
    bram = school_student_id(store, "hill", "2")
    assert admin.school_roster(store, "hill").students[bram].class_id == "hill-7a"


def test_codes_write_a_printable_sheet(store: PostgresEventStore, tmp_path: Path) -> None:
    good = tmp_path / "roster.csv"
    good.write_text(ROSTER)
    assert run("import", str(good))[0] == 0
    sheet = tmp_path / "cards.html"
    code, stdout, stderr = run(
        "codes",
        "--class",
        "hill-7a",
        "--html",
        str(sheet),
        "--url",
        "https://quiz.example.org/",
        "--format",
        "json",
    )
    assert code == 0, stderr
    [row] = json.loads(stdout)
    written = sheet.read_text()
    assert "@page { size: A4" in written and "<link" not in written
    assert "Hill School · 7A" in written and "Anna de Vries" in written
    assert f'<dd class="card-code">{row["code"]}</dd>' in written
    assert "https://quiz.example.org/activate" in written
    assert re.findall(r'class="card-username">([^<]+)<', written) == ["anna.devries"]
