"""The teacher's pages over real HTTP: their classes, a class's progress, and a page per student
with recent answers and mistakes; only for the teacher's own classes."""

from __future__ import annotations

import html
import re
import time
import uuid
from typing import Any

import httpx
import pytest

from quizflow.quiz import Field
from quizflow.quiz.display import display_answer

Site = Any  # the `site` fixture of tests/e2e/conftest.py


def _command(client: httpx.Client, site: Site, action: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/api/quizzes/{site.course_id}/{site.chapter_id}/{action}",
        json={"command_id": str(uuid.uuid4()), **body},
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def _question(client: httpx.Client, site: Site) -> str:
    quiz = client.get(f"/api/quizzes/{site.course_id}/{site.chapter_id}").json()
    question_id: str = quiz["question"]["question_id"]
    return question_id


def one_wrong_then_one_right(site: Site, student: str = "alice") -> tuple[str, str]:
    """The student answers one question wrong, starts over and answers one right, through the
    API; the question ids, wrong one first, once the server's read model shows both."""
    client = site.client(student)
    _command(client, site, "start")
    wrong = _question(client, site)
    _command(client, site, "answer", question_id=wrong, inputs=site.wrong(wrong))
    _command(client, site, "start-over")
    right = _question(client, site)
    _command(client, site, "answer", question_id=right, inputs=site.right(right))
    deadline = time.monotonic() + 20
    while len(site.model.recent_answers(student)) < 2:
        assert time.monotonic() < deadline, "the read model does not show the answers"
        time.sleep(0.02)
    return wrong, right


def test_a_teacher_sees_a_students_recent_answers_and_mistakes(site: Site) -> None:
    wrong, right = one_wrong_then_one_right(site)
    teacher = site.client("t-ada")

    page = teacher.get("/teacher/students/alice")
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    for question_id, inputs in ((wrong, site.wrong(wrong)), (right, site.right(right))):
        assert site.questions[question_id]["text"] in text
        assert all(value in text for value in inputs.values())
    labels = {f["label"] for q in (wrong, right) for f in site.questions[q]["fields"]}
    assert all(label in text for label in labels)
    assert "_INPUT_" not in text
    assert page.text.count('<tr class="mistake">') == 1
    assert page.text.count('<tr class="right">') == 1
    assert "✗ wrong" in text and "✓ right" in text
    assert "<script" not in page.text and "<style" not in page.text and "style=" not in page.text

    document = teacher.get("/api/teacher/students/alice").json()
    assert (document["student_id"], document["class_id"]) == ("alice", "7a")
    newest, older = document["recent_answers"]
    assert (newest["question_id"], newest["correct"]) == (right, True)
    assert (older["question_id"], older["correct"]) == (wrong, False)
    assert older["question_text"] == site.questions[wrong]["text"]
    assert {f["value"] for f in older["answer"]} == set(site.wrong(wrong).values())
    assert {f["label"] for f in older["answer"]} <= labels
    fields = [Field(f["name"], f["label"]) for f in site.questions[wrong]["fields"]]
    assert older["answer_display"] == display_answer(site.wrong(wrong), fields)
    assert older["answer_display"] in text
    assert newest["time"] >= older["time"]
    chapter = next(
        c
        for course in document["courses"]
        for c in course["chapters"]
        if c["chapter_id"] == site.chapter_id
    )
    assert (chapter["progress"], chapter["answers"], chapter["mistakes"]) == ("in-progress", 2, 1)
    assert (document["answers"], document["mistakes"]) == (2, 1)


def test_a_teacher_sees_their_classes_and_each_students_progress(site: Site) -> None:
    one_wrong_then_one_right(site)
    teacher = site.client("t-ada")
    home = teacher.get("/teacher").text
    assert 'href="/teacher/classes/7a"' in home and "/teacher/classes/7b" not in home
    assert 'href="/teacher/classes/7a/reports"' in home

    page = teacher.get("/teacher/classes/7a")
    assert page.status_code == 200, page.text
    assert 'href="/teacher/students/alice"' in page.text
    assert 'href="/teacher/students/bob"' in page.text
    assert "/teacher/students/carol" not in page.text
    text = html.unescape(page.text)
    assert "in progress" in text and "not started" in text
    assert "2 answers" in text and "1 mistake" in text
    assert "style=" not in page.text and "<script" not in page.text
    # Another teacher's class is refused like its reports are.
    assert teacher.get("/teacher/classes/7b").status_code == 403
    assert teacher.get("/teacher/classes/nope").status_code == 403


@pytest.mark.parametrize("path", ["/teacher/students/{}", "/api/teacher/students/{}"])
def test_another_classs_student_and_an_unknown_id_are_both_not_found(site: Site, path: str) -> None:
    one_wrong_then_one_right(site)
    other_teacher = site.client("t-bo")
    theirs = other_teacher.get(path.format("alice"))
    unknown = other_teacher.get(path.format("nobody"))
    assert theirs.status_code == unknown.status_code == 404
    if path.startswith("/api"):
        assert theirs.json() == unknown.json()
    assert "Alice" not in theirs.text
    assert other_teacher.get(path.format("carol")).status_code == 200
    assert site.client("t-ada").get(path.format("carol")).status_code == 404
    assert site.client("t-ada").get(path.format("bad%20id%2F..")).status_code == 404


def test_students_and_editors_are_refused_and_anonymous_visitors_sent_to_sign_in(
    site: Site,
) -> None:
    for user in ("alice", "e-eve"):
        client = site.client(user)
        for path in (
            "/teacher",
            "/teacher/classes/7a",
            "/teacher/students/alice",
            "/api/teacher/students/alice",
        ):
            assert client.get(path).status_code == 403, (user, path)
    anonymous = site.client()
    assert anonymous.get("/teacher/students/alice").status_code == 303
    assert anonymous.get("/api/teacher/students/alice").status_code == 401


def test_a_teacher_prints_codes_for_her_own_class_only(site: Site) -> None:
    teacher = site.client("t-ada")
    page = teacher.get("/teacher/classes/7a").text
    form = site.hidden_fields(page, "/teacher/classes/7a/codes")
    # Everyone in 7a has a password already: nobody is waiting for a code.
    nobody = teacher.post("/teacher/classes/7a/codes", data={**form, "which": "new"})
    assert "has activated their account" in nobody.text or nobody.status_code == 303
    sheet = teacher.post("/teacher/classes/7a/codes", data={**form, "which": "all"})
    assert sheet.status_code == 200
    cards = dict(
        re.findall(
            r'<dd class="card-username">([^<]+)</dd>\s*'
            r'<dt>Code</dt><dd class="card-code">([A-Z0-9-]+)</dd>',
            sheet.text,
        )
    )
    assert sorted(cards) == ["alice", "bob"]
    activated = httpx.post(
        f"{site.url}/api/activate",
        json={"username": "bob", "code": cards["bob"], "password": "bob's own new passphrase"},
    )
    assert activated.status_code == 200
    other = site.client("t-bo")
    other_form = site.hidden_fields(
        other.get("/teacher/classes/7b").text, "/teacher/classes/7b/codes"
    )
    assert (
        other.post("/teacher/classes/7a/codes", data={**other_form, "which": "all"}).status_code
        == 403
    )
