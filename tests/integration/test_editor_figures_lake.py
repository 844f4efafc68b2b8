"""The editor pages' figures in the lake mode: read from the lake's newest release (a local S3
server, the catalog in the test PostgreSQL), the same numbers as from the DuckDB snapshot."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizflow.app.publishing import publish_course
from quizflow.app.web.editor_figures import course_figures
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.importer import ImportColumns, import_responses
from quizflow.settings import Settings, load_settings
from quizflow.warehouse.lake.catalog import open_lake
from quizflow.warehouse.lake.release import latest_release
from tests.integration.test_hard_questions_report import COURSE, history_csv
from tests.integration.test_lake_pipeline import _run
from tests.lake_s3 import lake_env, s3_server  # noqa: F401 (fixtures)


@pytest.fixture
def lake_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str, request: pytest.FixtureRequest
) -> Settings:
    request.getfixturevalue("lake_env")  # the lake on a bucket and catalog of this test
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    return load_settings()


def _import_history(url: str, csv: Path, day: str = "2025-03-03") -> None:
    history = history_csv(csv)
    history.write_text(history.read_text().replace("2025-03-03", day))
    columns = ImportColumns(
        student="student", question="question", correct="correct", answer="answer", time="at"
    )
    with PostgresEventStore(url) as store:
        publish_course(store, COURSE)
        import_responses(store, history, columns, course_id="algebra")


def _release_id(settings: Settings) -> int | None:
    lake = open_lake(settings)
    try:
        release = latest_release(lake)
    finally:
        lake.close()
    return release.release_id if release else None


def test_the_editor_figures_come_from_the_newest_lake_release(
    lake_settings: Settings, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = lake_settings
    before = course_figures(settings.published_path, "algebra")
    assert before.by_question == {} and before.problem is not None
    assert "no data yet" in before.problem

    _import_history(pg_url, tmp_path / "history.csv")
    _run(monkeypatch, "lake", settings, pg_url)
    assert not settings.published_path.exists()  # the lake mode publishes no file
    first = _release_id(settings)
    assert first is not None

    figures = course_figures(settings.published_path, "algebra")
    assert figures.problem is None and figures.snapshot_at is not None
    assert set(figures.by_question) == {"q-frac", "q-add", "q-easy"}
    hardest = figures.by_question["q-frac"]
    assert (hardest["answers"], hardest["facility"]) == (12, pytest.approx(2 / 12))
    assert hardest["difficulty"] is not None and hardest["difficulty_se"] > 0
    top = hardest["top_wrong_answers"][0]
    assert (top["answer"], top["count"]) == ("2/6", 7)
    assert top["misconception"] == "adds the numerators and the denominators"
    assert course_figures(settings.published_path, "algebra") is figures  # kept per release

    # More answers: a new release, and the figures follow it.
    _import_history(pg_url, tmp_path / "again.csv", day="2025-03-10")
    _run(monkeypatch, "lake", settings, pg_url)
    newer = _release_id(settings)
    assert newer is not None and newer > first
    after = course_figures(settings.published_path, "algebra")
    assert after is not figures
    assert after.by_question["q-frac"]["answers"] == 24


def test_an_unreachable_lake_gives_no_figures_and_a_reason(
    lake_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZFLOW_LAKE_WAREHOUSE", "s3://no-such-bucket-here/warehouse")
    figures = course_figures(lake_settings.published_path, "algebra")
    assert figures.by_question == {}
    assert figures.problem == "no figures: the lake's newest release could not be read"
