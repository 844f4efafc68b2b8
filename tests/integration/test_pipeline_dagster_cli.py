"""The Dagster command lines README's pipeline section gives work as it says."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.warehouse import open_published
from tests.conftest import REPO
from tests.integration import eventfactory


def _pipeline_section() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("## The pipeline")
    return readme[start : readme.index("\n## ", start + 1)]


def documented_commands() -> list[str]:
    return re.findall(r"`(dagster (?:asset materialize|job execute) [^`]+)`", _pipeline_section())


def _dagster(command: str, home: Path, url: str) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    assert argv[0] == "dagster"
    env = {
        **os.environ,
        "QUIZFLOW_HOME": str(home),
        "QUIZFLOW_DATABASE_URL": url,
        "QUIZFLOW_PIPELINE_DATABASE_URL": url,
        "DAGSTER_HOME": str(home / "dagster"),
    }
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "dagster", *argv[1:]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_readme_names_a_command_for_the_warehouse_and_one_for_everything() -> None:
    commands = documented_commands()
    assert any("--select 'group:warehouse'" in c for c in commands), commands
    assert any("--select '*' --partition" in c for c in commands), commands


@pytest.mark.slow
def test_every_documented_dagster_command_materialises_and_publishes(
    tmp_path: Path, pg_url: str
) -> None:
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=1)  # from Monday 3 March 2025
    commands = documented_commands()
    assert commands
    for n, command in enumerate(commands):
        home = tmp_path / f"home{n}"
        done = _dagster(command, home, pg_url)
        assert done.returncode == 0, f"{command}\n{done.stderr[-3000:]}"
        with open_published(home / "published" / "warehouse.duckdb") as con:
            assert con.execute("select count(*) > 0 from answers").fetchone() == (True,)
        if "--partition 2025-03-03" in command:
            assert (home / "reports" / "teacher" / "class-1a" / "2025-W10.html").is_file()


def test_selecting_everything_without_a_week_is_refused_as_the_readme_says(
    tmp_path: Path, pg_url: str
) -> None:
    assert "`--select '*'` alone is refused" in " ".join(_pipeline_section().split())
    done = _dagster(
        "dagster asset materialize -m pipelines.definitions --select '*'", tmp_path, pg_url
    )
    assert done.returncode != 0
    assert "no '--partition' option was provided" in done.stderr


@pytest.mark.slow
def test_pipeline_dev_serves_dagsters_ui_on_the_port_asked_for(tmp_path: Path, pg_url: str) -> None:
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "QUIZFLOW_HOME": str(tmp_path / "home"), "QUIZFLOW_DATABASE_URL": pg_url}
    quizflow = Path(sys.executable).with_name("quizflow")
    server = subprocess.Popen(
        [str(quizflow), "pipeline", "dev", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # dagster dev starts a webserver and a daemon: stop them all
    )
    try:
        deadline, answered = time.monotonic() + 120, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as r:
                    answered = r.status
                    break
            except OSError:
                time.sleep(0.5)
        assert answered == 200, "dagster's UI never answered on the port asked for"
    finally:
        os.killpg(server.pid, 15)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
    assert server.stderr is not None
    assert f"http://127.0.0.1:{port}" in server.stderr.read().decode()


def test_a_run_of_quizflow_pipeline_run_shows_in_dagsters_history(
    tmp_path: Path, pg_url: str
) -> None:
    import dagster as dg

    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=1)
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env |= {"QUIZFLOW_HOME": str(home), "QUIZFLOW_DATABASE_URL": pg_url}
    done = subprocess.run(
        [sys.executable, "-m", "quizflow.cli", "pipeline", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        for asset in ("events", "answers", "published_snapshot"):
            latest = instance.get_latest_materialization_event(dg.AssetKey(asset))
            assert latest is not None, f"{asset} never materialized in Dagster's eyes"
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("events"), "reconciliation")]
        )
        assert check, "the run's checks are not in Dagster's history"
    finally:
        instance.dispose()
