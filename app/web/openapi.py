"""The ``/v1`` OpenAPI 3.1 document, written by hand as data: the API's contract.

Hand-written rather than generated (apiflask, spectree, flask-openapi3): those
libraries want to own the Flask app class or bring pydantic, for a handful of
routes. The request schemas (:mod:`app.web.openapi_schemas`) are not only
documentation: the views validate every body against them; the answers'
schemas are in :mod:`app.web.openapi_results`, the shared pieces in
:mod:`app.web.openapi_parts`, the platform's paths in :mod:`app.web.openapi_platform`. The suite checks
every response against this document, runs schemathesis (``--checks all``,
stateful links included) and openapi-spec-validator on it, so the document
cannot drift from the code unnoticed. Every status a route can answer is listed,
with the error codes it carries and the ``Retry-After`` header of 429 and 503.
"""

from __future__ import annotations

from typing import Any

from app.config import LOCALES
from app.web import openapi_customers
from app.web.openapi_parts import (
    AUTH as _AUTH,
)
from app.web.openapi_parts import (
    ID as _ID,
)
from app.web.openapi_parts import (
    MALFORMED as _MALFORMED,
)
from app.web.openapi_parts import (
    TOO_LARGE as _TOO_LARGE,
)
from app.web.openapi_parts import (
    TOO_MANY as _TOO_MANY,
)
from app.web.openapi_parts import (
    UNAVAILABLE as _UNAVAILABLE,
)
from app.web.openapi_parts import (
    body as _body,
)
from app.web.openapi_parts import (
    error as _error,
)
from app.web.openapi_parts import (
    ok as _ok,
)
from app.web.openapi_platform import platform_paths
from app.web.openapi_results import (
    CHECK_RESULT,
    ERROR,
    ERROR_STATUS,
    HANDOFFS,
    INSIGHTS,
    RELEASED,
    VERIFICATION,
)
from app.web.openapi_schemas import CHECK_REQUEST, RELEASE_REQUEST, START_REQUEST

__all__ = ["CHECK_REQUEST", "ERROR_STATUS", "SCHEMAS", "START_REQUEST", "document"]

#: Every schema the document names (``components.schemas``): requests, then results.
SCHEMAS: dict[str, dict[str, Any]] = {
    "StartRequest": START_REQUEST,
    "CheckRequest": CHECK_REQUEST,
    "Verification": VERIFICATION,
    "CheckResult": CHECK_RESULT,
    "ReleaseRequest": RELEASE_REQUEST,
    "Handoffs": HANDOFFS,
    "Released": RELEASED,
    "Insights": INSIGHTS,
    "Error": ERROR,
}

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


def document(locales: tuple[str, ...] = LOCALES) -> dict[str, Any]:
    """The document, its ``locale`` narrowed to the languages this server speaks
    (``SANDI_LOCALES``): the body schema admits any language code, the service
    refuses one it has no templates for."""
    start = {**START_REQUEST, "properties": {**START_REQUEST["properties"]}}
    start["properties"]["locale"] = {
        **START_REQUEST["properties"]["locale"],
        "pattern": rf"^({'|'.join(locales)})([-_][A-Za-z]{{2}})?(?!\n)$",
    }
    return _document({**SCHEMAS, "StartRequest": start})


def _document(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
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
            "schemas": {**schemas, **openapi_customers.SCHEMAS},
        },
        "security": [{"bearer": []}],
        "paths": {
            **_verification_paths(),
            **_handoff_paths(),
            **openapi_customers.PATHS,
            **_insights_paths(),
            **platform_paths(),
        },
    }
