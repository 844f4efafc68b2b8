"""The error answers of the JSON API as the OpenAPI document declares them.

Every refusal under /api has the body ``ErrorBody``; a route lists each status it can answer
with (``errors(...)``), and a test probes every route to hold the document to what the server
really answers (tests/e2e/test_openapi_errors.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field


class ErrorBody(BaseModel):
    """A refusal: a stable code and a sentence. Some carry more: ``problems`` (the fields of a
    malformed request), or a refused command's result (``status``, ``code``, ``reason``,
    ``stream_id``, ``version``, ``replayed``, ``events``)."""

    model_config = ConfigDict(extra="allow")
    error: str = Field(description="A stable code, e.g. not-signed-in, command-id-reused.")
    detail: str = Field(description="What is wrong and what to do, in a sentence.")


_DESCRIPTIONS: dict[int, str] = {
    400: "the body is not valid JSON",
    401: "not signed in (no session, or it ended)",
    403: "signed in, but without the role this needs",
    404: "no such course, chapter, question or student",
    409: "the quiz is not in a state for this command, the command id was used for another "
    "command, or the quiz needs attention",
    413: "the body is over the size limit",
    415: "the body must be sent as application/json",
    422: "the request does not have the expected fields and types",
    429: "too many attempts or commands at once; see Retry-After",
    503: "the database is not reachable (Retry-After), or sign-in is not available",
}

# What every route under /api may answer: any of them reads sessions or events from PostgreSQL.
ALWAYS = (503,)
# A signed-in person's routes, and those of a role.
SIGNED_IN = (401, *ALWAYS)
FOR_A_ROLE = (401, 403, *ALWAYS)
# A JSON body: unreadable, too large, not JSON, or not the expected fields.
JSON_BODY = (400, 413, 415, 422)


def errors(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status with the error body and a description (a
    route's own in ``described``, keyed ``s404``; else the common one)."""
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        description = described.get(f"s{status}", _DESCRIPTIONS[status])
        out[status] = {"model": ErrorBody, "description": description}
    return out


_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def install(app: FastAPI) -> None:
    """Make the app's OpenAPI document describe the error bodies the app really sends: the 422
    FastAPI declares by itself (``HTTPValidationError``: a list under ``detail``) is answered
    as ``ErrorBody`` by the app's handler (quizflow.app.web.errors), so it is declared so."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = made()
            for operations in document.get("paths", {}).values():
                for operation in operations.values():
                    response = operation.get("responses", {}).get("422")
                    schema = response and response.get("content", {}).get("application/json")
                    if schema and schema.get("schema", {}).get("$ref") == _FASTAPI_422:
                        response["description"] = _DESCRIPTIONS[422]
                        schema["schema"] = {"$ref": "#/components/schemas/ErrorBody"}
            schemas = document.get("components", {}).get("schemas", {})
            if "ErrorBody" in schemas:
                schemas.pop("HTTPValidationError", None)
                schemas.pop("ValidationError", None)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
