"""The weekly teacher report on a small simulated class: its numbers are the named queries'.

One simulated school (12 students in one class, 7 school days from Monday 26 October 2026:
five days in 2026-W44, two in W45) goes through the real command handler into PostgreSQL, the
pipeline publishes the snapshot, and the report is written from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.reports.names import roster_names
from quizflow.reports.teacher import (
    UnknownClassError,
    render_teacher_report,
    write_all_teacher_reports,
    write_teacher_report,
)
from quizflow.reports.teacher_data import WEEK_QUERIES, load_class_week, run_named
from quizflow.reports.teacher_week import IsoWeek
from quizflow.settings import Settings, load_settings
from quizflow.simulate import SimulationConfig, Summary, simulate
from quizflow.warehouse import open_published, run_pipeline
from tests.e2e.browser import CHROMIUM, open_tab

WEEK, NEXT_WEEK = "2026-W44", "2026-W45"
CONFIG = SimulationConfig(students=12, days=7, seed=11, schools=1, workers=4)


@dataclass(frozen=True)
class Published:
    settings: Settings
    url: str
    summary: Summary
    class_id: str


@pytest.fixture(scope="module")
def published(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Published]:
    # Module-wide: simulating and publishing once keeps the tests quick; they only read it.
    name = f"{template_db}_teacher"
    url = create_database(server_url, name, template=template_db)
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUIZFLOW_HOME", str(home))
        patch.setenv("QUIZFLOW_DATABASE_URL", url)
        settings = load_settings()
        with PostgresEventStore(url) as store:
            summary = simulate(store, CONFIG)
        run_pipeline(settings, url, checks=False)
        with open_published(settings.published_path) as con:
            (class_id,) = [r["class_id"] for r in run_named(con, "teacher_classes", {})]
        yield Published(settings, url, summary, class_id)
    drop_database(server_url, name)


@pytest.fixture
def home(published: Published, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QUIZFLOW_HOME", str(published.settings.home))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", published.url)
    return published.settings.home


def embedded(path: Path) -> dict[str, Any]:
    html = path.read_text()
    match = re.search(
        r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S
    )
    assert match, "the report embeds its figures"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_a_reports_figures_are_exactly_what_the_named_queries_return(
    published: Published, home: Path, tmp_path: Path
) -> None:
    path = write_teacher_report(
        published.settings.published_path, published.class_id, WEEK, tmp_path
    )
    assert path == tmp_path / published.class_id / f"{WEEK}.html"
    data = embedded(path)
    assert data["week"] == WEEK and data["class"]["class_id"] == published.class_id
    with open_published(published.settings.published_path) as con:
        for part, query in WEEK_QUERIES.items():
            entry = data["this_week"][part]
            assert entry["query"] == query
            assert entry["params"] == {"class_id": published.class_id, "week": WEEK}
            assert entry["rows"] == run_named(con, query, entry["params"]), part
        for part, entry in data["last_week"].items():
            assert entry["params"]["week"] == "2026-W43"
            assert entry["rows"] == run_named(con, entry["query"], entry["params"]), part
    students = data["this_week"]["students"]["rows"]
    assert len(students) == CONFIG.students
    assert sum(s["answers"] for s in students) > 0
    # The totals printed in the page are the sums of those rows.
    totals = data["totals"]["this_week"]
    assert totals["answers"] == sum(s["answers"] for s in students)
    assert totals["time_on_task_ms"] == sum(s["time_on_task_ms"] for s in students)
    html = path.read_text()
    for s in students:
        assert (
            f'data-student-id="{s["student_id"]}" data-time-on-task-ms="{s["time_on_task_ms"]}"'
            f' data-answers="{s["answers"]}"'
        ) in html


def test_the_weekly_figures_add_up_to_what_the_simulator_did(
    published: Published, home: Path, tmp_path: Path
) -> None:
    # Independent of the queries: every simulated answer and pass falls in W44 or W45.
    weeks = [
        embedded(
            write_teacher_report(
                published.settings.published_path, published.class_id, week, tmp_path
            )
        )
        for week in (WEEK, NEXT_WEEK)
    ]
    students = [s for w in weeks for s in w["this_week"]["students"]["rows"]]
    assert sum(s["answers"] for s in students) == published.summary.answers
    assert sum(s["correct_answers"] for s in students) == published.summary.correct
    assert sum(s["quizzes_passed"] for s in students) == published.summary.passes
    # Who passed a chapter is the same whichever week's report says it.
    passed = [
        (c["student_id"], c["chapter_id"])
        for w in weeks
        for c in w["this_week"]["chapters"]["rows"]
        if c["status"] == "passed this week"
    ]
    assert len(passed) == len(set(passed))


def test_the_report_puts_the_things_that_need_action_first_in_plain_words(
    published: Published, home: Path, tmp_path: Path
) -> None:
    html = write_teacher_report(
        published.settings.published_path, published.class_id, WEEK, tmp_path
    ).read_text()
    sections = [m for m in re.findall(r'<section id="([a-z]+)"', html)]
    assert sections[0] == "attention"
    assert sections[1:] == ["change", "chapters", "struggling", "time", "questions", "howto"]
    assert html.count("<svg") >= 3  # progress, time on task, hardest questions
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    ), "the page must not fetch anything"
    assert "@page { size: A4" in html


def test_every_class_gets_its_report_under_quizflow_home_by_default(
    published: Published, home: Path
) -> None:
    paths = write_all_teacher_reports(published.settings.published_path, WEEK)
    assert paths == [home / "reports" / "teacher" / published.class_id / f"{WEEK}.html"]
    # Written again, it replaces the file in place (the web app may be serving it).
    assert write_all_teacher_reports(published.settings.published_path, WEEK) == paths
    assert sorted(p.name for p in paths[0].parent.iterdir()) == [f"{WEEK}.html"]


def test_a_week_without_practice_still_gives_a_report_that_says_so(
    published: Published, home: Path, tmp_path: Path
) -> None:
    path = write_teacher_report(
        published.settings.published_path, published.class_id, "2026-W40", tmp_path
    )
    html = path.read_text()
    assert "Nobody in the class practised this week." in html
    assert "Nobody in this class has started a chapter quiz yet." in html
    assert all(s["answers"] == 0 for s in embedded(path)["this_week"]["students"]["rows"])


def test_an_unknown_class_is_refused_with_the_classes_that_exist(
    published: Published, home: Path, tmp_path: Path
) -> None:
    with pytest.raises(UnknownClassError, match=published.class_id):
        write_teacher_report(published.settings.published_path, "no-such-class", WEEK, tmp_path)
    assert not tmp_path.joinpath("no-such-class").exists()


def test_the_cli_writes_the_report_and_explains_bad_input(
    published: Published, home: Path, tmp_path: Path
) -> None:
    from quizflow.cli import app

    runner = CliRunner()
    ok = runner.invoke(
        app,
        [
            "report",
            "teacher",
            "--class",
            published.class_id,
            "--week",
            WEEK,
            "--out",
            str(tmp_path),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.strip() == str(tmp_path / published.class_id / f"{WEEK}.html")

    every = runner.invoke(app, ["report", "teacher", "--all", "--week", WEEK])
    assert every.exit_code == 0, every.output
    assert every.stdout.strip().endswith(f"{published.class_id}/{WEEK}.html")

    unknown = runner.invoke(app, ["report", "teacher", "--class", "nope", "--week", WEEK])
    assert unknown.exit_code == 2
    assert "unknown class 'nope'" in unknown.output and published.class_id in unknown.output

    bad_week = runner.invoke(
        app, ["report", "teacher", "--class", published.class_id, "--week", "2026-48"]
    )
    assert bad_week.exit_code == 2
    assert "not an ISO week" in bad_week.output and "2026-W48" in bad_week.output

    neither = runner.invoke(app, ["report", "teacher", "--week", WEEK])
    assert neither.exit_code == 2 and "--class ID or --all" in neither.output


def test_names_come_from_the_key_store_at_report_time_not_from_the_snapshot(
    published: Published, home: Path, tmp_path: Path
) -> None:
    with PostgresEventStore(published.url) as store:
        names = roster_names(store)
    with open_published(published.settings.published_path) as con:
        in_class = [
            r[0]
            for r in con.execute(
                "select student_id from roster where class_id = ?", [published.class_id]
            ).fetchall()
        ]
        named_in_snapshot = con.execute(
            "select count(*) from roster where student_name is not null or teacher_name is not null"
        ).fetchone()
    assert named_in_snapshot == (0,)
    html = write_teacher_report(
        published.settings.published_path, published.class_id, WEEK, tmp_path, names
    ).read_text()
    assert in_class and all(names[s] in html for s in in_class)
    without = write_teacher_report(
        published.settings.published_path, published.class_id, WEEK, tmp_path / "plain"
    ).read_text()
    assert not any(names[s] in without for s in in_class)


# Every table cell but a student's answer is at least as wide as its longest word: a cell
# squeezed narrower breaks words letter by letter, unreadable.
_SQUEEZED_CELLS = """() => {
  const squeezed = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.classList.contains('answer') || !cell.innerText.trim()) continue;
    const style = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    // Lines may break at spaces and after hyphens (a pseudonym "p-0880ce..." does).
    for (const word of cell.innerText.split(/\\s+|(?<=-)/).filter(Boolean)) {
      const probe = document.createElement('span');
      probe.style.cssText = 'position: absolute; visibility: hidden; white-space: nowrap';
      probe.textContent = word;
      cell.appendChild(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      if (width > room + 0.5) squeezed.push(`${word}: ${width} px in ${room}`);
    }
  }
  return squeezed;
}"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (.ci/run installs it)")
def test_on_a_phone_the_report_fits_and_no_word_is_broken_even_with_a_500_character_answer(
    published: Published, home: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with open_published(published.settings.published_path) as con:
        data = load_class_week(con, published.class_id, IsoWeek.parse(WEEK))
    wrong = data.this_week["wrong_answers"]
    assert wrong, "the simulated week must have wrong answers to show"
    long_answer = "7" * 500
    wrong = [{**wrong[0], "answer": long_answer, "answer_display": long_answer}, *wrong[1:]]
    page = tmp_path / "report.html"
    shown = replace(data, this_week={**data.this_week, "wrong_answers": wrong})
    page.write_text(render_teacher_report(shown))

    with open_tab(request, width=375, height=800) as tab:
        tab.goto(page.as_uri())
        assert tab.locator("td.answer").count() > 0
        assert tab.evaluate("document.documentElement.scrollWidth") <= 375
        assert tab.evaluate(_SQUEEZED_CELLS) == []
