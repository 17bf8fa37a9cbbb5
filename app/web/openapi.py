"""The ``/v1`` OpenAPI 3.1 document, written by hand as data: the API's contract.

Hand-written rather than generated (apiflask, spectree, flask-openapi3): those
libraries want to own the Flask app class or bring pydantic, for a handful of
routes. The request schemas (:mod:`app.web.openapi_schemas`) are not only
documentation: the views validate every body against them. The suite checks
every response against this document, runs schemathesis (``--checks all``,
stateful links included) and openapi-spec-validator on it, so the document
cannot drift from the code unnoticed. Every status a route can answer is listed,
with the error codes it carries and the ``Retry-After`` header of 429 and 503.
"""

from __future__ import annotations

from typing import Any

from app.web import openapi_customers
from app.web.openapi_schemas import (
    CHECK_REQUEST,
    ERROR_STATUS,
    SCHEMAS,
    START_REQUEST,
    VERIFICATION_ID,
)

__all__ = ["CHECK_REQUEST", "ERROR_STATUS", "START_REQUEST", "document"]

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str, codes: list[str], retry: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": f"{description} (error codes: {', '.join(codes)})",
        "content": {_JSON: {"schema": _ref("Error")}},
    }
    if retry:
        answer["headers"] = {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}
    return answer


def _ok(description: str, schema: str, links: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {_JSON: {"schema": _ref(schema)}},
    }
    if links:
        answer["links"] = links
    return answer


def _body(schema: str, examples: list[dict[str, Any]]) -> dict[str, Any]:
    named = {f"example{i + 1}": {"value": value} for i, value in enumerate(examples)}
    return {"required": True, "content": {_JSON: {"schema": _ref(schema), "examples": named}}}


_AUTH = _error("Missing or unknown API key", ["unauthorized"])
_MALFORMED = _error("The body breaks the schema", ["invalid_json", "invalid_parameter"])
_TOO_LARGE = _error("The body is over the size limit", ["request_entity_too_large"])
_UNAVAILABLE = _error("Storage unavailable or busy; retry", ["unavailable", "busy"], retry=True)
_ID = [
    {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": VERIFICATION_ID},
        "example": "VE0123456789abcdef0123456789abcdef",
    }
]
_TOO_MANY = _error(
    "Limited; see Retry-After",
    ["resend_cooldown", "max_sends_reached", "max_attempts_reached", "rate_limited"],
    retry=True,
)
#: Stateful testing and client generators follow these from a start's answer. (No
#: link to the check: once a sibling step has canceled the verification, a check
#: by its id is a 404, as on Twilio, which a link-follower takes for a lost resource.)
_FROM_START = {
    "GetVerification": {
        "operationId": "getVerification",
        "parameters": {"id": "$response.body#/id"},
    },
    "CancelVerification": {
        "operationId": "cancelVerification",
        "parameters": {"id": "$response.body#/id"},
    },
}


