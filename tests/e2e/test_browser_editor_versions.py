"""An edited question's figures before and after the edit, in a real browser (Debian's chromium
driven by Playwright): students answer version 1 through the command handler, an editor edits
and publishes the question on its page, a few students answer version 2 and the pipeline
publishes a snapshot (the editor page and the hard-questions report say there are too few
answers since the edit to tell), then many more do and both show the two versions side by
side with a verdict; the report's link opens the question's edit page."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from quizflow.app.handler import CommandHandler
from quizflow.app.publishing import publish_course
from quizflow.quiz import NextQuestion, StartOver, StartQuiz, SubmitAnswer
from quizflow.reports.hard_questions import write_hard_questions_report
from quizflow.settings import load_settings
from tests.e2e.browser import open_tab, requires_chromium
from tests.integration.eventfactory import run_until_caught_up

Site = Any  # the `site` fixture of tests/e2e/conftest.py
Page = Any  # playwright.sync_api.Page

pytest.importorskip("playwright.sync_api")
pytestmark = [*requires_chromium, pytest.mark.slow]

COURSE = "times-ui"
CHAPTER = "times"
# question id: (text, right answer, its known wrong answer, how often students get it right)
QUESTIONS = {
    "t-1": ("Work out 6 × 7.", "42", "48", 0.3),
    "t-2": ("Work out 9 × 9.", "81", "18", 0.6),
    "t-3": ("Work out 3 × 4.", "12", "7", 0.9),
}
EDITED_TEXT = "Work out 6 × 6."
EDITED_KEY = "36"
QUESTION_PAGE = f"/editor/courses/{COURSE}/questions/t-1"


def course_data() -> dict[str, Any]:
    return {
        "course_id": COURSE,
        "title": "Times tables",
        "version": 1,
        "chapters": [
            {
                "chapter_id": CHAPTER,
                "title": "Times",
                "questions": [
                    {
                        "question_id": qid,
                        "text": text,
                        "fields": [{"name": "_INPUT_1_", "label": "answer"}],
                        "accepted": {"_INPUT_1_": [right]},
                        "equivalence": {"_INPUT_1_": "number"},
                        "solution": f"{text[9:-1]} = {right}.",
                        "wrong_answers": [
                            {
                                "answer": {"_INPUT_1_": wrong},
                                "misconception": "a slip",
                                "feedback": "Count again.",
                            }
                        ],
                    }
                    for qid, (text, right, wrong, _) in QUESTIONS.items()
                ],
            }
        ],
    }


@pytest.fixture
def snapshot_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_url: str) -> Path:
    """The site's editor pages read the snapshot the pipeline publishes in this home."""
    monkeypatch.setenv("QUIZFLOW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QUIZFLOW_DATABASE_URL", pg_url)
    monkeypatch.delenv("QUIZFLOW_WAREHOUSE", raising=False)
    return load_settings().published_path


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    with open_tab(request, width=1280, height=900) as page:
        yield page


def practise(site: Site, students: range, right: dict[str, str], seed: int) -> int:
    """Each student answers until they pass (or gives up), right as often as the question
    allows; a fresh handler, so it reads the course as now published. Returns how many of
    them answered the edited question."""
    handler = CommandHandler(site.store)
    rng = random.Random(seed)
    answered_it: set[int] = set()
    for n in students:
        ids = (f"s{n:03d}", COURSE, CHAPTER)
        result = handler.handle(StartQuiz(*ids))
        for _ in range(40):
            qid = result.state.question_id
            assert qid is not None
            given = right[qid] if rng.random() < QUESTIONS[qid][3] else QUESTIONS[qid][2]
            result = handler.handle(SubmitAnswer(*ids, qid, {"_INPUT_1_": given}))
            if qid == "t-1":
                answered_it.add(n)
            status = str(result.state.status)
            if status == "passed":
                break
            command = NextQuestion(*ids) if status == "answered-correctly" else StartOver(*ids)
            result = handler.handle(command, command_id=uuid.uuid4())
    return len(answered_it)


def publish_snapshot(site: Site, pg_url: str) -> dict[int, int]:
    """Run the pipeline until it holds every event; the edited question's answers per
    version in the published snapshot."""
    settings = load_settings()
    # Not up to store.head(): an open transaction elsewhere on the shared server holds head()
    # back, and the snapshot would miss the last answers.
    run_until_caught_up(settings, pg_url)
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        rows = con.execute(
            "select question_version, count(*) from answers where question_id = 't-1' group by all"
        ).fetchall()
    return {int(version): int(count) for version, count in rows}


