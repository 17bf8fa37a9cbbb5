"""The pieces every path of the ``/v1`` OpenAPI document is written with:
references, answers, request bodies, and the error answers many routes share."""

from __future__ import annotations

from typing import Any

from app.web.openapi_schemas import VERIFICATION_ID

JSON = "application/json"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str, codes: list[str], retry: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": f"{description} (error codes: {', '.join(codes)})",
        "content": {JSON: {"schema": ref("Error")}},
    }
    if retry:
        answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return answer


def ok(description: str, schema: str, links: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": ref(schema)}},
    }
    if links:
        answer["links"] = links
    return answer


def body(schema: str, examples: list[dict[str, Any]]) -> dict[str, Any]:
    named = {f"example{i + 1}": {"value": value} for i, value in enumerate(examples)}
    return {"required": True, "content": {JSON: {"schema": ref(schema), "examples": named}}}


AUTH = error("Missing or unknown API key", ["unauthorized"])
MALFORMED = error("The body breaks the schema", ["invalid_json", "invalid_parameter"])
TOO_LARGE = error("The body is over the size limit", ["request_entity_too_large"])
UNAVAILABLE = error("Storage unavailable or busy; retry", ["unavailable", "busy"], retry=True)
ID = [
    {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": VERIFICATION_ID},
        "example": "VE0123456789abcdef0123456789abcdef",
    }
]
TOO_MANY = error(
    "Limited; see Retry-After",
    ["resend_cooldown", "max_sends_reached", "max_attempts_reached", "rate_limited"],
    retry=True,
)
