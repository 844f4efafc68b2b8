"""A command id names one command. Over HTTP: the same command sent again gets its first result
(a replay); the id reused for another command is refused with a 409 that says so; a command the
quiz rules reject stored nothing, so its id sent again gets the rule's 409 again, never a replay.
None of the refusals appends anything."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

Site = Any  # the `site` fixture of tests/e2e/conftest.py


def _post(client: httpx.Client, site: Site, action: str, command_id: str, **body: Any) -> Any:
    return client.post(
        f"/api/quizzes/{site.course_id}/{site.chapter_id}/{action}",
        json={"command_id": command_id, **body},
    )


def test_an_id_reused_for_another_command_is_refused_with_409_saying_why(site: Site) -> None:
    client = site.client("alice")
    command_id = str(uuid.uuid4())
    started = _post(client, site, "start", command_id)
    assert started.status_code == 200, started.text
    question = started.json()["quiz"]["question"]["question_id"]
    before = site.event_count()

    reused = [
        # Another action, on the same quiz.
        _post(
            client, site, "answer", command_id, question_id=question, inputs=site.right(question)
        ),
        # One the quiz rules would refuse anyway: the reuse is what is wrong with it.
        _post(client, site, "next", command_id),
        _post(client, site, "start-over", command_id),
    ]
    for response in reused:
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "command-id-reused"
        assert body["replayed"] is False
        assert command_id in body["detail"]
        assert "already used for another command" in body["detail"]
    assert site.event_count() == before

    # The same command again is a retry: its first result, appending nothing.
    again = _post(client, site, "start", command_id)
    assert again.status_code == 200, again.text
    assert again.json()["replayed"] is True
    assert again.json()["events"] == started.json()["events"]
    assert site.event_count() == before


def test_an_id_reused_for_another_quiz_is_refused_too(site: Site) -> None:
    alice = site.client("alice")
    command_id = str(uuid.uuid4())
    assert _post(alice, site, "start", command_id).status_code == 200
    other_chapter = next(
        chapter["chapter_id"]
        for chapter in alice.get("/api/courses").json()[0]["chapters"]
        if chapter["chapter_id"] != site.chapter_id
    )
    before = site.event_count()
    elsewhere = alice.post(
        f"/api/quizzes/{site.course_id}/{other_chapter}/start", json={"command_id": command_id}
    )
    assert elsewhere.status_code == 409, elsewhere.text
    assert elsewhere.json()["error"] == "command-id-reused"
    assert site.event_count() == before


def test_a_command_the_rules_refused_gets_the_rules_409_again_under_its_id(site: Site) -> None:
    client = site.client("bob")
    assert _post(client, site, "start", str(uuid.uuid4())).status_code == 200
    before = site.event_count()
    command_id = str(uuid.uuid4())
    # 'next' before answering: the rules refuse it, and say why.
    first = _post(client, site, "next", command_id)
    assert first.status_code == 409, first.text
    rule = first.json()
    assert rule["error"] not in ("command-id-reused", "conflict")
    assert rule["detail"]
    # Nothing was stored under the id, so it names no command yet: sent again, the same command
    # and another one the rules refuse each get the rule's own 409 and sentence, never a
    # replay, never another status.
    for action in ("next", "start-over"):
        fresh = _post(client, site, action, str(uuid.uuid4()))
        reused = _post(client, site, action, command_id)
        assert reused.status_code == fresh.status_code == 409, reused.text
        assert reused.json()["error"] == fresh.json()["error"]
        assert reused.json()["detail"] == fresh.json()["detail"]
        assert reused.json()["replayed"] is False
    assert site.event_count() == before
