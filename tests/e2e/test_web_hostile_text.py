"""Text PostgreSQL's jsonb cannot store (a NUL character, a lone surrogate) in an answer: a clear
422 from the JSON API and the HTML form alike, nothing appended, never a 500."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from quizflow.content import load_course_file, sample_course_path

COURSE = load_course_file(sample_course_path())
COURSE_ID: str = COURSE["course_id"]
CHAPTER_ID: str = COURSE["chapters"][0]["chapter_id"]
Site = Any  # the `site` fixture of tests/e2e/conftest.py

QUIZ = f"/api/quizzes/{COURSE_ID}/{CHAPTER_ID}"
QUIZ_PAGE = f"/quiz/{COURSE_ID}/{CHAPTER_ID}"
JSON = {"content-type": "application/json"}


def _answer_body(question_id: str, inputs_json: str) -> bytes:
    """A raw JSON body: ``inputs_json`` goes in as written, escapes and all (a client's JSON
    encoder would refuse to send a lone surrogate)."""
    return (
        f'{{"command_id": "{uuid.uuid4()}", "question_id": {json.dumps(question_id)},'
        f' "inputs": {inputs_json}}}'
    ).encode()


def _started(site: Site, client: httpx.Client) -> tuple[str, str]:
    started = client.post(f"{QUIZ}/start", json={"command_id": str(uuid.uuid4())})
    assert started.status_code == 200, started.text
    question = started.json()["quiz"]["question"]
    return question["question_id"], question["fields"][0]["name"]


def test_the_api_refuses_answers_jsonb_cannot_store_with_422(site: Site) -> None:
    client = site.client("alice")
    question_id, field = _started(site, client)
    right = site.right(question_id)[field]
    before = site.event_count()
    cases = {
        "a NUL after the answer": {field: right + "\u0000"},
        "only a NUL": {field: "\u0000"},
        "a NUL in the field name": {field + "\u0000": right},
    }
    raw_cases = {  # as the JSON text itself: lone surrogates, escaped
        "a lone high surrogate": f'{{"{field}": "{right}\\ud800"}}',
        "a lone low surrogate": f'{{"{field}": "\\udc00{right}"}}',
        "a surrogate pair the wrong way round": f'{{"{field}": "\\udc00\\ud800"}}',
        "a lone surrogate in the field name": f'{{"{field}\\udfff": "{right}"}}',
    }
    bodies = {what: _answer_body(question_id, json.dumps(inputs)) for what, inputs in cases.items()}
    bodies.update({what: _answer_body(question_id, raw) for what, raw in raw_cases.items()})
    failures = []
    for what, body in bodies.items():
        response = client.post(f"{QUIZ}/answer", content=body, headers=JSON)
        # Lone surrogates already fail the API's string validation (invalid-request).
        codes = ("unstorable-text",) if what in cases else ("unstorable-text", "invalid-request")
        if response.status_code != 422 or response.json().get("error") not in codes:
            failures.append(f"{what}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert site.event_count() == before
    # A surrogate pair is an ordinary character (an emoji): storable, so it is stored, though
    # as the refusal of an answer that is no number (every question of the chapter wants one),
    # not as an answer. (Every other field answered as well: some questions have two.)
    others = {name: value for name, value in site.right(question_id).items() if name != field}
    inputs = json.dumps(others)[:-1] + (", " if others else "") + f'"{field}": "\\ud83d\\ude00"}}'
    emoji = client.post(f"{QUIZ}/answer", headers=JSON, content=_answer_body(question_id, inputs))
    assert emoji.status_code == 422 and emoji.json()["error"] == "unreadable-answer", emoji.text
    stored = emoji.json()["events"][0]
    assert stored["type"] == "chapter-quiz/UnreadableAnswerRefused"
    assert stored["data"]["inputs"] == {**others, field: "\U0001f600"}


def test_the_html_form_refuses_a_nul_in_an_answer_with_422(site: Site) -> None:
    client = site.client("alice")
    question_id, field = _started(site, client)
    page = client.get(QUIZ_PAGE)
    form = site.hidden_fields(page.text, f"{QUIZ_PAGE}/answer")
    before = site.event_count()
    for value in (site.right(question_id)[field] + "\x00", "\x00"):
        refused = client.post(f"{QUIZ_PAGE}/answer", data={**form, f"answer.{field}": value})
        assert refused.status_code == 422, refused.text[:500]
        assert "cannot be stored" in refused.text
    refused = client.post(
        f"{QUIZ_PAGE}/answer", data={**form, f"answer.{field}\x00": site.right(question_id)[field]}
    )
    assert refused.status_code == 422
    assert site.event_count() == before
