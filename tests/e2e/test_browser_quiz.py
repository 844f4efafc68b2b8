"""A student in a real browser (Debian's chromium driven by Playwright): sign in, take a chapter
quiz, get one wrong, start over, and pass. A screenshot lands in test-artifacts/ on failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import Field, quiz_stream_id
from quizflow.quiz.display import display_answer
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
    assert tab.locator("#progress .mark.done").count() == 3
    # The pass screen offers the next chapter, and the keyboard is already on it.
    next_chapter = COURSE["chapters"][1]
    assert next_chapter["title"] in tab.inner_text("#next-chapter")
    assert focused_id(tab) == "next-chapter"

    tab.click("#passed a[href='/attempts']")
    attempt = tab.locator(f"#attempt-{CHAPTER_ID}-1")
    assert "passed" in attempt.inner_text()
    assert attempt.locator("td.wrong").count() == 1 and attempt.locator("td.right").count() == 3

    types = [e.type for e in site.store.read_stream(quiz_stream_id("alice", COURSE_ID, CHAPTER_ID))]
    assert types.count("chapter-quiz/QuestionAnsweredIncorrectly") == 1
    assert types.count("chapter-quiz/QuestionAnsweredCorrectly") == 3
    assert types[-1] == "chapter-quiz/QuizPassed"


def sign_in_and_start(site: Site, tab: Page, user: str = "alice") -> None:
    tab.goto(site.url)
    tab.fill("#username", user)
    tab.fill("#password", site.password)
    tab.click("button[type=submit]")
    tab.click(f'a[href="/quiz/{COURSE_ID}/{CHAPTER_ID}"]')
    tab.click("#start")


def focused_id(tab: Page) -> str:
    return str(tab.evaluate("document.activeElement && document.activeElement.id"))


def test_a_wrong_answer_shows_the_question_the_answer_its_feedback_and_the_solution(
    site: Site, tab: Page
) -> None:
    sign_in_and_start(site, tab)
    question_id = shown_question(tab)
    question = QUESTIONS[question_id]
    wrong = question["wrong_answers"][0]
    answer(tab, wrong["answer"])

    assert "Not quite" in tab.inner_text("#message")
    assert tab.inner_text("#answered-question") == question["text"]
    fields = [Field(f["name"], f["label"]) for f in question["fields"]]
    assert tab.inner_text("#your-answer") == display_answer(wrong["answer"], fields)
    assert "_INPUT_" not in tab.inner_text("#answered")
    assert tab.inner_text("#feedback") == wrong["feedback"]
    assert tab.inner_text("#solution") == question["solution"]
    # The keyboard goes on from here: Enter starts over.
    assert focused_id(tab) == "start-over"
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#submit-answer")
    assert focused_id(tab) == "field-1"


def test_abc_is_refused_with_a_hint_and_the_streak_is_kept(site: Site, tab: Page) -> None:
    sign_in_and_start(site, tab)
    answer(tab, site.right(shown_question(tab)))
    assert tab.locator("#progress .mark.done").count() == 1
    assert focused_id(tab) == "next"
    tab.click("#next")
    question_id = shown_question(tab)

    answer(tab, dict.fromkeys(QUESTIONS[question_id]["accepted"], "abc"))
    assert "could not be read" in tab.inner_text("#error")
    assert tab.locator(".field-hint").count() == len(QUESTIONS[question_id]["fields"])
    assert "Streak 1 of 3" in tab.inner_text("#progress")
    assert tab.locator("#progress .mark.done").count() == 1
    assert shown_question(tab) == question_id  # the same question waits
    assert tab.input_value("#field-1") == "abc" and focused_id(tab) == "field-1"

    answer(tab, site.right(question_id))
    assert "Correct! That is 2 in a row" in tab.inner_text("#message")
    types = [e.type for e in site.store.read_stream(quiz_stream_id("alice", COURSE_ID, CHAPTER_ID))]
    assert types.count("chapter-quiz/UnreadableAnswerRefused") == 1
    assert types.count("chapter-quiz/QuestionAnsweredIncorrectly") == 0
    assert types.count("chapter-quiz/QuestionAnsweredCorrectly") == 2
