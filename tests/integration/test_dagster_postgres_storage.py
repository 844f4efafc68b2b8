"""Dagster on PostgreSQL (QUIZFLOW_DAGSTER_STORAGE=postgres): the real instance, the real CLI.

One deployment for the module: a store with two school weeks of answers, a Dagster database of
its own on the test server, and a home whose dagster.yaml `quizflow pipeline run` wrote. Then:
the pipeline's runless materialisations are in PostgreSQL (no SQLite file anywhere), two report
weeks launched at once both succeed and both land there, and the warehouse's steps wait for
the pool's one slot (not for the file lock) while another holder has it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psycopg
import pytest
import yaml
from filelock import FileLock

from quizflow.dagster_instance import (
    DAGSTER_DATABASE,
    WAREHOUSE_POOL,
    dagster_database_url,
    sqlalchemy_url,
)
from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse.duck import lock_path
from tests.conftest import REPO
from tests.integration import eventfactory
from tests.throwaway_postgres import throwaway_postgres

pytestmark = pytest.mark.slow

WEEKS = ("2025-03-03", "2025-03-10")  # 2025-W10 and 2025-W11, keyed by their Mondays
DEADLINE_S = 300
BLOCKED = f"blocked by limit for pool {WAREHOUSE_POOL}"  # Dagster's engine event


@dataclass
class Deployment:
    home: Path
    env: dict[str, str]
    dagster_url: str

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    def instance(self) -> dg.DagsterInstance:
        return dg.DagsterInstance.from_config(str(self.dagster_home))

    def dagster(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "dagster", *args, "-m", "pipelines.definitions"],
            cwd=REPO,
            env={**self.env, "DAGSTER_HOME": str(self.dagster_home)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _finished(process: subprocess.Popen[str]) -> str:
    try:
        _, stderr = process.communicate(timeout=DEADLINE_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr[-4000:]
    return stderr


@pytest.fixture(scope="module")
def deployment(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    suffix = uuid.uuid4().hex[:8]
    home = tmp_path_factory.mktemp("dagster-postgres") / "home"
    store_db, dagster_db = f"{template_db}_dg_{suffix}", f"qf_dagster_test_{suffix}"
    url = create_database(server_url, store_db, template=template_db)
    dagster_url = create_database(server_url, dagster_db)
    try:
        with PostgresEventStore(url) as store:
            eventfactory.populate(store, students=3, days=10)  # Monday 3 March 2025, 10 days
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        env |= {
            "QUIZFLOW_HOME": str(home),
            "QUIZFLOW_DATABASE_URL": url,
            # As given: the login roles' passwords are cluster-wide, and other processes on
            # the shared server may set new ones under a long test's feet.
            "QUIZFLOW_PIPELINE_DATABASE_URL": url,
            "QUIZFLOW_WEB_DATABASE_URL": url,
            "QUIZFLOW_SIGNIN_DATABASE_URL": url,
            "QUIZFLOW_DAGSTER_STORAGE": "postgres",
            "QUIZFLOW_DAGSTER_DATABASE_URL": dagster_url,
            "QUIZFLOW_REPORTS_FIRST_WEEK": "2025-W10",
        }
        done = subprocess.run(
            [sys.executable, "-m", "quizflow.cli", "pipeline", "run"],
            env=env,
            capture_output=True,
            text=True,
            timeout=DEADLINE_S,
        )
        assert done.returncode == 0, done.stderr
        assert "not recorded in Dagster" not in done.stderr, done.stderr
        yield Deployment(home, env, dagster_url)
    finally:
        _stop_leftover_code_servers(str(home))
        drop_database(server_url, dagster_db)
        drop_database(server_url, store_db)


def _stop_leftover_code_servers(home: str) -> None:
    """Stop the code servers the Dagster commands started for this deployment: they can
    outlive the command (in a session of their own) and their heartbeat does not always end
    them. Each names the instance, and so this deployment's home, on its command line."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command_line = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if "dagster" in command_line and home in command_line:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(entry.name), signal.SIGKILL)


