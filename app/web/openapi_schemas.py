"""The JSON Schemas of ``/v1``: what the OpenAPI document publishes and what the
views validate every request body against, so the two cannot disagree.

A body that breaks a rule written here is a 400 ``invalid_parameter`` before the
OTP service sees it; a body these schemas accept is never a 400. What only the
server's state or policy can decide (a number that is well formed but not
assigned, a country not served, a channel a purpose may not use) is a 422.
The rules the built-in purposes imply are written in the schema: ``payment``
needs ``amount`` and ``payee``, a start without a purpose (``verify``) takes
neither, and the two always come together.
"""

from __future__ import annotations

from typing import Any

from app.config import LOCALES
from app.otp.model import STATUSES
from app.otp.policy import CHANNELS, DEFAULT_PURPOSE, PHONE_CHANNELS

#: The built-in purpose whose code is bound to an amount and a payee.
PAYMENT = "payment"
# Patterns end ``(?!\n)$``: Python's ``$`` also matches before a final newline,
# ECMA 262's (what generators and other validators use) does not; this way both
# engines accept exactly the same strings. No ``\s`` either, for the same reason:
# the two engines disagree on which characters are spaces.
VERIFICATION_ID = r"^VE[0-9a-f]{32}(?!\n)$"
PHONE = {
    "type": "string",
    "pattern": r"^\+[1-9][0-9]{6,14}(?!\n)$",
    "description": "E.164 phone number, e.g. +6281234567890",
    "examples": ["+6281234567890"],
}
EMAIL = {
    "type": "string",
    "maxLength": 254,
    "pattern": r"^[^@\x00-\x20\x7f]{1,64}@[^@\x00-\x20\x7f]+\.[^@\x00-\x20\x7f]+(?!\n)$",
    "description": "e-mail address, e.g. budi@example.co.id",
    "examples": ["budi@example.co.id"],
}
PURPOSE = {
    "type": "string",
    "pattern": r"^[a-z][a-z0-9_]{0,31}(?!\n)$",
    "default": DEFAULT_PURPOSE,
    "description": "Keeps verifications apart: login, signup, change_email, payment, ... "
    "`payment` binds the code to `amount` and `payee`.",
}
# Printable text with something besides spaces (the service collapses whitespace:
# every character Python's str.split() splits on is listed).
_SPACE = r"\x00-\x20\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_TEXT = rf"^[^\x00-\x1f\x7f]*[^{_SPACE}][^\x00-\x1f\x7f]*(?!\n)$"
AMOUNT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 32,
    "pattern": _TEXT,
    "description": "printable text, 1 to 32 characters",
    "examples": ["Rp150.000"],
}
PAYEE = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": _TEXT,
    "description": "printable text, 1 to 64 characters",
    "examples": ["Toko Budi"],
}
CODE = {
    "type": "string",
    "pattern": r"^[0-9](?:[ -]?[0-9]){3,9}(?!\n)$",
    "description": "4 to 10 digits, optionally grouped with single spaces or dashes (`123 456`)",
    "examples": ["123456"],
}
LOCALE = {
    "type": "string",
    "pattern": r"^(id|en)([-_][A-Za-z]{2})?(?!\n)$",
    "default": "id",
    "description": "id or en (a region such as en-US is ignored)",
}

_BOTH_OR_NEITHER = [
    {"if": {"required": ["amount"]}, "then": {"required": ["payee"]}},
    {"if": {"required": ["payee"]}, "then": {"required": ["amount"]}},
]
_NO_BINDING = {"not": {"anyOf": [{"required": ["amount"]}, {"required": ["payee"]}]}}
_IS_PAYMENT = {"required": ["purpose"], "properties": {"purpose": {"const": PAYMENT}}}
#: The built-in purposes that bind nothing (a purpose of an operator's own is
#: left to the server's policy: 422 ``binding_not_allowed`` if it binds nothing).
UNBOUND = sorted({DEFAULT_PURPOSE, "login", "signup", "change_email"})
_UNBOUND_OR_NONE = {
    "anyOf": [
        {"not": {"required": ["purpose"]}},
        {"properties": {"purpose": {"enum": UNBOUND}}},
    ]
}

START_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["to", "channel"],
    "description": "`to` is a phone number for sms, whatsapp, call and flashcall, an e-mail "
    "address for email, either for auto. `payment` needs `amount` and `payee`; without a "
    "`purpose` (verify) neither is taken.",
    "properties": {
        "to": {"anyOf": [PHONE, EMAIL], "examples": ["+6281234567890"]},
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "locale": LOCALE,
        "purpose": PURPOSE,
        "amount": AMOUNT,
        "payee": PAYEE,
    },
    "allOf": [
        *_BOTH_OR_NEITHER,
        {"if": _IS_PAYMENT, "then": {"required": ["amount", "payee"]}},
        {"if": _UNBOUND_OR_NONE, "then": _NO_BINDING},
        {
            "if": {
                "required": ["channel"],
                "properties": {"channel": {"enum": sorted(PHONE_CHANNELS)}},
            },
            "then": {"properties": {"to": PHONE}},
        },
        {
            "if": {"required": ["channel"], "properties": {"channel": {"const": "email"}}},
            "then": {"properties": {"to": EMAIL}},
        },
    ],
    "examples": [
        {"to": "+6281234567890", "channel": "sms"},
        {"to": "+6281234567890", "channel": "whatsapp", "purpose": "login", "locale": "en"},
        {"to": "budi@example.co.id", "channel": "email", "purpose": "signup"},
        {
            "to": "+6281234567890",
            "channel": "sms",
            "purpose": PAYMENT,
            "amount": "Rp150.000",
            "payee": "Toko Budi",
        },
    ],
}

CHECK_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code"],
    "description": "Give `to` (with the `purpose` it was started with) or the verification's "
    "`id`, not both. A payment's check repeats its `amount` and `payee`.",
    "properties": {
        "to": {"anyOf": [PHONE, EMAIL]},
        # Any text: an id that is not one is simply not found (404).
        "id": {"type": "string", "minLength": 1, "maxLength": 64},
        "code": CODE,
        "purpose": PURPOSE,
        "amount": AMOUNT,
        "payee": PAYEE,
    },
    "oneOf": [{"required": ["to"]}, {"required": ["id"]}],
    "allOf": [
        *_BOTH_OR_NEITHER,
        {"if": _IS_PAYMENT, "then": {"required": ["amount", "payee"]}},
        {
            # By number, a purpose that binds nothing (none given: verify).
            "if": {"required": ["to"], **_UNBOUND_OR_NONE},
            "then": _NO_BINDING,
        },
    ],
    "examples": [
        {"to": "+6281234567890", "code": "123456"},
        {"id": "VE0123456789abcdef0123456789abcdef", "code": "123 456"},
        {
            "to": "+6281234567890",
            "purpose": PAYMENT,
            "code": "123456",
            "amount": "Rp150.000",
            "payee": "Toko Budi",
        },
    ],
}

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
        "locale": {"type": "string", "enum": list(LOCALES)},
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

RELEASE_REQUEST: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["to"],
    "properties": {
        "to": {
            "type": "string",
            "pattern": r"^(whatsapp:)?\+[1-9][0-9]{6,14}(?!\n)$",
            "description": "the customer's E.164 number (whatsapp: prefix allowed)",
        },
        "channel": {"type": "string", "enum": ["whatsapp", "sms"]},
    },
    "examples": [{"to": "+6281234567890", "channel": "whatsapp"}],
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
