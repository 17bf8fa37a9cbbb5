"""The OTP API's OpenAPI 3.1 document, written by hand as data.

Hand-written rather than generated (apiflask, spectree, flask-openapi3):
those libraries want to own the Flask app class or bring pydantic, for four
routes. Here the request schemas are not only documentation: the views
validate every request body against them (jsonschema), and the tests check
every response against the response schemas and every ``/v1`` route against
``paths`` — so the document cannot drift from the code unnoticed.
"""

from __future__ import annotations

from typing import Any

from app.config import LOCALES
from app.otp.model import STATUSES
from app.otp.policy import CHANNELS, DEFAULT_PURPOSE

PURPOSE = {
    "type": "string",
    "pattern": "^[a-z][a-z0-9_]{0,31}$",
    "default": DEFAULT_PURPOSE,
    "description": "Keeps verifications apart: login, signup, change_email, payment, ... "
    "`payment` binds the code to `amount` and `payee`.",
}
AMOUNT = {"type": "string", "minLength": 1, "maxLength": 32, "examples": ["Rp150.000"]}
PAYEE = {"type": "string", "minLength": 1, "maxLength": 64, "examples": ["Toko Budi"]}
CODE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 32,
    "description": "4 to 10 digits; spaces and dashes are ignored (`123 456`).",
    "examples": ["123456"],
}

START_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["to", "channel"],
    "properties": {
        "to": {
            "type": "string",
            "minLength": 1,
            "maxLength": 254,
            "description": "E.164 phone number, or an e-mail address for channel email.",
            "examples": ["+6281234567890"],
        },
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "locale": {"type": "string", "pattern": "^(id|en)([-_][A-Za-z]{2})?$", "default": "id"},
        "purpose": PURPOSE,
        "amount": AMOUNT,
        "payee": PAYEE,
    },
}

CHECK_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code"],
    "description": "Give `to` (with `purpose`) or the verification's `id`, not both.",
    "properties": {
        "to": {"type": "string", "minLength": 1, "maxLength": 254},
        "id": {"type": "string", "minLength": 1, "maxLength": 64},
        "code": CODE,
        "purpose": PURPOSE,
        "amount": AMOUNT,
        "payee": PAYEE,
    },
}

_NULLABLE_TEXT = {"type": ["string", "null"]}

VERIFICATION: dict[str, Any] = {
    "type": "object",
    "required": [
        "id", "to", "channel", "purpose", "locale", "status", "created_at", "expires_at",
        "send_count", "attempts_left", "delivery",
    ],
    "properties": {
        "id": {"type": "string", "pattern": "^VE[0-9a-f]{32}$"},
        "to": {"type": "string"},
        "channel": {"type": "string", "enum": list(CHANNELS)},  # auto until a channel takes it
        "purpose": {"type": "string"},
        "locale": {"type": "string", "enum": list(LOCALES)},
        "status": {"type": "string", "enum": list(STATUSES)},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
        "send_count": {"type": "integer", "minimum": 1},
        "attempts_left": {"type": "integer", "minimum": 0},
        "delivery": {
            "type": "object",
            "required": ["channel", "status", "error_code"],
            "properties": {
                "channel": _NULLABLE_TEXT,
                "status": _NULLABLE_TEXT,
                "error_code": _NULLABLE_TEXT,
            },
        },
        "amount": AMOUNT,
        "payee": PAYEE,
    },
}  # fmt: skip

CHECK_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "valid", "attempts_left"],
    "properties": {
        "id": {"type": "string", "pattern": "^VE[0-9a-f]{32}$"},
        "status": {"type": "string", "enum": ["pending", "approved", "max_attempts_reached"]},
        "valid": {"type": "boolean"},
        "attempts_left": {"type": "integer", "minimum": 0},
    },
}

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "retry_after": {"type": "integer", "minimum": 0},
                "verification_id": {"type": "string"},
            },
        }
    },
}

