"""The OpenAPI document describes what every JSON API operation answers on success.

Each success response under /api must name a schema of its own (a ``$ref`` to a model, or a
list of one) whose properties are listed and closed, not an untyped object: a route that goes
back to returning ``dict[str, Any]`` (or a bare ``JSONResponse``) fails here. The bodies are
then held to those schemas on real answers of the server.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter, ValidationError

from quizflow.app.web import api_models
from quizflow.content import load_course_file, sample_course_path

Site = Any  # the `site` fixture of tests/e2e/conftest.py

COURSE = load_course_file(sample_course_path())
QUIZ = f"/api/quizzes/{COURSE['course_id']}/{COURSE['chapters'][0]['chapter_id']}"
REF = "#/components/schemas/"


def _success_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Each operation under /api (``GET /api/me``) -> its success response's JSON schema."""
    found: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            successes = [s for s in operation["responses"] if s.startswith("2")]
            assert successes, f"{method.upper()} {path} documents no success response"
            for status in successes:
                content = operation["responses"][status].get("content", {})
                schema = content.get("application/json", {}).get("schema", {})
                found[f"{method.upper()} {path} {status}"] = schema
    return found


def _untyped(document: dict[str, Any]) -> list[str]:
    """The success responses whose schema is not a named, closed model (or a list of one)."""
    components = document.get("components", {}).get("schemas", {})
    wrong = []
    for operation, schema in _success_schemas(document).items():
        if schema.get("type") == "array":
            schema = schema.get("items", {})
        name = schema.get("$ref", "").removeprefix(REF)
        model = components.get(name, {})
        if not (name and model.get("properties") and model.get("additionalProperties") is False):
            wrong.append(operation)
    return wrong


def test_every_success_response_of_the_api_names_its_schema(site: Site) -> None:
    document = site.client().get("/openapi.json").json()
    schemas = _success_schemas(document)
    # The document lists the whole API (a route left out would pass the check vacuously).
    assert {
        "GET /api/health 200",
        "GET /api/me 200",
        "POST /api/signin 200",
        "POST /api/activate 200",
        "POST /api/signout 200",
        "GET /api/courses 200",
        "GET /api/attempts 200",
        "GET /api/quizzes/{course_id}/{chapter_id} 200",
        "POST /api/quizzes/{course_id}/{chapter_id}/answer 200",
        "GET /api/teacher/classes 200",
        "GET /api/teacher/students/{student_id} 200",
    } <= set(schemas)
    assert _untyped(document) == []


def test_a_route_answering_an_untyped_dict_is_caught() -> None:
    app = FastAPI()

    @app.get("/api/typed", response_model=api_models.Who)
    async def typed() -> dict[str, Any]:
        return {}

    @app.get("/api/untyped")
    async def untyped() -> dict[str, Any]:
        return {}

    @app.get("/api/untyped-list")
    async def untyped_list() -> list[dict[str, Any]]:
        return []

    assert _untyped(app.openapi()) == ["GET /api/untyped 200", "GET /api/untyped-list 200"]


def _conforms(schema: dict[str, Any], body: Any) -> None:
    """``body`` validated by the model the document names (strict, unknown keys refused)."""
    many = schema.get("type") == "array"
    name = (schema["items"] if many else schema)["$ref"].removeprefix(REF)
    model: type[BaseModel] = getattr(api_models, name)
    TypeAdapter(list[model] if many else model).validate_python(body)  # type: ignore[valid-type]


def test_real_answers_match_the_documented_schemas(site: Site) -> None:
    schemas = _success_schemas(site.client().get("/openapi.json").json())
    alice, teacher = site.client("alice"), site.client("t-ada")

    def command(action: str, **body: Any) -> Any:
        sent = alice.post(f"{QUIZ}/{action}", json={"command_id": str(uuid.uuid4()), **body})
        assert sent.status_code == 200, sent.text
        return sent.json()

    started = command("start")
    question_id = started["quiz"]["question"]["question_id"]
    answered = command("answer", question_id=question_id, inputs=site.wrong(question_id))
    assert answered["quiz"]["last_answer"]["correct"] is False
    answers = [
        ("GET /api/health 200", site.client().get("/api/health").json()),
        ("GET /api/health 200", alice.get("/api/health").json()),
        ("GET /api/me 200", alice.get("/api/me").json()),
        ("GET /api/courses 200", alice.get("/api/courses").json()),
        ("GET /api/attempts 200", alice.get("/api/attempts").json()),
        ("GET /api/quizzes/{course_id}/{chapter_id} 200", alice.get(QUIZ).json()),
        ("POST /api/quizzes/{course_id}/{chapter_id}/start 200", started),
        ("POST /api/quizzes/{course_id}/{chapter_id}/answer 200", answered),
        ("GET /api/teacher/classes 200", teacher.get("/api/teacher/classes").json()),
        (
            "GET /api/teacher/students/{student_id} 200",
            teacher.get("/api/teacher/students/alice").json(),
        ),
    ]
    for operation, body in answers:
        _conforms(schemas[operation], body)
    # What a view leaves out stays out: an anonymous caller does not get the counters as nulls.
    anonymous = answers[0][1]
    assert set(anonymous) == {"ok", "read_model"}
    assert set(anonymous["read_model"]) == {
        "running",
        "head",
        "cursor",
        "behind",
        "stalled_seconds",
    }
    assert "process" in answers[1][1] and "problem" not in answers[1][1]


def test_a_view_that_gains_or_retypes_a_key_is_refused_not_filtered() -> None:
    who = {"user_id": "alice", "name": "Alice", "role": "student", "roles": [], "school_id": "h"}
    api_models.Who.model_validate(who)
    with pytest.raises(ValidationError, match="extra"):
        api_models.Who.model_validate({**who, "email": "alice@example.org"})
    with pytest.raises(ValidationError):
        api_models.SignedOut.model_validate({"signed_out": 1})


def test_health_when_the_store_cannot_be_read_keeps_its_shape() -> None:
    # _measure's answer then has no lag figures: the body must not gain them as nulls.
    read_model = {"running": False}
    health = api_models.Health.model_validate({"ok": False, "read_model": read_model})
    assert health.model_dump(exclude_unset=True) == {"ok": False, "read_model": read_model}
