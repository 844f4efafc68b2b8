"""The retention sweep (``quizflow privacy retention`` and the nightly job) on a real database:
a dry run erases nothing, a real one erases exactly the students past their time, once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from quizflow.accounts.admin import deactivate, events_of_types
from quizflow.database import login_database_url
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.privacy.retention import Due, erase_past_retention
from quizflow.settings import load_settings
from quizflow.simulate import SimulationConfig, simulate
from quizflow.simulate.roster import build_roster

CONFIG = SimulationConfig(students=4, days=1, seed=5, schools=1, workers=1)


def test_the_sweep_erases_only_students_past_their_time_and_a_dry_run_nothing(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    settings = load_settings()
    with PostgresEventStore(login_database_url("web", settings), role=None) as store:
        simulate(store, CONFIG)
        roster = build_roster(CONFIG.seed, CONFIG.students, CONFIG.schools)
        leaver, stayer = roster.students[0].student_id, roster.students[1].student_id
        with psycopg.connect(login_database_url("signin", settings), autocommit=True) as conn:
            deactivate(store, conn, leaver)

        def erased() -> list[str]:
            return [
                e.data["account_id"] for e in events_of_types(store, ("accounts/PersonErased",))
            ]

        # The deactivation's time is the log's; "now" two days on puts it past a 1-day retention.
        later = datetime.now(UTC) + timedelta(days=2)
        assert erase_past_retention(settings, 3, later, dry_run=True) == []
        due = erase_past_retention(settings, 1, later, dry_run=True)
        assert [d.student_id for d in due] == [leaver]
        assert erased() == []

        logged: list[Due] = []
        assert erase_past_retention(settings, 1, later, on_erased=logged.append) == due
        assert logged == due
        deadline = time.monotonic() + 60
        while erased() != [leaver]:  # another test's open transaction may hold reads back
            assert time.monotonic() < deadline, f"erased: {erased()}"
            time.sleep(0.2)
        assert stayer not in erased()
        assert erase_past_retention(settings, 1, later) == []
