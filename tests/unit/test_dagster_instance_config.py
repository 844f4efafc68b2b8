"""dagster.yaml as Quizflow writes it: Dagster's own schema accepts it, bad settings write nothing,
and the dagster-* packages are of the Dagster release they were made for."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from quizflow.dagster_instance import (
    MARKER,
    WAREHOUSE_POOL,
    DagsterSettingError,
    instance_config,
    prepare_dagster_home,
    render,
    sqlalchemy_url,
)
from quizflow.settings import Settings

REPO = Path(__file__).resolve().parents[2]
# Packages released with Dagster itself, under its own version; every other dagster-* package
# is an integration, released as 0.(minor + 16).patch beside Dagster 1.minor.patch.
CORE_PACKAGES = {
    "dagster",
    "dagster-graphql",
    "dagster-pipes",
    "dagster-shared",
    "dagster-webserver",
}


def _settings(tmp_path: Path, storage: str = "sqlite") -> Settings:
    return Settings(home=tmp_path / "home", database_url=None, dagster_storage=storage)


def _validated(text: str, tmp_path: Path) -> dict[str, object]:
    home = tmp_path / "validate"
    home.mkdir()
    (home / "dagster.yaml").write_text(text)
    config, _ = dagster_instance_config(str(home))
    return dict(config)


def test_the_postgres_config_passes_dagsters_own_schema_with_limits_for_runs_and_pools(
    tmp_path: Path,
) -> None:
    url = "postgresql://dagster:secret@db.example:5432/quizflow_dagster"
    config = _validated(render(instance_config(url, 6)), tmp_path)
    # psycopg2 named: SQLAlchemy 2.1 would pick psycopg 3, which fails dagster-postgres's NOTIFY.
    driver_url = "postgresql+psycopg2://dagster:secret@db.example:5432/quizflow_dagster"
    assert config["storage"] == {"postgres": {"postgres_url": driver_url}}
    assert config["concurrency"] == {
        "runs": {"max_concurrent_runs": 6},
        "pools": {"default_limit": 1, "granularity": "op"},
    }


def test_a_url_naming_its_driver_is_kept_as_given() -> None:
    assert sqlalchemy_url("postgres://h/db") == "postgresql+psycopg2://h/db"
    assert sqlalchemy_url("postgresql+pg8000://h/db") == "postgresql+pg8000://h/db"


def test_the_sqlite_config_names_no_storage_so_dagster_keeps_its_files_in_dagster_home(
    tmp_path: Path,
) -> None:
    config = _validated(render(instance_config(None, 4)), tmp_path)
    assert "storage" not in config
    assert config["concurrency"]["pools"]["default_limit"] == 1  # type: ignore[index]


def test_the_warehouse_assets_and_checks_are_in_the_warehouse_pool_and_the_reports_in_none() -> (
    None
):
    from pipelines import reports, warehouse

    writers = [
        warehouse.events,
        warehouse.projections,
        warehouse.published_snapshot,
        warehouse.event_checks,
        warehouse.projection_checks,
    ]
    assert [definition.node_def.pools for definition in writers] == [{WAREHOUSE_POOL}] * 5
    assert reports.teacher_reports.node_def.pools == set()
    assert reports.teacher_report_emails.node_def.pools == set()


def test_prepare_writes_a_private_file_with_quizflows_header_and_rewrites_only_its_own(
    tmp_path: Path,
) -> None:
    settings = _settings(tmp_path)
    home, written = prepare_dagster_home(settings)
    path = home / "dagster.yaml"
    assert written and path.read_text().startswith(MARKER)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert prepare_dagster_home(settings) == (home, False)  # unchanged: not rewritten
    path.write_text("telemetry:\n  enabled: false\n")  # the user's own
    assert prepare_dagster_home(settings) == (home, False)
    assert path.read_text() == "telemetry:\n  enabled: false\n"
    path.write_text("")  # an empty file (what older versions wrote) is Quizflow's
    assert prepare_dagster_home(settings)[1]
    assert yaml.safe_load(path.read_text())["concurrency"]["runs"]["max_concurrent_runs"] == 4


@pytest.mark.parametrize(
    ("storage", "max_runs", "named"),
    [("mysql", "", "QUIZFLOW_DAGSTER_STORAGE"), ("postgres", "0", "QUIZFLOW_DAGSTER_MAX_RUNS")],
)
def test_a_bad_setting_is_named_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, storage: str, max_runs: str, named: str
) -> None:
    monkeypatch.setenv("QUIZFLOW_DAGSTER_MAX_RUNS", max_runs)
    settings = _settings(tmp_path, storage)
    with pytest.raises(DagsterSettingError, match=named):
        prepare_dagster_home(settings)
    assert not settings.dagster_home.exists()


def _release_of(core_version: str) -> tuple[int, int]:
    major, minor, _ = (int(part) for part in core_version.split(".")[:3])
    assert major == 1, f"Dagster {core_version}: integration numbering changed, check this test"
    return minor, int(core_version.split(".")[2])


def _integration_matches(core: str, integration: str) -> bool:
    minor, patch = _release_of(core)
    return integration == f"0.{minor + 16}.{patch}"


def test_every_installed_dagster_package_is_of_the_installed_dagster_release() -> None:
    core = metadata.version("dagster")
    installed = {
        dist.metadata["Name"].lower(): dist.version
        for dist in metadata.distributions()
        if re.fullmatch(r"dagster(-[a-z0-9-]+)?", dist.metadata["Name"].lower())
    }
    assert {"dagster-postgres", "dagster-k8s"} <= installed.keys()
    wrong = {
        name: version
        for name, version in installed.items()
        if (version != core if name in CORE_PACKAGES else not _integration_matches(core, version))
    }
    assert not wrong, f"not of Dagster {core}'s release: {wrong}"


def test_the_lock_pins_every_dagster_package_to_one_release() -> None:
    lock = tomllib.loads((REPO / "uv.lock").read_text())
    locked = {
        package["name"]: package["version"]
        for package in lock["package"]
        if re.fullmatch(r"dagster(-[a-z0-9-]+)?", package["name"])
    }
    core = locked["dagster"]
    assert core == metadata.version("dagster")
    wrong = {
        name: version
        for name, version in locked.items()
        if (version != core if name in CORE_PACKAGES else not _integration_matches(core, version))
    }
    assert not wrong, f"uv.lock: not of Dagster {core}'s release: {wrong}"


def test_pipeline_run_refuses_a_bad_storage_setting_before_it_touches_anything(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env |= {
        "QUIZFLOW_HOME": str(home),
        # Never contacted: the setting is refused first.
        "QUIZFLOW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "QUIZFLOW_DAGSTER_STORAGE": "mysql",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "quizflow.cli", "pipeline", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "QUIZFLOW_DAGSTER_STORAGE must be sqlite or postgres, got 'mysql'." in done.stderr
    assert "Traceback" not in done.stderr
    assert not home.exists() or not any(home.iterdir())
