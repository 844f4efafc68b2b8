"""A teacher report in a real browser (Debian's chromium driven by Playwright): the inline SVG
charts are drawn with marks and a size, nothing is fetched, and the page prints to A4.
A screenshot lands in test-artifacts/ on failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quizflow.eventstore.admin import create_database, drop_database
from quizflow.eventstore.postgres import PostgresEventStore
from quizflow.reports.teacher import write_teacher_report
from quizflow.reports.teacher_data import run_named
from quizflow.settings import load_settings
from quizflow.simulate import SimulationConfig, simulate
from quizflow.warehouse import open_published, run_pipeline
from tests.e2e.browser import open_tab, requires_chromium

sync_api = pytest.importorskip("playwright.sync_api")
Page = sync_api.Page

CHARTS = ["#chart-progress", "#chart-time", "#chart-questions"]

pytestmark = requires_chromium


@pytest.fixture(scope="module")
def report(
    server_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    # One simulated class, published once for both tests (they only read the file).
    name = f"{template_db}_browser_report"
    url = create_database(server_url, name, template=template_db)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QUIZFLOW_HOME", str(tmp_path_factory.mktemp("home")))
        patch.setenv("QUIZFLOW_DATABASE_URL", url)
        settings = load_settings()
        with PostgresEventStore(url) as store:
            simulate(store, SimulationConfig(students=10, days=5, seed=4, schools=1, workers=4))
        run_pipeline(settings, url, checks=False)
        with open_published(settings.published_path) as con:
            class_id = run_named(con, "teacher_classes", {})[0]["class_id"]
        yield write_teacher_report(settings.published_path, class_id, "2026-W44")
    drop_database(server_url, name)


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Any]:
    with open_tab(request, width=900, height=1200) as page:
        yield page


def test_the_report_draws_its_charts_with_marks_and_fetches_nothing(report: Path, tab: Any) -> None:
    requested: list[str] = []
    tab.on("request", lambda r: requested.append(r.url))
    tab.goto(report.as_uri())
    assert "week 44" in tab.title()
    for selector in CHARTS:
        svg = tab.locator(f"{selector} svg")
        assert svg.count() == 1, selector
        box = svg.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 50, (selector, box)
        # Vega draws data as paths inside groups of role "mark"; each must have a real size.
        marks = tab.locator(f"{selector} svg g.role-mark > path")
        assert marks.count() > 0, f"{selector}: no marks drawn"
        sizes = marks.evaluate_all(
            "els => els.map(e => { const b = e.getBBox(); return b.width * b.height; })"
        )
        assert any(size > 0 for size in sizes), f"{selector}: marks have no area"
    # The progress grid has one cell per student and chapter.
    data = tab.evaluate("JSON.parse(document.getElementById('report-data').textContent)")
    cells = tab.locator("#chart-progress svg g.role-mark > path").count()
    assert cells == len(data["this_week"]["chapters"]["rows"])
    assert requested == [report.as_uri()], "a report must be self-contained"


def test_the_report_prints_on_a4_with_the_actions_on_the_first_page(
    report: Path, tab: Any, tmp_path: Path
) -> None:
    tab.goto(report.as_uri())
    tab.emulate_media(media="print")
    first = tab.locator("#attention").bounding_box()
    assert first is not None and first["y"] < 300  # right under the title
    pdf = tab.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 8, pages