#: HTTP status of every error code the API answers with.
ERROR_STATUS = {
    "invalid_json": 400,
    "invalid_parameter": 400,
    "unauthorized": 401,
    "not_found": 404,
    "not_pending": 409,
    "conflict": 409,
    "invalid_destination": 422,
    "country_not_allowed": 422,
    "verification_blocked": 403,
    "channel_not_allowed": 422,
    "invalid_code": 422,
    "payment_binding_required": 422,
    "resend_cooldown": 429,
    "max_sends_reached": 429,
    "max_attempts_reached": 429,
    "rate_limited": 429,
    "max_redeliveries": 429,
    "delivery_failed": 502,
    "busy": 503,
}


def _error(description: str, codes: list[str]) -> dict[str, Any]:
    return {
        "description": f"{description} (error codes: {', '.join(codes)})",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _body(schema: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_AUTH = _error("Missing or unknown API key", ["unauthorized"])
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
_TOO_MANY = {
    **_error(
        "Limited; see Retry-After",
        ["resend_cooldown", "max_sends_reached", "max_attempts_reached", "rate_limited"],
    ),
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sandi API",
            "version": "1.0.0",
            "description": "Send one-time codes by SMS, WhatsApp, voice call, e-mail or "
            "flash call, and check them. Shaped after Twilio Verify.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "StartRequest": START_REQUEST,
                "CheckRequest": CHECK_REQUEST,
                "Verification": VERIFICATION,
                "CheckResult": CHECK_RESULT,
                "Error": ERROR,
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/verifications": {
                "post": {
                    "operationId": "startVerification",
                    "summary": "Send a code (a second call while pending resends: same id, new code)",
                    "requestBody": _body("StartRequest"),
                    "responses": {
                        "201": _ok("Code sent; the verification is pending", "Verification"),
                        "400": _error("Malformed request", ["invalid_json", "invalid_parameter"]),
                        "401": _AUTH,
                        "403": _error(
                            "The fraud guard blocked the send (SMS pumping)",
                            ["verification_blocked"],
                        ),
                        "409": _error("A payment for another amount is pending", ["conflict"]),
                        "422": _error(
                            "Refused before sending",
                            [
                                "invalid_destination",
                                "country_not_allowed",
                                "channel_not_allowed",
                                "payment_binding_required",
                            ],
                        ),
                        "429": _TOO_MANY,
                        "502": _error("The channel could not deliver", ["delivery_failed"]),
                    },
                }
            },
            "/v1/verifications/check": {
                "post": {
                    "operationId": "checkVerification",
                    "summary": "Check a code",
                    "requestBody": _body("CheckRequest"),
                    "responses": {
                        "200": _ok("Compared: valid true (approved) or false", "CheckResult"),
                        "400": _error("Malformed request", ["invalid_json", "invalid_parameter"]),
                        "401": _AUTH,
                        "404": _error("No pending verification", ["not_found"]),
                        "422": _error(
                            "Not compared",
                            ["invalid_code", "invalid_destination", "payment_binding_required"],
                        ),
                        "429": _TOO_MANY,
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
                    },
                }
            },
            "/v1/insights": {
                "get": {
                    "operationId": "getInsights",
                    "summary": "OTP conversion, delivery and fraud-guard figures "
                    "(docs/insights.md describes the fields)",
                    "parameters": [
                        {
                            "name": "window",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string", "enum": ["hour", "day", "week"]},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "{window, from, to, totals, by: {channel, country, "
                            "purpose, flow}, failures, fallbacks, blocks, series}"
                        },
                        "400": _error("Unknown window", ["invalid_parameter"]),
                        "401": _AUTH,
                    },
                }
            },
            "/v1/handoffs": {
                "get": {
                    "operationId": "listHandoffs",
                    "summary": "Conversations a person has taken over, and when each times out",
                    "responses": {
                        "200": {"description": "{handoffs: [{conversation, until}]}"},
                        "401": _AUTH,
                    },
                }
            },
            "/v1/handoffs/release": {
                "post": {
                    "operationId": "releaseHandoff",
                    "summary": "Give a conversation back to the bot",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["to"],
                                    "properties": {
                                        "to": {"type": "string", "description": "+62..."},
                                        "channel": {"enum": ["whatsapp", "sms"]},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "{released: [conversation ids]}"},
                        "400": _error(
                            "Malformed request",
                            ["invalid_request", "invalid_to", "invalid_channel"],
                        ),
                        "401": _AUTH,
                        "404": _error("Nobody is handed off for that number", ["not_found"]),
                    },
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
    }
