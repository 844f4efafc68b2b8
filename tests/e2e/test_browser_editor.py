"""A content editor in a real browser (Debian's chromium driven by Playwright): sign in, open a
question from the course page, change it, preview it, fix what the check names, publish; then
a student gets the new text and, answering with the new known wrong answer, its feedback. A
screenshot lands in test-artifacts/ on failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quizflow.app.publishing import publish_course
from quizflow.quiz import course_stream_id
from tests.e2e.browser import open_tab, requires_chromium
from tests.e2e.editing_course import COURSE, SMALL_COURSE

Site = Any  # the `site` fixture of tests/e2e/conftest.py

sync_api = pytest.importorskip("playwright.sync_api")
Page = Any  # playwright.sync_api.Page

pytestmark = requires_chromium

NEW_TEXT = "Work out 7 × 8."
NEW_FEEDBACK = "7 × 8 is eight sevens: 7 × 7 = 49, and one more 7."


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    with open_tab(request, width=1280, height=900) as page:
        yield page


def sign_in(site: Site, tab: Page, user: str) -> None:
    tab.goto(f"{site.url}/signin")
    tab.fill("#username", user)
    tab.fill("#password", site.password)
    tab.click("button[type=submit]")


def test_an_editor_edits_previews_and_publishes_and_a_student_gets_the_new_text(
    site: Site, tab: Page
) -> None:
    publish_course(site.store, SMALL_COURSE)
    site.model.wait_for(site.store.head(), 20)

    sign_in(site, tab, "e-eve")
    tab.wait_for_url(f"{site.url}/editor")
    tab.click(f'a[href="/editor/courses/{COURSE}"]')
    assert "no data yet" in tab.inner_text("#no-figures")
    tab.click(f'a[href="/editor/courses/{COURSE}/questions/add-01"]')
    assert tab.input_value("#text") == "Work out 2 + 2."
    assert "version 1" in tab.inner_text("h1")

    tab.fill("#text", NEW_TEXT)
    tab.fill("#field-0-accepted", "56")
    tab.fill("#wrong-0-answer-0", "54")
    tab.fill("#wrong-0-misconception", "recalls a neighbouring fact of the 6 or 9 times table")
    tab.fill("#wrong-0-feedback", NEW_FEEDBACK)
    tab.fill("#wrong-1-answer-0", "56")  # a "wrong" answer that is the right one
    tab.fill("#wrong-1-misconception", "none")
    tab.fill("#wrong-1-feedback", "none")
    tab.click("#preview-button")
    assert tab.inner_text("#preview-text") == NEW_TEXT
    assert NEW_FEEDBACK in tab.inner_text("#preview-feedback")
    assert "is accepted as correct" in tab.inner_text("#problems")

    tab.fill("#wrong-1-answer-0", "")
    tab.fill("#wrong-1-misconception", "")
    tab.fill("#wrong-1-feedback", "")
    tab.fill("#solution", "7 × 8 = 56.")
    tab.click("#preview-button")
    assert tab.locator("#problems").count() == 0
    assert tab.inner_text("#preview-solution") == "Solution: 7 × 8 = 56."
    assert len(site.store.read_stream(course_stream_id(COURSE))) == 1  # previews append nothing

    tab.click("#publish-button")
    assert "Published" in tab.inner_text("#notice")
    assert "version 2" in tab.inner_text("h1")
    assert tab.input_value("#text") == NEW_TEXT
    assert len(site.store.read_stream(course_stream_id(COURSE))) == 2

    tab.click("button:text('Sign out')")
    sign_in(site, tab, "alice")
    tab.click(f'a[href="/quiz/{COURSE}/one"]')
    tab.click("#start")
    assert tab.inner_text("#question-text") == NEW_TEXT
    tab.fill("#field-1", "54")
    tab.click("#submit-answer")
    assert NEW_FEEDBACK in tab.inner_text("main")
