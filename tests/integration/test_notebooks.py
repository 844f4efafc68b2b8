"""The analysts' marimo notebooks run headless against a small published snapshot, read it
read-only, and never stand in the pipeline's way."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import PROJECT_ROOT, Settings, load_settings
from quizflow.warehouse import run_pipeline
from quizflow.warehouse.projections import PROJECTIONS_DIR
from tests.integration import eventfactory

NOTEBOOKS = PROJECT_ROOT / "notebooks"
EXPECTED = ["difficulty", "mistakes", "new_projection", "timings"]


@dataclass(frozen=True)
class Published:
    settings: Settings
    url: str


@pytest.fixture(scope="module")
def published(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Published]:
    name = f"{template_db}_notebooks"
    url = create_database(server_url, name, template=template_db)
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUIZFLOW_HOME", str(home))
        settings = load_settings()
        with PostgresEventStore(url) as store:
            eventfactory.populate(store, students=8, days=3)
        run_pipeline(settings, url, checks=False)
        yield Published(settings, url)
    drop_database(server_url, name)


def start(notebook: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QUIZFLOW_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, str(NOTEBOOKS / f"{notebook}.py")],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_every_notebook_opens_only_the_published_snapshot_read_only() -> None:
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.py")) == EXPECTED
    for path in NOTEBOOKS.glob("*.py"):
        text = path.read_text()
        read_only = text.count("duckdb.connect(str(snapshot), read_only=True)")
        in_memory = text.count("duckdb.connect()")
        assert read_only >= 1, path.name
        assert text.count("duckdb.connect(") == read_only + in_memory, path.name
        assert "snapshot = load_settings().published_path" in text or (
            "snapshot = settings.published_path" in text
        ), path.name


def test_every_notebook_runs_headless_while_the_pipeline_publishes(
    published: Published,
) -> None:
    before = sorted(PROJECTIONS_DIR.iterdir())
    # Side by side: each is a separate reader of the same file, as analysts would be, and the
    # pipeline runs and publishes meanwhile; neither waits for nor breaks the other.
    running = {name: start(name, published.settings.home) for name in EXPECTED}
    try:
        summary = run_pipeline(published.settings, published.url, checks=False)
    finally:
        results = {name: p.communicate(timeout=180) for name, p in running.items()}
    assert summary.published == published.settings.published_path
    for name, process in running.items():
        assert process.returncode == 0, f"{name} failed:\n{results[name][1][-3000:]}"
    # The worked example only rehearses its backfill unless someone presses its button.
    assert sorted(PROJECTIONS_DIR.iterdir()) == before
