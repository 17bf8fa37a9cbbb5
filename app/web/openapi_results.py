"""The JSON Schemas of what ``/v1`` answers: verifications, check results, insights,
handoffs and errors (with the status each error code comes with).

Beside :mod:`app.web.openapi_schemas` (the requests, which the views also
validate against): the suite checks every response against these.
"""

from __future__ import annotations

from typing import Any

from app.config import LOCALES
from app.otp.model import STATUSES
from app.otp.policy import CHANNELS
from app.web.openapi_schemas import VERIFICATION_ID

_NULLABLE_TEXT = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time", "examples": ["2026-11-25T09:00:00Z"]}

VERIFICATION: dict[str, Any] = {
    "type": "object",
    "required": [
        "id", "to", "channel", "purpose", "locale", "status", "created_at", "expires_at",
        "send_count", "attempts_left", "delivery",
    ],
    "properties": {
        "id": {"type": "string", "pattern": VERIFICATION_ID},
        "to": {"type": "string"},
        "channel": {"type": "string", "enum": list(CHANNELS)},  # auto until a channel takes it
        "purpose": {"type": "string"},
        "locale": {
            "type": "string",
            "pattern": "^[a-z]{2,3}$",
            "examples": list(LOCALES),
            "description": "one of the server's SANDI_LOCALES",
        },
        "status": {"type": "string", "enum": list(STATUSES)},
        "created_at": _TIME,
        "expires_at": _TIME,
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
        "amount": {"type": "string"},
        "payee": {"type": "string"},
    },
    "examples": [
        {
            "id": "VE0123456789abcdef0123456789abcdef", "to": "+6281234567890",
            "channel": "sms", "purpose": "verify", "locale": "id", "status": "pending",
            "created_at": "2026-11-25T09:00:00Z", "expires_at": "2026-11-25T09:05:00Z",
            "send_count": 1, "attempts_left": 5,
            "delivery": {"channel": "sms", "status": "sent", "error_code": None},
        }
    ],
}  # fmt: skip

CHECK_RESULT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "valid", "attempts_left", "to", "purpose"],
    "properties": {
        "id": {"type": "string", "pattern": VERIFICATION_ID},
        "status": {"type": "string", "enum": ["pending", "approved", "max_attempts_reached"]},
        "valid": {"type": "boolean"},
        "attempts_left": {"type": "integer", "minimum": 0},
        "to": {"type": "string", "description": "the phone number or e-mail address verified"},
        "purpose": {"type": "string", "description": "the purpose the code was issued for"},
    },
    "examples": [
        {
            "id": "VE0123456789abcdef0123456789abcdef",
            "status": "approved",
            "valid": True,
            "attempts_left": 5,
            "to": "+6281234567890",
            "purpose": "login",
        }
    ],
}

INSIGHTS: dict[str, Any] = {
    "type": "object",
    "description": "docs/insights.md describes every field",
    "required": ["window", "from", "to", "totals", "by", "series"],
    "properties": {
        "window": {"type": "string", "enum": ["hour", "day", "week"]},
        "from": {"type": "string"},
        "to": {"type": "string"},
        "totals": {"type": "object"},
        "by": {
            "type": "object",
            "description": "channel, country, purpose, flow: rows {key, verifications, ...}",
            "additionalProperties": {"type": "array", "items": {"type": "object"}},
        },
        "failures": {"type": "array", "items": {"type": "object"}},
        "fallbacks": {"type": "array", "items": {"type": "object"}},
        "blocks": {"type": "array", "items": {"type": "object"}},
        "series": {"type": "array", "items": {"type": "object"}},
    },
    "examples": [
        {
            "window": "day",
            "from": "2026-12-01T00:00:00Z",
            "to": "2026-12-01T12:34:56Z",
            "totals": {
                "verifications": 120,
                "sends": 131,
                "approved": 104,
                "conversion": 0.8667,
                "median_seconds": 21.5,
                "p90_seconds": 74.0,
                "blocked": 3,
                "delivery_failures": 2,
                "fallbacks": 4,
            },
            "by": {
                "channel": [
                    {
                        "key": "sms",
                        "verifications": 90,
                        "sends": 97,
                        "approved": 78,
                        "conversion": 0.8667,
                        "median_seconds": 19.0,
                        "p90_seconds": 70.0,
                        "blocked": 3,
                        "delivery_failures": 2,
                    }
                ]
            },
            "failures": [{"channel": "sms", "error": "30003", "count": 2}],
            "fallbacks": [{"from": "whatsapp", "to": "sms", "count": 4, "approved": 3}],
            "blocks": [{"reason": "prefix_pumping", "count": 3}],
            "series": [
                {"at": "2026-12-01T09:00:00Z", "verifications": 14, "approved": 12, "blocked": 0}
            ],
        }
    ],
}

HANDOFFS: dict[str, Any] = {
    "type": "object",
    "required": ["handoffs"],
    "properties": {
        "handoffs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["conversation", "until"],
                "properties": {
                    "conversation": {"type": "string", "examples": ["wa:+6281234567890"]},
                    "channel": {"type": "string", "enum": ["whatsapp", "sms"]},
                    "since": {"type": "string", "format": "date-time"},
                    "until": {"type": "string", "format": "date-time"},
                    "name": {"type": "string", "description": "WhatsApp profile name"},
                    "locale": {"type": "string", "examples": ["id"]},
                    "assigned": {"type": ["string", "null"], "description": "staff user"},
                },
            },
        }
    },
    "examples": [
        {"handoffs": [{"conversation": "wa:+6281234567890", "until": "2026-11-25T10:00:00+00:00"}]}
    ],
}

RELEASED: dict[str, Any] = {
    "type": "object",
    "required": ["released"],
    "properties": {"released": {"type": "array", "items": {"type": "string"}}},
    "examples": [{"released": ["wa:+6281234567890"]}],
}

#: HTTP status of every error code the OTP API answers with.
ERROR_STATUS = {
    "invalid_json": 400,
    "invalid_parameter": 400,
    "unauthorized": 401,
    "verification_blocked": 403,
    "not_found": 404,
    "not_pending": 409,
    "conflict": 409,
    "invalid_destination": 422,
    "country_not_allowed": 422,
    "landline_not_supported": 422,
    "number_type_not_allowed": 422,
    "channel_not_allowed": 422,
    "invalid_code": 422,
    "payment_binding_required": 422,
    "binding_not_allowed": 422,
    "resend_cooldown": 429,
    "max_sends_reached": 429,
    "max_attempts_reached": 429,
    "rate_limited": 429,
    "max_redeliveries": 429,
    "delivery_failed": 502,
    "busy": 503,
}
#: Codes of the other ``/v1`` routes and of the server itself (any route).
OTHER_CODES = (
    "invalid_request", "invalid_to", "invalid_channel", "missing_to", "unavailable",
    "bad_request", "method_not_allowed", "request_entity_too_large",
    "invalid_customer", "forbidden", "csrf", "login_required",
)  # fmt: skip
ERROR_CODES = sorted({*ERROR_STATUS, *OTHER_CODES})

ERROR: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "enum": ERROR_CODES},
                "message": {"type": "string"},
                "field": {"type": "string"},
                "retry_after": {"type": "integer", "minimum": 0},
                "verification_id": {"type": "string"},
            },
        }
    },
    "examples": [
        {
            "error": {
                "code": "resend_cooldown",
                "message": "a code was sent moments ago; a new one can be sent in 18 s",
                "retry_after": 18,
                "verification_id": "VE0123456789abcdef0123456789abcdef",
            }
        }
    ],
}
