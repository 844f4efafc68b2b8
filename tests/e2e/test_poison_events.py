"""A poison event in a student's quiz stream never takes the quiz down with 500s.

Planted with the owner's connection through ``quizflow.append_events``, as a buggy writer, a
newer version of Quizflow or a hand-made repair could: an unknown type is skipped and counted;
a malformed event of a known type marks the quiz as needing attention, and every command and
view of that quiz answers a clear 409 naming the problem; metadata that is not an object is
ignored (the quiz's state does not come from it).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import psycopg
import pytest

from quizflow.quiz import quiz_stream_id
from tests.e2e.conftest import Site

pytestmark = pytest.mark.faults

UNKNOWN_TYPE = "chapter-quiz/HintShown"  # e.g. from a newer version of Quizflow


def quiz_path(site: Site, chapter_id: str | None = None) -> str:
    return f"/api/quizzes/{site.course_id}/{chapter_id or site.chapter_id}"


def command(client: httpx.Client, site: Site, action: str, **body: Any) -> httpx.Response:
    return client.post(
        f"{quiz_path(site)}/{action}", json={"command_id": str(uuid.uuid4()), **body}
    )


def plant(pg_url: str, stream_id: str, type_: str, data: Any, metadata: Any = None) -> None:
    """Append one event as the database owner, past every check of the application."""
    event = {
        "event_id": str(uuid.uuid4()),
        "type": type_,
        "data": data,
        "metadata": {} if metadata is None else metadata,
    }
    with psycopg.connect(pg_url, autocommit=True) as conn:
        if conn.execute("select to_regclass('quizflow.event_types')").fetchone() != (None,):
            # A store that refuses types it does not know learns this one first, as a newer
            # version's migration would teach it.
            conn.execute(
                "insert into quizflow.event_types (type) values (%s) on conflict do nothing",
                (type_,),
            )
        conn.execute(
            "select quizflow.append_events(%s, null, %s::jsonb)", (stream_id, json.dumps([event]))
        )


def started(site: Site, client: httpx.Client, student: str) -> dict[str, Any]:
    response = command(client, site, "start")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    ids = {
        "student_id": student,
        "course_id": site.course_id,
        "chapter_id": site.chapter_id,
        "attempt": 1,
    }
    return {
        "ids": ids,
        "question_id": body["quiz"]["question"]["question_id"],
        "stream_id": quiz_stream_id(student, site.course_id, site.chapter_id),
    }


def test_an_event_of_an_unknown_type_is_skipped_counted_and_the_quiz_goes_on(
    site: Site, pg_url: str
) -> None:
    alice = site.client("alice")
    quiz = started(site, alice, "alice")
    plant(pg_url, quiz["stream_id"], UNKNOWN_TYPE, {**quiz["ids"], "hint": "think of halves"})

    answered = command(
        alice,
        site,
        "answer",
        question_id=quiz["question_id"],
        inputs=site.right(quiz["question_id"]),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["events"][0]["version"] == 4  # after the unknown event (3)
    view = alice.get(quiz_path(site))
    assert view.status_code == 200, view.text
    assert view.json()["status"] == "answered-correctly"
    assert command(alice, site, "next").status_code == 200
    health = alice.get("/api/health").json()["read_model"]
    assert health["events_unknown_type"] >= 1


def test_a_malformed_event_makes_its_quiz_answer_409_naming_the_problem_never_500(
    site: Site, pg_url: str
) -> None:
    alice = site.client("alice")
    quiz = started(site, alice, "alice")
    plant(
        pg_url,
        quiz["stream_id"],
        "chapter-quiz/QuestionAnsweredCorrectly",
        {**quiz["ids"], "question_id": quiz["question_id"], "inputs": "5", "streak": 1},
    )
    # Views read the live model, which learns of the planted event from its subscription.
    assert site.model.wait_for(site.store.head(), 30), site.model.status()

    for response in (
        command(
            alice,
            site,
            "answer",
            question_id=quiz["question_id"],
            inputs=site.right(quiz["question_id"]),
        ),
        command(alice, site, "next"),
        command(alice, site, "start-over"),
        command(alice, site, "start"),
        alice.get(quiz_path(site)),
        alice.get(quiz_path(site)),  # and again: for good, not once
    ):
        assert response.status_code == 409, (response.request.url, response.text)
        body = response.json()
        assert body["error"] == "quiz-needs-attention", body
        assert "inputs" in body["detail"] and "QuestionAnsweredCorrectly" in body["detail"]
    page = alice.get(f"/quiz/{site.course_id}/{site.chapter_id}")
    assert page.status_code == 409 and "inputs" in page.text

    # Only that quiz: Alice's other chapters, Bob's same chapter and her chapter list go on.
    other = alice.post(
        f"{quiz_path(site, 'percentages')}/start", json={"command_id": str(uuid.uuid4())}
    )
    assert other.status_code == 200, other.text
    bob = site.client("bob")
    assert command(bob, site, "start").status_code == 200
    assert alice.get("/api/courses").status_code == 200
    health = alice.get("/api/health").json()["read_model"]
    assert health["quizzes_needing_attention"] == 1


def test_metadata_that_is_not_an_object_does_not_stop_the_quiz(site: Site, pg_url: str) -> None:
    alice = site.client("alice")
    quiz = started(site, alice, "alice")
    question_id = quiz["question_id"]
    plant(
        pg_url,
        quiz["stream_id"],
        "chapter-quiz/QuestionAssigned",
        {**quiz["ids"], "question_id": question_id},
        metadata=["not", "an", "object"],
    )

    view = alice.get(quiz_path(site))
    assert view.status_code == 200, view.text
    answered = command(
        alice, site, "answer", question_id=question_id, inputs=site.right(question_id)
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["events"][0]["version"] == 4
