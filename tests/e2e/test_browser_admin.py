"""A school administrator in a real browser (Debian's chromium driven by Playwright): sign in,
import a roster file, issue the new class's codes and print the cards on A4. A screenshot lands
in test-artifacts/ on failure."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from quizflow.accounts.roster_import import school_student_id
from tests.e2e.browser import ARTIFACTS, open_tab, requires_chromium

Site = Any  # the `site` fixture of tests/e2e/conftest.py

sync_api = pytest.importorskip("playwright.sync_api")
Page = Any  # playwright.sync_api.Page

pytestmark = requires_chromium

NAMES = [
    "Anna de Vries",
    "Bram Bakker",
    "Chris Jansen",
    "Daan Visser",
    "Eva Smit",
    "Fenna Mulder",
    "Gijs de Boer",
    "Hanna Bos",
    "Isa Dekker",
]
ROSTER = "leerlingnummer;naam;klas\n" + "".join(
    f"{2001 + n};{name};8C\n" for n, name in enumerate(NAMES)
)


@pytest.fixture
def tab(request: pytest.FixtureRequest) -> Iterator[Page]:
    # A laptop's window: the school office prints from one.
    with open_tab(request, width=1280, height=900) as page:
        yield page


def test_an_admin_imports_a_roster_and_prints_the_class_codes(site: Site, tab: Page) -> None:
    tab.goto(f"{site.url}/signin")
    tab.fill("#username", "a-ann")
    tab.fill("#password", site.password)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{site.url}/admin")
    assert tab.inner_text("h1") == "Hill School"

    tab.click('a[href="/admin/import"]')
    tab.set_input_files(
        "#file", files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": ROSTER.encode()}]
    )
    tab.click("#import-form button[type=submit]")
    assert tab.inner_text("#created") == str(len(NAMES))
    assert tab.inner_text("#classes-created") == "1"
    usernames = tab.locator("#new-students td.mono").all_inner_texts()
    assert usernames[:2] == ["anna.devries", "bram.bakker"]

    tab.click('a[href="/admin"]')
    tab.click("#classes a:text('8C')")
    assert tab.inner_text("h1") == "8C"
    assert tab.locator("#students tbody tr").count() == len(NAMES)
    tab.click("#issue-codes button[type=submit]")

    cards = tab.locator(".code-card")
    assert cards.count() == len(NAMES)
    assert cards.first.is_visible() and cards.last.is_visible()
    first = cards.first.inner_text()
    assert "Anna de Vries" in first and "anna.devries" in first and "Hill School" in first
    assert re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}", tab.inner_text(".card-code >> nth=0"))
    assert f"{site.url}/activate" in first
    assert tab.locator("#sheet-notice").is_visible()
    # The stylesheet applied (the CSP lets only /static in): two cards side by side.
    boxes = [cards.nth(i).bounding_box() for i in (0, 1)]
    assert boxes[0] and boxes[1] and boxes[0]["y"] == boxes[1]["y"]

    tab.emulate_media(media="print")
    assert not tab.locator("#sheet-notice").is_visible()
    pdf = tab.pdf(prefer_css_page_size=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "admin-code-sheet.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) == 2  # eight cards to an A4 page, none split between pages
    sizes = {
        tuple(round(float(n)) for n in box.split()[2:4])
        for box in re.findall(rb"/MediaBox\s*\[([^\]]+)\]", pdf)
    }
    assert sizes == {(595, 842)}, sizes  # A4 in points

    # The cards are for the students the file named.
    assert site.model.student(school_student_id(site.store, "hill", "2001")).name == "Anna de Vries"
