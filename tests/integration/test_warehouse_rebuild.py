"""Projections built run by run equal a rebuild; new projections backfill from the warehouse."""

from __future__ import annotations

import random
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.settings import Settings
from quizflow.warehouse import open_published, open_warehouse, run_pipeline
from quizflow.warehouse.projections import PROJECTIONS_DIR, apply_projections, load_projections
from tests.integration import eventfactory
from tests.integration.eventfactory import PROJECTION_TABLES, START_AT, table_rows


def _settings(home: Path) -> Settings:
    return Settings(home=home, database_url=None)


def _grow(store: PostgresEventStore, course: eventfactory.Course, round_: int) -> None:
    """More of everything: new and continued streams, a new course version, new students."""
    rng = random.Random(round_)
    later = START_AT + timedelta(days=10 * round_)
    eventfactory.register_roster(store, "school-1", f"class-{round_}", [f"n{round_}"], at=later)
    eventfactory.register_roster(store, f"school-{round_ + 1}", "class-x", ["s1"], at=later)
    for student in ("s1", "s2", f"n{round_}"):
        for chapter in course.chapters:
            later = eventfactory.run_quiz(store, course, student, chapter, rng, later)
    eventfactory.publish_course(
        store, questions_per_chapter=4 + round_, version=1 + round_, at=later
    )


def test_projections_applied_run_by_run_equal_a_rebuild_from_all_events(
    tmp_path: Path, pg_url: str
) -> None:
    incremental = _settings(tmp_path / "incremental")
    with PostgresEventStore(pg_url) as store:
        course = eventfactory.populate(store, students=3, days=2)
        run_pipeline(incremental, pg_url, checks=False)
        for round_ in (1, 2):
            _grow(store, course, round_)
            summary = run_pipeline(incremental, pg_url, checks=False)
            assert {p.mode for p in summary.projections} <= {"incremental", "unchanged"}
        eventfactory.append_malformed(store)
        run_pipeline(incremental, pg_url, checks=False)

    clean = _settings(tmp_path / "clean")
    run_pipeline(clean, pg_url, checks=False)
    expected = table_rows(clean.warehouse_path, PROJECTION_TABLES)
    assert all(expected[t] for t in PROJECTION_TABLES)
    assert table_rows(incremental.warehouse_path, PROJECTION_TABLES) == expected

    rebuilt = run_pipeline(incremental, pg_url, rebuild=True, checks=False)
    assert {p.mode for p in rebuilt.projections} == {"rebuild"}
    assert table_rows(incremental.warehouse_path, PROJECTION_TABLES) == expected


def test_a_new_projection_file_is_backfilled_from_the_warehouse_without_postgres(
    tmp_path: Path, pg_url: str
) -> None:
    settings = _settings(tmp_path / "home")
    projections = tmp_path / "projections"
    shutil.copytree(PROJECTIONS_DIR, projections)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=4, days=2)
    run_pipeline(settings, pg_url, projections_dir=projections, checks=False)

    (projections / "wrong_answers.sql").write_text(
        "-- wrong_answers: one row per question and wrong answer, with how often it was given.\n"
        "-- Key: (question_id, answer).\n"
        "-- partition: question_id\n"
        "-- types: chapter-quiz/QuestionAnsweredIncorrectly\n"
        "select question_id, qf_normalise_answer(data -> '$.inputs') as answer, count(*) as times\n"
        "from projection_input group by all\n"
    )
    with open_warehouse(settings.warehouse_path) as con:  # no PostgreSQL involved
        results = {r.name: r.mode for r in apply_projections(con, load_projections(projections))}
        assert results["wrong_answers"] == "rebuild"
        assert results["answers"] == "unchanged"
        got = con.execute("select sum(times) from wrong_answers").fetchone()
        want = con.execute("select count(*) from answers where not correct").fetchone()
    assert got == want and got is not None and got[0] > 0


def test_changing_a_projection_file_rebuilds_that_projection_only(
    tmp_path: Path, pg_url: str
) -> None:
    settings = _settings(tmp_path / "home")
    projections = tmp_path / "projections"
    shutil.copytree(PROJECTIONS_DIR, projections)
    with PostgresEventStore(pg_url) as store:
        eventfactory.populate(store, students=2, days=1)
    run_pipeline(settings, pg_url, projections_dir=projections, checks=False)
    roster = projections / "roster.sql"
    roster.write_text(roster.read_text().replace("e.enrolled_at,", "e.enrolled_at, 1 as added,"))

    summary = run_pipeline(settings, pg_url, projections_dir=projections, checks=False)
    modes = {p.name: p.mode for p in summary.projections}
    assert modes["roster"] == "rebuild"
    assert {m for n, m in modes.items() if n != "roster"} == {"unchanged"}
    with open_published(settings.published_path) as con:
        assert con.execute("select min(added) from roster").fetchone() == (1,)


@pytest.mark.parametrize("broken", ["-- partition: stream_id\nselect 1\n", "select 1\n"])
def test_a_projection_file_without_its_header_is_refused_before_any_work(
    tmp_path: Path, broken: str
) -> None:
    projections = tmp_path / "projections"
    shutil.copytree(PROJECTIONS_DIR, projections)
    (projections / "broken.sql").write_text(broken)
    with pytest.raises(ValueError, match=r"broken\.sql"):
        load_projections(projections)
