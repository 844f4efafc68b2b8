"""The JSON API over real HTTP: sign-in, the quiz, read-your-writes, idempotency, isolation."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
from itsdangerous import TimestampSigner

from quizflow.content import load_course_file, sample_course_path

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
Site = Any  # the `site` fixture of tests/e2e/conftest.py

QUIZ = f"/api/quizzes/{COURSE_ID}/{CHAPTER_ID}"


def command(client: httpx.Client, action: str, **body: Any) -> httpx.Response:
    return client.post(f"{QUIZ}/{action}", json={"command_id": str(uuid.uuid4()), **body})


def answer(client: httpx.Client, question_id: str, inputs: dict[str, str]) -> httpx.Response:
    return command(client, "answer", question_id=question_id, inputs=inputs)


def test_a_student_signs_in_and_sees_the_published_chapters(site: Site) -> None:
    client = site.client("alice")
    assert client.get("/api/me").json() == {
        "user_id": "alice",
        "role": "student",
        "roles": ["student"],
        "name": "Alice",
        "school_id": "hill",
    }
    courses = client.get("/api/courses").json()
    assert [c["course_id"] for c in courses] == [COURSE_ID]
    assert {c["status"] for c in courses[0]["chapters"]} == {"not-started"}


def test_an_unknown_user_and_a_wrong_password_are_refused_alike(site: Site) -> None:
    client = site.client()
    unknown = client.post("/api/signin", json={"username": "mallory", "password": site.password})
    wrong = client.post("/api/signin", json={"username": "alice", "password": "not the password"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert client.get("/api/me").status_code == 401


def test_the_old_id_only_sign_in_is_gone(site: Site) -> None:
    refused = site.client().post("/api/signin", json={"user_id": "alice"})
    assert refused.status_code == 422


def test_a_student_passes_a_chapter_quiz_through_the_json_api(site: Site) -> None:
    client = site.client("alice")
    started = command(client, "start")
    assert started.status_code == 200, started.text
    body = started.json()
    assert [e["type"] for e in body["events"]] == [
        "chapter-quiz/QuizStarted",
        "chapter-quiz/QuestionAssigned",
    ]
    assert all(isinstance(e["position"], int) and e["cursor"] for e in body["events"])
    question = client.get(QUIZ).json()["question"]
    assert question["text"] and question["fields"]
    assert "accepted" not in question and "wrong_answers" not in question

    wrong_answer = answer(client, question["question_id"], site.wrong(question["question_id"]))
    assert wrong_answer.json()["events"][0]["type"] == "chapter-quiz/QuestionAnsweredIncorrectly"
    view = client.get(QUIZ).json()
    assert (view["status"], view["actions"]) == ("answered-incorrectly", ["start-over"])
    assert "start over" in view["message"]
    assert command(client, "start-over").status_code == 200

    for n in range(3):
        question_id = client.get(QUIZ).json()["question"]["question_id"]
        answered = answer(client, question_id, site.right(question_id))
        assert answered.status_code == 200, answered.text
        if n < 2:
            assert command(client, "next").status_code == 200
    assert answered.json()["events"][-1]["type"] == "chapter-quiz/QuizPassed"
    final = client.get(QUIZ).json()
    assert (final["status"], final["streak"]) == ("passed", 3)
    assert "passed" in final["message"]


def test_the_view_after_a_command_always_shows_that_command(site: Site) -> None:
    client = site.client("alice")
    result = command(client, "start").json()
    for _ in range(10):
        view = client.get(QUIZ).json()
        assert view["fresh"] and view["version"] == result["version"]
        question_id = view["question"]["question_id"]
        result = answer(client, question_id, site.wrong(question_id)).json()
        assert client.get(QUIZ).json()["version"] == result["version"]
        result = command(client, "start-over").json()


def test_retrying_an_answer_with_its_command_id_answers_only_once(site: Site) -> None:
    client = site.client("alice")
    command(client, "start")
    question_id = client.get(QUIZ).json()["question"]["question_id"]
    body = {
        "command_id": str(uuid.uuid4()),
        "question_id": question_id,
        "inputs": site.right(question_id),
    }
    first = client.post(f"{QUIZ}/answer", json=body)
    before = site.event_count()
    retry = client.post(f"{QUIZ}/answer", json=body)
    assert retry.status_code == 200
    assert retry.json()["replayed"] is True
    assert [e["event_id"] for e in retry.json()["events"]] == [
        e["event_id"] for e in first.json()["events"]
    ]
    assert site.event_count() == before


def test_a_student_can_neither_see_nor_answer_another_students_quiz(site: Site) -> None:
    alice, bob = site.client("alice"), site.client("bob")
    command(alice, "start")
    alice_view = alice.get(QUIZ).json()
    question_id = alice_view["question"]["question_id"]
    assert bob.get(QUIZ).json()["status"] == "not-started"
    before = site.event_count()
    forged = bob.post(
        f"{QUIZ}/answer",
        json={
            "command_id": str(uuid.uuid4()),
            "student_id": "alice",
            "question_id": question_id,
            "inputs": site.right(question_id),
        },
    )
    assert forged.status_code == 422
    own = answer(bob, question_id, site.right(question_id))
    assert own.status_code == 409 and own.json()["error"] == "quiz-not-started"
    assert site.event_count() == before
    assert alice.get(QUIZ).json()["version"] == alice_view["version"]


def test_a_forged_or_tampered_session_is_refused_with_401(site: Site) -> None:
    alice = site.client("alice")
    cookie = alice.cookies["quizflow_session"]
    signature = cookie.partition(".")[2]

    as_bob = base64.b64encode(json.dumps({"user_id": "bob", "role": "student"}).encode())
    forgeries = [
        "garbage",
        as_bob.decode() + "." + signature,
        as_bob.decode(),
        cookie[:-4] + "AAAA",
    ]
    forgeries.append(TimestampSigner("another-secret").sign(as_bob).decode())
    before = site.event_count()
    for forged in forgeries:
        client = httpx.Client(base_url=site.url, cookies={"quizflow_session": forged})
        assert client.get("/api/me").status_code == 401, forged
        refused = client.post(f"{QUIZ}/start", json={"command_id": str(uuid.uuid4())})
        assert refused.status_code == 401, forged
        assert refused.json()["error"] == "not-signed-in"
    assert site.event_count() == before


def test_a_teacher_lists_their_classes_but_cannot_take_a_quiz(site: Site) -> None:
    teacher = site.client("t-ada")
    assert teacher.get("/api/me").json()["role"] == "teacher"
    assert [c["class_id"] for c in teacher.get("/api/teacher/classes").json()] == ["7a"]
    refused = command(teacher, "start")
    assert refused.status_code == 403
    assert site.client("alice").get("/api/teacher/classes").status_code == 403


def test_the_openapi_document_lists_the_api(site: Site) -> None:
    paths = site.client().get("/openapi.json").json()["paths"]
    assert "/api/quizzes/{course_id}/{chapter_id}/answer" in paths
    assert "/api/signin" in paths


def test_a_command_id_used_for_another_command_is_refused_with_409(site: Site) -> None:
    alice = site.client("alice")
    command_id = str(uuid.uuid4())
    started = alice.post(f"{QUIZ}/start", json={"command_id": command_id})
    assert started.status_code == 200
    question_id = started.json()["quiz"]["question"]["question_id"]
    other_chapter = COURSE["chapters"][1]["chapter_id"]
    before = site.event_count()
    reuses = [
        (alice, f"{QUIZ}/answer", {"question_id": question_id, "inputs": site.right(question_id)}),
        (alice, f"/api/quizzes/{COURSE_ID}/{other_chapter}/start", {}),  # another quiz
        (site.client("bob"), f"{QUIZ}/start", {}),  # another student's quiz
    ]
    for client, path, body in reuses:
        refused = client.post(path, json={"command_id": command_id, **body})
        assert refused.status_code == 409, (path, refused.text)
        assert refused.json()["error"] == "command-id-reused"
        assert (
            f"command id {command_id} was already used for another command"
            in (refused.json()["detail"])
        )
    # The HTML form says the same.
    page = alice.get(f"/quiz/{COURSE_ID}/{CHAPTER_ID}").text
    form = site.hidden_fields(page, f"/quiz/{COURSE_ID}/{CHAPTER_ID}/answer")
    fields = {f"answer.{name}": value for name, value in site.right(question_id).items()}
    refused = alice.post(
        f"/quiz/{COURSE_ID}/{CHAPTER_ID}/answer", data={**form, **fields, "command_id": command_id}
    )
    assert refused.status_code == 409
    assert "was already used for another command" in refused.text
    assert site.event_count() == before
    retry = alice.post(f"{QUIZ}/start", json={"command_id": command_id})
    assert retry.status_code == 200 and retry.json()["replayed"] is True
