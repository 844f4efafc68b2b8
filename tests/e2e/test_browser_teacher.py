"""A teacher in a real browser (Debian's chromium driven by Playwright) on a phone-sized
screen: sign in, open her class, open a student and see the mistake among the recent answers.
A screenshot lands in test-artifacts/ on failure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.browser import open_tab, requires_chromium
from tests.e2e.test_teacher_pages import one_wrong_then_one_right

Site = Any  # the `site` fixture of tests/e2e/conftest.py

pytest.importorskip("playwright.sync_api")
Page = Any  # playwright.sync_api.Page

pytestmark = requires_chromium
PHONE = 375


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    # The narrowest phone the pages are made for: tables scroll inside their card.
    with open_tab(request, width=PHONE, height=800) as page:
        yield page


def fits_the_screen(tab: Page) -> bool:
    width: int = tab.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE


def test_a_teacher_opens_her_class_then_a_student_and_sees_the_mistake(
    site: Site, tab: Page
) -> None:
    wrong, right = one_wrong_then_one_right(site)

    tab.goto(f"{site.url}/signin")
    tab.fill("#username", "t-ada")
    tab.fill("#password", site.password)
    tab.click("button[type=submit]")
    tab.click('a[href="/teacher/classes/7a"]')
    assert tab.inner_text("h1") == "Class 7A"
    assert fits_the_screen(tab)

    tab.click('a[href="/teacher/students/alice"]')
    assert tab.inner_text("h1") == "Alice"
    mistake = tab.locator("#recent-answers tr.mistake")
    assert mistake.count() == 1
    row = mistake.inner_text()
    assert site.questions[wrong]["text"] in row
    assert all(value in row for value in site.wrong(wrong).values())
    assert "wrong" in row
    assert site.questions[right]["text"] in tab.inner_text("#recent-answers tr.right")
    # The mistake stands out: its row has a background of its own.
    colours = [
        tab.locator(f"#recent-answers tr.{kind}").evaluate(
            "row => getComputedStyle(row).backgroundColor"
        )
        for kind in ("mistake", "right")
    ]
    assert colours[0] != colours[1]
    assert fits_the_screen(tab)
