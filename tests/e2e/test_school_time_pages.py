"""School time over real HTTP and the real CLI: a school's people read times on its clock
(Europe/Amsterdam until `quizflow accounts school ID --time-zone Z` sets another)."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from typer.testing import CliRunner

from quizflow.accounts import admin
from quizflow.cli import app
from quizflow.eventstore.postgres import PostgresEventStore

Site = Any  # the `site` fixture of tests/e2e/conftest.py


def _answer_wrong(site: Site, student: str = "alice") -> None:
    client = site.client(student)
    base = f"/api/quizzes/{site.course_id}/{site.chapter_id}"
    started = client.post(f"{base}/start", json={"command_id": str(uuid.uuid4())})
    assert started.status_code == 200, started.text
    question_id = client.get(base).json()["question"]["question_id"]
    answered = client.post(
        f"{base}/answer",
        json={
            "command_id": str(uuid.uuid4()),
            "question_id": question_id,
            "inputs": site.wrong(question_id),
        },
    )
    assert answered.status_code == 200, answered.text
    deadline = time.monotonic() + 30
    while not site.model.recent_answers(student):
        assert time.monotonic() < deadline, "the read model does not show the answer"
        time.sleep(0.02)


def _on_clock(iso: str, zone: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def _in_page(shown: str, page: str) -> bool:
    """The student page shows the day and the clock time on lines of their own."""
    day, clock = shown.split(" ", 1)
    return f"<span>{day}</span>" in page and f"<span>{clock}</span>" in page


def _wait_for_zone(site: Site, school_id: str, zone: str) -> None:
    deadline = time.monotonic() + 30
    while site.model.time_zone(school_id) != zone:
        assert time.monotonic() < deadline, "the read model does not show the school's zone"
        time.sleep(0.02)


def test_teacher_and_student_pages_show_times_on_the_schools_clock(site: Site) -> None:
    _answer_wrong(site)
    teacher, alice = site.client("t-ada"), site.client("alice")
    answered = teacher.get("/api/teacher/students/alice").json()["recent_answers"][0]
    assert answered["time_shown"] == _on_clock(answered["time"], "Europe/Amsterdam")
    assert _in_page(answered["time_shown"], teacher.get("/teacher/students/alice").text)
    started = alice.get("/api/attempts").json()[0]["started_at"]
    attempts_page = html.unescape(alice.get("/attempts").text)
    assert _on_clock(started, "Europe/Amsterdam") in attempts_page
    assert "UTC" not in attempts_page

    assert admin.set_time_zone(site.store, "hill", "America/New_York", actor="test")
    _wait_for_zone(site, "hill", "America/New_York")
    answered = teacher.get("/api/teacher/students/alice").json()["recent_answers"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T", answered["time_shown"])
    assert answered["time_shown"] == _on_clock(answered["time"], "America/New_York")
    assert _in_page(answered["time_shown"], teacher.get("/teacher/students/alice").text)
    assert _on_clock(started, "America/New_York") in html.unescape(alice.get("/attempts").text)


@pytest.fixture
def cli_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str
) -> Iterator[PostgresEventStore]:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.setenv("COLUMNS", "200")
    with PostgresEventStore(pg_url) as opened:
        yield opened


def _events(pg_url: str) -> int:
    with psycopg.connect(pg_url) as conn:
        row = conn.execute("select count(*) from quizflow.events").fetchone()
    return int(row[0]) if row else 0


def _accounts(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["accounts", *args])
    return result.exit_code, result.stderr


def test_the_cli_sets_a_schools_time_zone_and_refuses_a_bad_one_writing_nothing(
    cli_store: PostgresEventStore, pg_url: str
) -> None:
    before = _events(pg_url)
    code, stderr = _accounts("school", "dune", "--name", "Dune", "--time-zone", "Mars/Base")
    assert code == 2 and "'Mars/Base' is not a time zone" in stderr
    code, stderr = _accounts("school", "dune", "--time-zone", "Europe/London")
    assert code == 2 and "there is no school 'dune'" in stderr
    assert _events(pg_url) == before

    code, stderr = _accounts("school", "dune", "--name", "Dune")
    assert code == 0 and "school dune registered" in stderr
    assert admin.school_roster(cli_store, "dune").time_zone == "Europe/Amsterdam"
    code, stderr = _accounts("school", "dune", "--time-zone", "Europe/London")
    assert code == 0 and "school dune on Europe/London time" in stderr
    assert admin.school_roster(cli_store, "dune").time_zone == "Europe/London"
    written = _events(pg_url)
    code, stderr = _accounts("school", "dune", "--time-zone", "Europe/London")
    assert code == 0 and "school dune unchanged" in stderr
    assert _events(pg_url) == written


def test_an_activation_code_expires_on_the_day_the_schools_clock_says(
    cli_store: PostgresEventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kiritimati is 14 hours ahead of UTC and Pago Pago 11 behind: on any day and hour the
    # two schools' calendars always differ, so a UTC date would be wrong for one of them.
    monkeypatch.setenv("QUIZFLOW_ACTIVATION_CODE_DAYS", "14")
    for school, zone in (("east", "Pacific/Kiritimati"), ("west", "Pacific/Pago_Pago")):
        assert _accounts("school", school, "--name", school.title(), "--time-zone", zone)[0] == 0
        assert _accounts("class", f"{school}-1", "--name", "1", "--school", school)[0] == 0
        student = ["--username", f"{school}-sam", "--name", "Sam", "--class", f"{school}-1"]
        code, stderr = _accounts("create", "--role", "student", "--school", school, *student)
        assert code == 0, stderr
    # The codes read the zones and accounts in the log's order, which another database's open
    # transaction may hold back for a while (lag, never loss): wait until they are readable.
    deadline = time.monotonic() + 60
    while admin.time_zones(cli_store) != {
        "east": "Pacific/Kiritimati",
        "west": "Pacific/Pago_Pago",
    }:
        assert time.monotonic() < deadline, "the log does not show the schools' zones"
        time.sleep(0.05)
    while len(admin.students_of_class(cli_store, "west-1")) < 1:
        assert time.monotonic() < deadline, "the log does not show the students"
        time.sleep(0.05)

    def expiry_days(zone: str) -> set[str]:
        # The day 14 days from now on the school's clock, read before and after the command
        # (a midnight may pass in between).
        return {(datetime.now(ZoneInfo(zone)) + timedelta(days=14)).date().isoformat()}

    before = {zone: expiry_days(zone) for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago")}
    accounts = ["--account", "east-sam", "--account", "west-sam"]
    issued = CliRunner().invoke(app, ["accounts", "codes", *accounts, "--format", "json"])
    assert issued.exit_code == 0, issued.stderr
    after = {zone: expiry_days(zone) for zone in before}
    expires = {row["class_id"]: row["expires"] for row in json.loads(issued.stdout)}
    assert expires["east-1"] in before["Pacific/Kiritimati"] | after["Pacific/Kiritimati"]
    assert expires["west-1"] in before["Pacific/Pago_Pago"] | after["Pacific/Pago_Pago"]
    assert expires["east-1"] != expires["west-1"]
