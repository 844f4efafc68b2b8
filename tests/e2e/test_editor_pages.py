"""The content editors' pages over real HTTP, as a browser without JavaScript uses them: an
editor browses a course, previews and publishes an edit (a new CoursePublished with the
question's version + 1), is told every problem of an invalid edit (nothing appended), and a
second editor publishing over the first gets a conflict, not a lost update. Only editors."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from quizflow.app.publishing import publish_course
from quizflow.quiz import course_stream_id
from tests.e2e.editing_course import COURSE, SMALL_COURSE

Site = Any  # the `site` fixture of tests/e2e/conftest.py

PAGE = f"/editor/courses/{COURSE}/questions/add-01"


@pytest.fixture
def course(site: Site) -> str:
    """A one-question course: whichever question a student gets is the edited one."""
    publish_course(site.store, SMALL_COURSE)
    site.model.wait_for(site.store.head(), 20)
    return COURSE


def signed_in(site: Site, user: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, follow_redirects=True, timeout=20)
    form = site.hidden_fields(client.get("/signin").text, "/signin")
    page = client.post("/signin", data={**form, "username": user, "password": site.password})
    assert page.status_code == 200, page.text
    return client


def text(page: httpx.Response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def edit_form(page_html: str, **changes: str) -> dict[str, str]:
    """Every input of the edit form as the page filled it in, with ``changes`` applied."""
    form = re.search(r'<form[^>]*id="edit-form"[^>]*>(.*?)</form>', page_html, re.S)
    assert form, page_html
    body = form.group(1)
    values: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            values[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, content in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', body, re.S
    ):
        values[name] = html.unescape(content)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected', options)
        values[name] = chosen.group(1) if chosen else ""
    values.update(changes)
    return values


def course_events(site: Site) -> int:
    return len(site.store.read_stream(course_stream_id(COURSE)))


def test_the_editor_home_and_course_page_list_the_questions_without_figures_yet(
    site: Site, course: str
) -> None:
    client = signed_in(site, "e-eve")
    home = client.get("/")  # an editor's home is the editor pages
    assert home.url.path == "/editor"
    assert "Editing test" in text(home)
    page = client.get(f"/editor/courses/{course}")
    assert page.status_code == 200
    assert "add-01" in page.text and "Work out 2 + 2." in text(page)
    # No pipeline has run in this test: no snapshot, and the page says so instead of failing.
    assert "no data yet" in text(page)
    sample = client.get(f"/editor/courses/{site.course_id}")
    assert sample.status_code == 200 and "frac-01" in sample.text


def test_a_known_wrong_answers_inputs_are_called_by_the_fields_labels(site: Site) -> None:
    page = signed_in(site, "e-eve").get(f"/editor/courses/{site.course_id}/questions/frac-16")
    assert page.status_code == 200
    labels = dict(re.findall(r'<label for="(wrong-0-answer-\d)">([^<]*)</label>', page.text))
    # Fields a and b, then the spare row for a new field, which has no label yet.
    assert labels == {
        "wrong-0-answer-0": "Wrong answer 1, a",
        "wrong-0-answer-1": "Wrong answer 1, b",
        "wrong-0-answer-2": "Wrong answer 1, field 3",
    }


def test_students_teachers_and_admins_are_refused_the_editor_pages(site: Site, course: str) -> None:
    before = site.event_count()
    for user in ("alice", "t-ada", "a-ann"):
        client = signed_in(site, user)
        assert client.get("/editor").status_code == 403, user
        assert client.get(PAGE).status_code == 403, user
        editor_page = signed_in(site, "e-eve").get(PAGE).text
        refused = client.post(PAGE, data=edit_form(editor_page, action="publish", text="Hacked"))
        assert refused.status_code == 403, user
    anonymous = httpx.get(site.url + PAGE)  # a page: sent to sign in
    assert anonymous.status_code == 303 and "/signin" in anonymous.headers["location"]
    assert site.event_count() == before


def test_a_preview_shows_the_draft_as_a_student_sees_it_and_appends_nothing(
    site: Site, course: str
) -> None:
    client = signed_in(site, "e-eve")
    before = site.event_count()
    page = client.get(PAGE).text
    preview = client.post(
        PAGE,
        data=edit_form(
            page,
            action="preview",
            text="Work out 3 + 3.",
            **{
                "field.0.accepted": "6",
                "wrong.0.answer.0": "7",
                "wrong.0.feedback": "Count again.",
            },
            solution="3 + 3 = 6.",
        ),
    )
    assert preview.status_code == 200
    assert re.search(r'id="preview-text">Work out 3 \+ 3\.<', preview.text)
    assert "3 + 3 = 6." in text(preview) and "Count again." in text(preview)
    assert 'id="problems"' not in preview.text
    assert site.event_count() == before


def test_an_invalid_edit_names_every_problem_and_appends_nothing(site: Site, course: str) -> None:
    client = signed_in(site, "e-eve")
    before = site.event_count()
    page = client.get(PAGE).text
    refused = client.post(
        PAGE,
        data=edit_form(
            page,
            action="publish",
            text="   ",
            **{
                "field.0.accepted": "four",  # not a number, and the field compares numbers
                "wrong.0.answer.0": "4.0",  # a wrong answer the checker accepts
                "wrong.1.answer.0": "3",  # a wrong answer without its misconception
            },
        ),
    )
    assert refused.status_code == 422
    problems = re.search(r'id="problems">(.*?)</div>', refused.text, re.S)
    assert problems, refused.text
    listed = html.unescape(problems.group(1))
    assert "text must be non-empty text" in listed
    assert "accepted answer 'four'" in listed and "not a valid number" in listed
    assert "misconception must be non-empty text" in listed
    assert site.event_count() == before
    # The draft is kept in the form, to be fixed rather than typed again.
    assert "four" in refused.text

    # Once the key is a number, the listed wrong answer 4.0 equals it: named too.
    still = client.post(
        PAGE,
        data=edit_form(
            page, action="publish", **{"field.0.accepted": "4", "wrong.0.answer.0": "4.0"}
        ),
    )
    assert still.status_code == 422
    assert "is accepted as correct" in html.unescape(still.text)
    assert site.event_count() == before


def test_publishing_an_edit_makes_a_new_question_version_for_the_next_student(
    site: Site, course: str
) -> None:
    student = site.client("alice")
    quiz = f"/api/quizzes/{course}/one"
    started = student.post(f"{quiz}/start", json={"command_id": str(uuid.uuid4())})
    assert started.status_code == 200, started.text
    assert started.json()["events"][1]["data"]["question_version"] == 1

    client = signed_in(site, "e-eve")
    page = client.get(PAGE).text
    published = client.post(
        PAGE,
        data=edit_form(
            page,
            action="publish",
            text="Work out 3 + 3.",
            **{"field.0.accepted": "6", "wrong.0.answer.0": "7"},
        ),
    )
    assert published.status_code == 200, published.text
    assert published.url.path == PAGE and "Published" in text(published)
    assert "version 2" in text(published)
    stream = site.store.read_stream(course_stream_id(COURSE))
    assert len(stream) == 2
    assert stream[-1].data["version"] == 2  # the course version + 1
    question = stream[-1].data["chapters"][0]["questions"][0]
    assert (question["text"], question["version"]) == ("Work out 3 + 3.", 2)
    assert stream[-1].metadata["user_id"] == "e-eve"

    # Alice was shown version 1: she still sees it, and is graded by it.
    view = student.get(quiz).json()
    assert view["question"]["text"] == "Work out 2 + 2."
    answered = student.post(
        f"{quiz}/answer",
        json={
            "command_id": str(uuid.uuid4()),
            "question_id": "add-01",
            "inputs": {"_INPUT_1_": "4"},
        },
    )
    event = answered.json()["events"][0]
    assert event["type"] == "chapter-quiz/QuestionAnsweredCorrectly"
    assert event["data"]["question_version"] == 1
    # Her next question (the chapter's only one) is the new version.
    following = student.post(f"{quiz}/next", json={"command_id": str(uuid.uuid4())})
    assert following.json()["events"][0]["data"]["question_version"] == 2
    assert student.get(quiz).json()["question"]["text"] == "Work out 3 + 3."

    # Bob starts after the edit: the new text straight away.
    bob = site.client("bob")
    assert bob.post(f"{quiz}/start", json={"command_id": str(uuid.uuid4())}).status_code == 200
    assert bob.get(quiz).json()["question"]["text"] == "Work out 3 + 3."


def test_the_second_of_two_editors_editing_at_once_gets_a_conflict(site: Site, course: str) -> None:
    first, second = signed_in(site, "e-eve"), signed_in(site, "e-eve")
    first_page, second_page = first.get(PAGE).text, second.get(PAGE).text
    mine = first.post(PAGE, data=edit_form(first_page, action="publish", text="Work out 2 + 3."))
    assert mine.status_code == 200, mine.text
    theirs = second.post(
        PAGE, data=edit_form(second_page, action="publish", text="Work out 2 + 5.")
    )
    assert theirs.status_code == 409
    assert "published again while you were editing" in text(theirs)
    assert "Work out 2 + 5." in theirs.text  # their draft is kept on the page
    stream = site.store.read_stream(course_stream_id(COURSE))
    assert len(stream) == 2
    assert stream[-1].data["chapters"][0]["questions"][0]["text"] == "Work out 2 + 3."
    # Reopened, the page starts from the newest publication and publishing works again.
    again = second.post(
        PAGE, data=edit_form(second.get(PAGE).text, action="publish", text="Work out 2 + 5.")
    )
    assert again.status_code == 200
    assert course_events(site) == 3


def test_a_form_without_its_token_or_publication_is_refused(site: Site, course: str) -> None:
    client = signed_in(site, "e-eve")
    before = site.event_count()
    form = edit_form(client.get(PAGE).text, action="publish", text="Work out 9 + 9.")
    assert client.post(PAGE, data={**form, "csrf": "forged"}).status_code == 403
    assert client.post(PAGE, data={**form, "based_on": "x"}).status_code == 422
    assert client.get("/editor/courses/edit-test/questions/nope").status_code == 404
    assert site.event_count() == before


def test_a_long_draft_is_previewed_not_refused_for_its_size(site: Site, course: str) -> None:
    client = signed_in(site, "e-eve")
    page = client.get(PAGE).text
    long = "Think of 2 + 2 as two steps of two. " * 110  # about 4,000 characters
    draft = edit_form(
        page,
        action="preview",
        solution=long,
        **{"wrong.0.feedback": long, "wrong.1.answer.0": "22", "wrong.1.feedback": long},
        **{"wrong.1.misconception": "writes the digits side by side"},
        **{"wrong.2.answer.0": "0", "wrong.2.misconception": "subtracts", "wrong.2.feedback": long},
    )
    assert len(urlencode(draft)) > 16 * 1024  # over the limit of the other forms
    preview = client.post(PAGE, data=draft)
    assert preview.status_code == 200
    assert 'id="problems"' not in preview.text
    huge = client.post(PAGE, data={**draft, "solution": "x" * (300 * 1024)})
    assert huge.status_code == 413
