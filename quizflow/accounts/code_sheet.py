"""The printable sheet of activation codes: one card per person, eight to an A4 page, to cut
apart and hand out (school, class, name, username, code, expiry, where to go and what to do).

The admin pages render the template with the stylesheet linked (the pages' content security
policy allows no inline style); ``quizflow accounts codes --html`` writes a file of its own with
the stylesheet embedded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from quizflow.accounts import admin
from quizflow.eventstore import EventStore
from quizflow.quiz import account_stream_id

_WEB = Path(__file__).resolve().parents[1] / "app" / "web"
TEMPLATES = _WEB / "templates"
TEMPLATE = "code_sheet.html"
STYLESHEET = _WEB / "static" / "code_sheet.css"
NO_ADDRESS = "the Quizflow address your school gives you, then “Activate”"


@dataclass(frozen=True)
class Card:
    school: str
    class_name: str
    name: str
    username: str
    code: str
    expires: str


def signin_address(base_url: str | None) -> str:
    """Where a card sends its holder: the activation page of the site."""
    if not base_url:
        return NO_ADDRESS
    return base_url.rstrip("/") + "/activate"


def cards_of(
    rows: Iterable[Mapping[str, str]], school: str, class_names: Mapping[str, str]
) -> list[Card]:
    """Cards for the rows ``admin.issue_codes`` returns, all of one school."""
    return [
        Card(
            school,
            class_names.get(row["class_id"], row["class_id"]),
            row["name"],
            row["username"],
            row["code"],
            row["expires"],
        )
        for row in sorted(rows, key=_order(class_names))
    ]


def cards_from_store(store: EventStore, rows: Iterable[Mapping[str, str]]) -> list[Card]:
    """Cards for ``admin.issue_codes`` rows of any schools, names read from the rosters."""
    rows = list(rows)
    school_of_class = {
        class_id: school
        for school, classes in admin.registered_schools(store).items()
        for class_id in classes
    }
    rosters: dict[str, admin.SchoolRoster] = {}

    def roster(school_id: str) -> admin.SchoolRoster:
        if school_id not in rosters:
            rosters[school_id] = admin.school_roster(store, school_id)
        return rosters[school_id]

    cards = []
    for row in rows:
        school_id = school_of_class.get(row["class_id"]) or _school_of_account(
            store, row["account_id"]
        )
        found = roster(school_id) if school_id else None
        school_class = found.classes.get(row["class_id"]) if found else None
        cards.append(
            Card(
                (found.name if found else None) or school_id,
                school_class.name if school_class else row["class_id"],
                row["name"],
                row["username"],
                row["code"],
                row["expires"],
            )
        )
    return sorted(cards, key=lambda c: (c.school, c.class_name, c.name.casefold()))


def _school_of_account(store: EventStore, account_id: str) -> str:
    for recorded in store.read_stream(account_stream_id(account_id)):
        if recorded.type == "accounts/AccountCreated":
            return str(recorded.data.get("school_id", ""))
    return ""


def _order(class_names: Mapping[str, str]) -> Callable[[Mapping[str, str]], tuple[str, str]]:
    return lambda row: (class_names.get(row["class_id"], row["class_id"]), row["name"].casefold())


def render_standalone(cards: list[Card], signin_url: str, title: str) -> str:
    """A complete HTML file with its stylesheet embedded, to open and print anywhere."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    return environment.get_template(TEMPLATE).render(
        cards=cards,
        signin_url=signin_url,
        title=title,
        back=None,
        css=STYLESHEET.read_text(encoding="utf-8"),
    )