def _verification_paths() -> dict[str, Any]:
    return {
        "/v1/verifications": {
            "post": {
                "operationId": "startVerification",
                "summary": "Send a code; a second call while one is pending resends the same "
                "code (same id), as Twilio Verify does",
                "requestBody": _body("StartRequest", START_REQUEST["examples"]),
                "responses": {
                    "201": _ok(
                        "Code sent; the verification is pending", "Verification", _FROM_START
                    ),
                    "400": _MALFORMED,
                    "401": _AUTH,
                    "403": _error(
                        "The fraud guard blocked the send (SMS pumping; docs/fraud-guard.md)",
                        ["verification_blocked"],
                    ),
                    "409": _error("A payment for another amount is pending", ["conflict"]),
                    "413": _TOO_LARGE,
                    "422": _error(
                        "Well formed, but refused by this server's rules before sending",
                        [
                            "invalid_destination",
                            "country_not_allowed",
                            "landline_not_supported",
                            "number_type_not_allowed",
                            "channel_not_allowed",
                            "payment_binding_required",
                            "binding_not_allowed",
                        ],
                    ),
                    "429": _TOO_MANY,
                    "502": _error("The channel could not deliver", ["delivery_failed"]),
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v1/verifications/check": {
            "post": {
                "operationId": "checkVerification",
                "summary": "Check a code",
                "requestBody": _body("CheckRequest", CHECK_REQUEST["examples"]),
                "responses": {
                    "200": _ok("Compared: valid true (approved) or false", "CheckResult"),
                    "400": _MALFORMED,
                    "401": _AUTH,
                    "404": _error("No pending verification", ["not_found"]),
                    "413": _TOO_LARGE,
                    "422": _error(
                        "Not compared",
                        [
                            "invalid_code",
                            "invalid_destination",
                            "payment_binding_required",
                            "binding_not_allowed",
                        ],
                    ),
                    "429": _TOO_MANY,
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v1/verifications/{id}": {
            "get": {
                "operationId": "getVerification",
                "summary": "Current or final status (kept 24 h after the end)",
                "parameters": _ID,
                "responses": {
                    "200": _ok("The verification", "Verification"),
                    "401": _AUTH,
                    "404": _error("Unknown id", ["not_found"]),
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v1/verifications/{id}/cancel": {
            "post": {
                "operationId": "cancelVerification",
                "summary": "Cancel a pending verification",
                "parameters": _ID,
                "responses": {
                    "200": _ok("Canceled", "Verification"),
                    "401": _AUTH,
                    "404": _error("Unknown id", ["not_found"]),
                    "409": _error("Not pending any more", ["not_pending"]),
                    "503": _UNAVAILABLE,
                },
            }
        },
    }


def _handoff_paths() -> dict[str, Any]:
    return {
        "/v1/handoffs": {
            "get": {
                "operationId": "listHandoffs",
                "summary": "Conversations waiting for a person (the /inbox list), longest-waiting first",
                "responses": {
                    "200": _ok("The handed-over conversations", "Handoffs"),
                    "401": _AUTH,
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/v1/handoffs/release": {
            "post": {
                "operationId": "releaseHandoff",
                "summary": "Give a conversation back to the bot, which tells the customer",
                "requestBody": _body("ReleaseRequest", SCHEMAS["ReleaseRequest"]["examples"]),
                "responses": {
                    "200": _ok("Released", "Released"),
                    "400": _error("The body breaks the schema", ["invalid_request"]),
                    "401": _AUTH,
                    "404": _error("Nobody is handed off for that number", ["not_found"]),
                    "413": _TOO_LARGE,
                    "422": _error("Not a possible phone number", ["invalid_to"]),
                    "503": _UNAVAILABLE,
                },
            }
        },
    }


def _insights_paths() -> dict[str, Any]:
    window = {
        "name": "window",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["hour", "day", "week"], "default": "day"},
    }
    return {
        "/v1/insights": {
            "get": {
                "operationId": "getInsights",
                "summary": "OTP conversion, delivery and fraud-guard figures "
                "(docs/insights.md describes the fields)",
                "parameters": [window],
                "responses": {
                    "200": _ok("Figures for the window", "Insights"),
                    "400": _error("Unknown window", ["invalid_parameter"]),
                    "401": _AUTH,
                    "503": _UNAVAILABLE,
                },
            }
        }
    }


def _platform_paths() -> dict[str, Any]:
    status = {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"type": "string"}},
    }
    outbox_to = {
        "name": "to",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
        "description": "E.164 number (whatsapp:+62... for the WhatsApp messages only) or e-mail",
        "example": "+6281234567890",
    }
    outbox = {
        "type": "object",
        "required": ["to", "messages"],
        "properties": {
            "to": {"type": "string"},
            "messages": {"type": "array", "items": {"type": "object"}},
        },
    }
    cleared = {
        "type": "object",
        "required": ["to", "cleared"],
        "properties": {"to": {"type": "string"}, "cleared": {"const": True}},
    }
    missing_to = _error("No address given", ["missing_to"])
    bad_to = _error("Not a possible phone number", ["invalid_to"])
    return {
        "/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1 document",
                        "content": {_JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Liveness: the process answers (says nothing of Redis on purpose)",
                "security": [],
                "responses": {
                    "200": {"description": "alive", "content": {_JSON: {"schema": status}}}
                },
            }
        },
        "/readyz": {
            "get": {
                "operationId": "readyz",
                "summary": "Readiness: Redis answers",
                "security": [],
                "responses": {
                    "200": {"description": "ready", "content": {_JSON: {"schema": status}}},
                    "503": {"description": "Redis down", "content": {_JSON: {"schema": status}}},
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics (text exposition format 0.0.4)",
                "security": [],
                "responses": {
                    "200": {
                        "description": "metrics",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/sandbox/outbox": {
            "get": {
                "operationId": "readOutbox",
                "summary": "Sandbox mode only (404 otherwise): what would have been sent",
                "security": [],
                "parameters": [
                    outbox_to,
                    {
                        "name": "channel",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "only that channel's messages (sms, whatsapp, ...)",
                    },
                ],
                "responses": {
                    "200": {"description": "oldest first", "content": {_JSON: {"schema": outbox}}},
                    "400": missing_to,
                    "422": bad_to,
                    "503": _UNAVAILABLE,
                },
            },
            "delete": {
                "operationId": "clearOutbox",
                "summary": "Sandbox mode only: forget what was sent to one address (a page "
                "action: it carries the page's X-CSRF-Token, as the simulator sends it)",
                "security": [],
                "parameters": [outbox_to],
                "responses": {
                    "200": {"description": "cleared", "content": {_JSON: {"schema": cleared}}},
                    "400": missing_to,
                    "401": _error("A live server's pages need a staff login", ["login_required"]),
                    "403": _error("No or a wrong X-CSRF-Token", ["csrf"]),
                    "422": bad_to,
                    "503": _UNAVAILABLE,
                },
            },
        },
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sandi API",
            "version": "1.1.0",
            "description": "Send one-time codes by SMS, WhatsApp, voice call, e-mail or "
            "flash call, and check them; shaped after Twilio Verify (whose own wire format "
            "Sandi serves under /v2, described by /v2/openapi.json). Errors are "
            '`{"error": {"code", "message"}}`; 400 means the body breaks this schema, 422 '
            "that it is well formed but this server's rules refuse it.",
        },
        "servers": [
            {"url": "/", "description": "the server that serves this document"},
            {"url": "http://127.0.0.1:5000", "description": "make run (development)"},
        ],
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key: SANDI_API_KEYS or `sandi api-keys create`.",
                }
            },
            "headers": {
                "RetryAfter": {
                    "required": True,
                    "description": "Seconds to wait before trying again",
                    "schema": {"type": "integer", "minimum": 0},
                }
            },
            "schemas": {**SCHEMAS, **openapi_customers.SCHEMAS},
        },
        "security": [{"bearer": []}],
        "paths": {
            **_verification_paths(),
            **_handoff_paths(),
            **openapi_customers.PATHS,
            **_insights_paths(),
            **_platform_paths(),
        },
    }