def _materialisations(dagster_url: str, asset: str) -> list[str]:
    """The partitions of ``asset``'s materialisations, read from PostgreSQL itself."""
    with psycopg.connect(dagster_url) as conn:
        rows = conn.execute(
            "select partition from event_logs where asset_key = %s"
            " and dagster_event_type = 'ASSET_MATERIALIZATION' order by id",
            (f'["{asset}"]',),
        ).fetchall()
    return [row[0] or "" for row in rows]


def test_quizflow_pipeline_run_writes_a_postgres_dagster_yaml_and_records_its_run_there(
    deployment: Deployment,
) -> None:
    config = yaml.safe_load((deployment.dagster_home / "dagster.yaml").read_text())
    assert config["storage"] == {
        "postgres": {"postgres_url": sqlalchemy_url(deployment.dagster_url)}
    }
    for asset in ("events", "answers", "published_snapshot"):
        assert _materialisations(deployment.dagster_url, asset), f"{asset} not in PostgreSQL"
    instance = deployment.instance()
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
            [dg.AssetCheckKey(dg.AssetKey("events"), "reconciliation")]
        )
        assert check, "the run's checks are not in Dagster's history"
    finally:
        instance.dispose()
    assert not list(deployment.dagster_home.rglob("*.db")), "a SQLite file was written"


def test_two_report_weeks_launched_at_once_both_succeed_and_both_are_recorded(
    deployment: Deployment,
) -> None:
    launched = [
        deployment.dagster("asset", "materialize", "--select", "teacher_reports", "--partition", w)
        for w in WEEKS
    ]
    for process in launched:
        _finished(process)
    instance = deployment.instance()
    try:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": list(WEEKS)}))
        assert sorted(run.tags["dagster/partition"] for run in runs) == sorted(WEEKS)
        assert {run.status for run in runs} == {dg.DagsterRunStatus.SUCCESS}
        assert instance.get_materialized_partitions(dg.AssetKey("teacher_reports")) == set(WEEKS)
        for run in runs:
            # The reports are in no pool: nothing made one week wait for the other.
            messages = [entry.user_message for entry in instance.all_logs(run.run_id)]
            assert not [m for m in messages if "blocked by limit for pool" in m], messages
    finally:
        instance.dispose()
    assert sorted(_materialisations(deployment.dagster_url, "teacher_reports")) == sorted(WEEKS)
    for week in ("2025-W10", "2025-W11"):
        report = deployment.home / "reports" / "teacher" / "class-1a" / f"{week}.html"
        assert report.is_file(), report


def _wait_for(what: str, condition: object, deadline_s: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise AssertionError(f"gave up waiting for {what}")


def test_warehouse_steps_wait_for_the_pools_one_slot_and_run_once_it_is_free(
    deployment: Deployment,
) -> None:
    instance = deployment.instance()
    holder = f"holder-{uuid.uuid4().hex[:8]}"
    process = None
    try:
        storage = instance.event_log_storage
        storage.initialize_concurrency_limit_to_default(WAREHOUSE_POOL)
        (pool,) = [p for p in storage.get_pool_limits() if p.name == WAREHOUSE_POOL]
        assert pool.limit == 1  # dagster.yaml's default_limit, as Quizflow wrote it
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, holder, "elsewhere").is_claimed

        process = deployment.dagster("job", "execute", "-j", "warehouse_job")

        def blocked_run() -> dg.DagsterRun | None:
            runs = instance.get_runs(filters=dg.RunsFilter(job_name="warehouse_job"))
            for run in runs:
                logs = instance.all_logs(run.run_id)
                if any(BLOCKED in entry.user_message for entry in logs):
                    return run
            assert process is not None
            if process.poll() is not None:
                raise AssertionError(f"the run ended unblocked: {process.communicate()[1][-3000:]}")
            return None

        _wait_for("a warehouse step blocked by the pool", blocked_run)
        run = blocked_run()
        assert run is not None and run.status == dg.DagsterRunStatus.STARTED
        # Dagster holds it back, not the file lock: nobody holds that.
        lock = FileLock(lock_path(deployment.home / "warehouse.duckdb"), thread_local=False)
        lock.acquire(timeout=0)
        lock.release()

        storage.free_concurrency_slots_for_run(holder)
        _finished(process)
        finished = instance.get_run_by_id(run.run_id)
        assert finished is not None and finished.status == dg.DagsterRunStatus.SUCCESS
        published = instance.get_latest_materialization_event(dg.AssetKey("published_snapshot"))
        assert published is not None and published.run_id == run.run_id
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.communicate()
        instance.event_log_storage.free_concurrency_slots_for_run(holder)
        instance.dispose()