def versions_table(tab: Page, rows: str = "#versions tbody tr") -> list[list[str]]:
    return [
        [cell.strip() for cell in row.split("\t")] for row in tab.locator(rows).all_inner_texts()
    ]


def open_report(site: Site, tab: Page, path: Path) -> Any:
    """The hard-questions report as an editor opens it; the edited question's section."""
    write_hard_questions_report(
        load_settings().published_path, path, min_answers=1, editor_url=site.url
    )
    tab.goto(path.as_uri())
    return tab.locator("section, article", has_text=EDITED_TEXT).last


def test_the_editor_sees_the_edited_question_before_and_after(
    site: Site, tab: Page, pg_url: str, tmp_path: Path
) -> None:
    publish_course(site.store, course_data())
    right = {qid: q[1] for qid, q in QUESTIONS.items()}
    practise(site, range(40), right, seed=1)

    tab.goto(f"{site.url}/signin")
    tab.fill("#username", "e-eve")
    tab.fill("#password", site.password)
    tab.click("button[type=submit]")
    tab.goto(site.url + QUESTION_PAGE)
    assert "no data yet" in tab.inner_text("#figures")  # no pipeline run so far
    tab.fill("#text", EDITED_TEXT)
    tab.fill("#field-0-accepted", EDITED_KEY)
    tab.fill("#solution", "6 × 6 = 36.")
    tab.click("#publish-button")
    assert "Published" in tab.inner_text("#notice")
    assert "version 2" in tab.inner_text("h1")

    # One student on the new version: the pipeline has it, too few to tell yet.
    right["t-1"] = EDITED_KEY
    student = 40
    while not practise(site, range(student, student + 1), right, seed=student):
        student += 1  # passed without meeting the edited question: the next student
        assert student < 60, "no student met the edited question"
    counts = publish_snapshot(site, pg_url)
    assert set(counts) == {1, 2} and counts[2] < 20
    tab.goto(site.url + QUESTION_PAGE)
    caption = tab.inner_text("#versions caption")
    assert "too few answers since the edit to tell" in caption
    assert "(1 student since the edit, 20 needed)" in caption
    rows = versions_table(tab)
    assert [row[:2] for row in rows] == [["1", str(counts[1])], ["2", str(counts[2])]]
    assert "Version 2 has no answers" not in tab.inner_text("#figures")
    report = open_report(site, tab, tmp_path / "hard-questions-1.html")
    versions_caption = report.locator("table.versions").inner_text()
    assert "Too few answers since the edit to tell" in versions_caption
    assert "(1 student has answered it since the edit; 20 are needed)" in versions_caption
    assert [row[:2] for row in versions_table(tab, "table.versions tbody tr")] == [
        ["1", str(counts[1])],
        ["2", str(counts[2])],
    ]

    practise(site, range(student + 1, student + 50), right, seed=3)
    counts = publish_snapshot(site, pg_url)
    tab.goto(site.url + QUESTION_PAGE)
    caption = tab.inner_text("#versions caption")
    assert "too few" not in caption
    assert re.search(r"Before and after the edit: (harder|easier|no clear change)\.", caption)
    rows = versions_table(tab)
    assert [row[:2] for row in rows] == [["1", str(counts[1])], ["2", str(counts[2])]]
    for row in rows:  # right the first time, and the difficulty with its standard error
        assert re.fullmatch(r"\d+%", row[2]) and re.fullmatch(r"[+-]\d\.\d\d ± \d\.\d\d", row[3])
    assert tab.inner_text("#figures").startswith("How students do")
    assert f"{counts[2]} answers" in tab.inner_text("#figures")  # the figures are version 2's

    # The course page says which version its figures are and that the question was edited.
    tab.goto(f"{site.url}/editor/courses/{COURSE}")
    row = tab.locator("tr", has_text=EDITED_TEXT).inner_text()
    assert "(version 2; edited:" in row

    # The report shows the same, and its link opens the question's edit page.
    report = open_report(site, tab, tmp_path / "hard-questions-2.html")
    caption = report.locator("table.versions caption").inner_text()
    assert re.search(r"(Harder|Easier|No clear change)\.", caption) and "Too few" not in caption
    shown = versions_table(tab, "table.versions tbody tr")
    assert [row[:2] for row in shown] == [["1", str(counts[1])], ["2", str(counts[2])]]
    for row in shown:
        assert re.fullmatch(r"\d+%", row[2]) and re.fullmatch(r"[+-]\d\.\d\d ± \d\.\d\d", row[3])
    report.locator("a.edit-link").click()
    tab.wait_for_url(site.url + QUESTION_PAGE)
    assert "version 2" in tab.inner_text("h1") and tab.input_value("#text") == EDITED_TEXT
