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
    "pattern": r"^[a-z]{2,3}([-_][A-Za-z]{2})?(?!\n)$",
    "default": "id",
    "description": (
        "one of the server's SANDI_LOCALES, id and en by default (a region such as "
        "en-US is ignored); another language is refused with the list"
    ),
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