def test_without_a_url_dagster_gets_a_database_of_its_own_on_the_owners_server(
    tmp_path: Path,
) -> None:
    with throwaway_postgres() as pg:
        settings = Settings(home=tmp_path / "home", database_url=pg.server_url)
        url = dagster_database_url(settings)
        assert url.split("?")[0].endswith(f"/{DAGSTER_DATABASE}")
        assert dagster_database_url(settings) == url  # found, not created twice
        (tmp_path / "dg").mkdir()
        (tmp_path / "dg" / "dagster.yaml").write_text(
            yaml.safe_dump({"storage": {"postgres": {"postgres_url": sqlalchemy_url(url)}}})
        )
        instance = dg.DagsterInstance.from_config(str(tmp_path / "dg"))
        try:
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        finally:
            instance.dispose()
        with psycopg.connect(url) as conn:
            assert conn.execute("select to_regclass('event_logs') is not null").fetchone() == (
                True,
            )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_runs_submitted_to_the_queue_are_started_by_the_daemon_of_pipeline_dev(
    deployment: Deployment,
) -> None:
    """The QueuedRunCoordinator's path: `dagster job launch` only queues a run; the daemon
    that `quizflow pipeline dev` starts, reading the same PostgreSQL storage, dequeues it."""
    port = _free_port()
    quizflow = Path(sys.executable).with_name("quizflow")
    dev = subprocess.Popen(
        [str(quizflow), "pipeline", "dev", "--port", str(port)],
        env=deployment.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a webserver, a daemon and code servers: stop them all
    )
    instance = deployment.instance()
    try:
        queued = {str(uuid.uuid4()): week for week in WEEKS}
        for run_id, week in queued.items():
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "dagster",
                    "job",
                    "launch",
                    "-w",
                    str(REPO / "workspace.yaml"),
                    "-j",
                    "teacher_reports_job",
                    "--run-id",
                    run_id,
                    "--tags",
                    json.dumps({"dagster/partition": week}),
                ],
                cwd=REPO,
                env={**deployment.env, "DAGSTER_HOME": str(deployment.dagster_home)},
                capture_output=True,
                text=True,
                timeout=DEADLINE_S,
            )
            assert done.returncode == 0, done.stderr[-3000:]
        run_ids = list(queued)
        queued_then_done = set()

        def both_succeeded() -> bool:
            assert dev.poll() is None, "quizflow pipeline dev stopped"
            statuses = {}
            for run_id in run_ids:
                run = instance.get_run_by_id(run_id)
                assert run is not None
                assert run.status not in {
                    dg.DagsterRunStatus.FAILURE,
                    dg.DagsterRunStatus.CANCELED,
                }, run_id
                statuses[run_id] = run.status
            return set(statuses.values()) == {dg.DagsterRunStatus.SUCCESS}

        _wait_for("the daemon to run both queued runs", both_succeeded)
        for run_id in run_ids:
            kinds = {e.dagster_event_type for e in instance.all_logs(run_id) if e.dagster_event}
            # Queued by the CLI; only the daemon's coordinator starts a queued run.
            assert {
                dg.DagsterEventType.RUN_ENQUEUED,
                dg.DagsterEventType.RUN_STARTING,
                dg.DagsterEventType.RUN_SUCCESS,
            } <= kinds, kinds
            queued_then_done.add(run_id)
        assert len(queued_then_done) == 2
    finally:
        instance.dispose()
        os.killpg(dev.pid, signal.SIGTERM)
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
