"""A student in a real browser (Debian's chromium driven by Playwright): sign in, take a chapter
quiz, get one wrong, start over, and pass. A screenshot lands in test-artifacts/ on failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import quiz_stream_id
from tests.e2e.browser import open_tab, requires_chromium

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
QUESTIONS = {q["question_id"]: q for c in COURSE["chapters"] for q in c["questions"]}
Site = Any  # the `site` fixture of tests/e2e/conftest.py

sync_api = pytest.importorskip("playwright.sync_api")
Page = sync_api.Page


pytestmark = requires_chromium


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    # A phone-sized window: the pages must work there.
    with open_tab(request, width=390, height=800) as page:
        yield page


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
    tab.fill("#username", "alice")
    tab.fill("#password", site.password)
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
