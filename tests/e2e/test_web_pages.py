"""The HTML pages over real HTTP, as a browser without JavaScript uses them: forms and redirects."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from quizflow.content import load_course_file, sample_course_path

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
Site = Any  # the `site` fixture of tests/e2e/conftest.py

QUIZ_PAGE = f"/quiz/{COURSE_ID}/{CHAPTER_ID}"


def signed_in(site: Site, user: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, follow_redirects=True)
    form = site.hidden_fields(client.get("/signin").text, "/signin")
    page = client.post("/signin", data={**form, "username": user, "password": site.password})
    assert page.status_code == 200, page.text
    return client


def question_on(site: Site, page: str) -> tuple[str, str, dict[str, str]]:
    """The question id, its text, and the answer form's hidden fields."""
    form = site.hidden_fields(page, f"{QUIZ_PAGE}/answer")
    text = re.search(r'<p class="question-text" id="question-text">(.*?)</p>', page, re.S)
    assert text, page
    return form["question_id"], html.unescape(text.group(1)), form


def press(site: Site, client: httpx.Client, page: str, action: str) -> httpx.Response:
    form = site.hidden_fields(page, f"{QUIZ_PAGE}/{action}")
    return client.post(f"{QUIZ_PAGE}/{action}", data=form)


def test_a_student_takes_a_chapter_quiz_through_the_html_forms(site: Site) -> None:
    client = signed_in(site, "alice")
    chapters = client.get("/chapters").text
    assert f'href="{QUIZ_PAGE}"' in chapters
    page = client.get(QUIZ_PAGE).text
    page = press(site, client, page, "start").text
    question_id, text, form = question_on(site, page)
    assert text and '<label for="field-1">' in page

    inputs = {f"answer.{k}": v for k, v in site.wrong(question_id).items()}
    page = client.post(f"{QUIZ_PAGE}/answer", data={**form, **inputs})
    assert "Not quite" in page.text
    page = press(site, client, page.text, "start-over")
    for n in range(3):
        question_id, _, form = question_on(site, page.text)
        page = client.post(
            f"{QUIZ_PAGE}/answer",
            data={**form, **{f"answer.{k}": v for k, v in site.right(question_id).items()}},
        )
        assert page.status_code == 200
        if n < 2:
            assert "Correct!" in page.text
            page = press(site, client, page.text, "next")
    assert "you passed this chapter quiz" in page.text
    assert "passed" in client.get("/chapters").text


def test_submitting_the_same_answer_form_twice_answers_once(site: Site) -> None:
    client = signed_in(site, "alice")
    page = press(site, client, client.get(QUIZ_PAGE).text, "start").text
    question_id, _, form = question_on(site, page)
    data = {**form, **{f"answer.{k}": v for k, v in site.right(question_id).items()}}
    first = client.post(f"{QUIZ_PAGE}/answer", data=data)
    count = site.event_count()
    again = client.post(f"{QUIZ_PAGE}/answer", data=data)
    assert first.status_code == again.status_code == 200
    assert site.event_count() == count
    assert "That is 1 in a row" in again.text


def test_a_form_without_the_session_token_is_refused_and_appends_nothing(site: Site) -> None:
    client = signed_in(site, "alice")
    page = client.get(QUIZ_PAGE).text
    form = site.hidden_fields(page, f"{QUIZ_PAGE}/start")
    count = site.event_count()
    for token in (None, "forged-token"):
        data = {**form, "csrf": token} if token else {"command_id": form["command_id"]}
        refused = client.post(f"{QUIZ_PAGE}/start", data=data)
        assert refused.status_code == 403
        assert "reload the page" in refused.text
    assert site.event_count() == count


def test_a_wrong_step_shows_the_quiz_again_with_the_reason(site: Site) -> None:
    client = signed_in(site, "alice")
    page = press(site, client, client.get(QUIZ_PAGE).text, "start").text
    start_again = site.hidden_fields(page, f"{QUIZ_PAGE}/answer")
    refused = client.post(
        f"{QUIZ_PAGE}/start",
        data={"csrf": start_again["csrf"], "command_id": "2b1f4a52-8f0b-4a7e-9c0b-2d7c1c9d1a11"},
    )
    assert refused.status_code == 409
    assert 'id="error"' in refused.text and "in progress" in refused.text
    assert 'id="question-text"' in refused.text


def test_a_wrong_password_signs_nobody_in(site: Site) -> None:
    client = httpx.Client(base_url=site.url)
    form = site.hidden_fields(client.get("/signin").text, "/signin")
    refused = client.post("/signin", data={**form, "username": "alice", "password": "nope"})
    assert refused.status_code == 401
    assert "Wrong username or password" in refused.text
    assert client.get("/chapters").status_code == 303


def test_a_teacher_sees_their_classes_and_only_their_own_reports(site: Site) -> None:
    mine = site.reports_dir / "teacher" / "7a"
    mine.mkdir(parents=True)
    (mine / "2026-W10.html").write_text("<h1>Week 10 of 7A</h1>")
    theirs = site.reports_dir / "teacher" / "7b"
    theirs.mkdir(parents=True)
    (theirs / "2026-W10.html").write_text("<h1>7B</h1>")
    client = signed_in(site, "t-ada")
    home = client.get("/")
    assert "Class 7A" in home.text and "Class 7B" not in home.text
    listing = client.get("/teacher/classes/7a/reports")
    assert "2026-W10" in listing.text
    assert "Week 10 of 7A" in client.get("/teacher/classes/7a/reports/2026-W10.html").text
    assert client.get("/teacher/classes/7b/reports").status_code == 403
    assert client.get("/teacher/classes/7b/reports/2026-W10.html").status_code == 403
    for sneaky in ("..%2F7b%2F2026-W10.html", "%2E%2E", ".hidden"):
        assert client.get(f"/teacher/classes/7a/reports/{sneaky}").status_code == 404
    assert signed_in(site, "alice").get("/teacher/classes/7a/reports").status_code == 403


def test_pages_are_plain_html_with_labelled_inputs_and_no_script(site: Site) -> None:
    client = signed_in(site, "alice")
    page = press(site, client, client.get(QUIZ_PAGE).text, "start")
    assert "<script" not in page.text
    assert 'name="viewport"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.get("/static/style.css").status_code == 200
