"""The JSON API after an answer: feedback for a wrong one, a 422 for one it cannot read (which
counts for nothing), and a student's own past attempts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from quizflow.content import load_course_file, sample_course_path
from quizflow.quiz import quiz_stream_id

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
QUIZ = f"/api/quizzes/{COURSE_ID}/{CHAPTER_ID}"
Site = Any  # the `site` fixture of tests/e2e/conftest.py


def command(client: httpx.Client, action: str, command_id: str | None = None, **body: Any) -> Any:
    return client.post(
        f"{QUIZ}/{action}", json={"command_id": command_id or str(uuid.uuid4()), **body}
    )


def assigned(client: httpx.Client) -> dict[str, Any]:
    question = client.get(QUIZ).json()["question"]
    assert question is not None
    return dict(question)


def stream_types(site: Site, student: str = "alice") -> list[str]:
    return [e.type for e in site.store.read_stream(quiz_stream_id(student, COURSE_ID, CHAPTER_ID))]


def test_a_wrong_answer_comes_back_with_the_question_the_feedback_and_the_solution(
    site: Site,
) -> None:
    client = site.client("alice")
    command(client, "start")
    question_id = assigned(client)["question_id"]
    content = site.questions[question_id]
    wrong = content["wrong_answers"][0]
    answered = command(client, "answer", question_id=question_id, inputs=wrong["answer"]).json()
    last = answered["quiz"]["last_answer"]
    assert last["correct"] is False
    assert last["question_text"] == content["text"]
    assert last["feedback"] == wrong["feedback"]
    assert last["solution"] == content["solution"]
    assert last["correct_answer"] and "_INPUT_" not in last["answer_display"]
    # The same view after a reload (from the live model, not the command's result).
    assert client.get(QUIZ).json()["last_answer"] == last


def test_an_unreadable_answer_is_422_with_a_hint_and_appends_nothing_that_counts(
    site: Site,
) -> None:
    client = site.client("alice")
    command(client, "start")
    first = assigned(client)["question_id"]
    assert command(client, "answer", question_id=first, inputs=site.right(first)).is_success
    command(client, "next")
    question = assigned(client)
    names = [field["name"] for field in question["fields"]]
    before_types, before_count = stream_types(site), site.event_count()

    refused = command(
        client, "answer", question_id=question["question_id"], inputs=dict.fromkeys(names, "abc")
    )
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "unreadable-answer"
    assert "does not count" in body["detail"] and set(body["fields"]) == set(names)
    assert [e["type"] for e in body["events"]] == ["chapter-quiz/UnreadableAnswerRefused"]

    # Stored for analytics, but not an answer: the quiz is where it was, streak and question.
    assert site.event_count() == before_count + 1
    assert stream_types(site) == [*before_types, "chapter-quiz/UnreadableAnswerRefused"]
    view = client.get(QUIZ).json()
    assert (view["status"], view["streak"]) == ("awaiting-answer", 1)
    assert view["question"]["question_id"] == question["question_id"]
    assert view["last_answer"] is None


def test_a_retried_unreadable_answer_is_stored_once(site: Site) -> None:
    client = site.client("alice")
    command(client, "start")
    question = assigned(client)
    inputs = {field["name"]: "1½" for field in question["fields"]}
    command_id = str(uuid.uuid4())
    first = command(
        client, "answer", command_id, question_id=question["question_id"], inputs=inputs
    )
    count = site.event_count()
    again = command(
        client, "answer", command_id, question_id=question["question_id"], inputs=inputs
    )
    assert first.status_code == again.status_code == 422
    assert again.json()["replayed"] is True and site.event_count() == count
    assert "1 1/2" in first.json()["detail"]


def test_a_zero_width_space_is_refused_as_invisible(site: Site) -> None:
    client = site.client("alice")
    command(client, "start")
    question = assigned(client)
    inputs = {field["name"]: "1\u200b" for field in question["fields"]}
    refused = command(client, "answer", question_id=question["question_id"], inputs=inputs)
    assert refused.status_code == 422
    assert "invisible character" in refused.json()["detail"]


def test_a_student_sees_only_their_own_attempts(site: Site) -> None:
    alice = site.client("alice")
    command(alice, "start")
    question_id = assigned(alice)["question_id"]
    command(alice, "answer", question_id=question_id, inputs=site.wrong(question_id))

    attempts = alice.get("/api/attempts").json()
    assert [(a["chapter_id"], a["attempt"], a["passed"]) for a in attempts] == [
        (CHAPTER_ID, 1, False)
    ]
    assert [a["correct"] for a in attempts[0]["answers"]] == [False]
    assert attempts[0]["answers"][0]["question_text"] == site.questions[question_id]["text"]
    assert site.client("bob").get("/api/attempts").json() == []
    assert site.client("t-ada").get("/api/attempts").status_code == 403
