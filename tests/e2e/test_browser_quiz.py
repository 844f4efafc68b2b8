"""A student in a real browser (Debian's chromium driven by Playwright): sign in, take a chapter
quiz, get one wrong, start over, and pass. A screenshot lands in test-artifacts/ on failure."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import quiz_stream_id

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
QUESTIONS = {q["question_id"]: q for c in COURSE["chapters"] for q in c["questions"]}
Site = Any  # the `site` fixture of tests/e2e/conftest.py

sync_api = pytest.importorskip("playwright.sync_api")
Page = sync_api.Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Launched by path: never a browser that Playwright downloads.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium "
                              "(apt-get install chromium; .ci/run installs it)"),
]


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        # A phone-sized window: the pages must work there.
        context = browser.new_context(viewport={"width": 390, "height": 800})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            report = getattr(request.node, "report_call", None)
            if report is None or report.failed:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            context.close()
            browser.close()


def answer(tab: Page, inputs: dict[str, str]) -> None:
    for index, value in enumerate(inputs.values(), start=1):
        tab.fill(f"#field-{index}", value)
    tab.click("#submit-answer")


def shown_question(tab: Page) -> str:
    text = tab.inner_text("#question-text")
    matches = [qid for qid, q in QUESTIONS.items() if q["text"] == text]
    assert len(matches) == 1, f"which question is {text!r}?"
    return matches[0]


def test_a_student_gets_one_wrong_starts_over_and_passes(site: Site, tab: Page) -> None:
    tab.goto(site.url)
    tab.fill("#user_id", "alice")
    tab.click("button[type=submit]")
    tab.click(f'a[href="/quiz/{COURSE_ID}/{CHAPTER_ID}"]')
    tab.click("#start")

    answer(tab, site.wrong(shown_question(tab)))
    assert "Not quite" in tab.inner_text("#message")
    tab.click("#start-over")
    for n in range(3):
        answer(tab, site.right(shown_question(tab)))
        assert "Correct!" in tab.inner_text("#message")
        if n < 2:
            tab.click("#next")
    assert "you passed this chapter quiz" in tab.inner_text("#message")
    assert "Streak 3 of 3" in tab.inner_text("#progress")

    types = [e.type for e in site.store.read_stream(quiz_stream_id("alice", COURSE_ID, CHAPTER_ID))]
    assert types.count("chapter-quiz/QuestionAnsweredIncorrectly") == 1
    assert types.count("chapter-quiz/QuestionAnsweredCorrectly") == 3
    assert types[-1] == "chapter-quiz/QuizPassed"
