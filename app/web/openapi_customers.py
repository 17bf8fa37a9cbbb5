"""The ``/v1/customers`` part of the OpenAPI document (:mod:`app.web.openapi`)."""

from __future__ import annotations

from typing import Any

_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def _error(description: str, codes: list[str]) -> dict[str, Any]:
    return {"description": f"{description} (error codes: {', '.join(codes)})", "content": _ERROR}


CUSTOMER_EXPORT: dict[str, Any] = {
    "type": "object",
    "description": "Everything Sandi holds about one customer; never a code or a hash.",
    "required": ["customer", "exported_at", "addresses", "conversations", "verifications",
                 "deliveries", "outbox", "opt_outs"],
    "properties": {
        "customer": {"type": "string", "description": "The number (E.164) or e-mail address"},
        "exported_at": {"type": "string", "format": "date-time"},
        "addresses": {"type": "array", "items": {"type": "string"},
                      "description": "The customer's number and the e-mails they verified"},
        "conversations": {
            "type": "object",
            "description": "Per channel (whatsapp, sms): session (with history, when kept), "
            "profile, replies, backend_requests",
        },
        "verifications": {"type": "array", "items": {"type": "object"}},
        "deliveries": {"type": "array", "items": {"type": "object"}},
        "outbox": {"type": "array", "items": {"type": "object"},
                   "description": "Sandbox only: what was sent (not its text)"},
        "opt_outs": {"type": "object", "description": "Address -> {channel: epoch seconds}"},
        "verified_emails": {"type": "array", "items": {"type": "string"}},
        "open_verifications": {"type": "object"},
        "handoffs_waiting": {"type": "array", "items": {"type": "object"}},
        "audit": {"type": "array", "items": {"type": "object"}},
    },
}  # fmt: skip

ERASURE: dict[str, Any] = {
    "type": "object",
    "required": ["customer", "erased", "opt_outs_kept"],
    "properties": {
        "customer": {"type": "string", "description": "Keyed hash of the customer (audit id)"},
        "erased": {"const": True},
        "opt_outs_kept": {"type": "array", "items": {"type": "string"},
                          "description": "Channels whose opt-out stays, as a keyed hash"},
    },
}  # fmt: skip

_PARAM = [
    {
        "name": "customer",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "+62812..., 62812..., 0812..., whatsapp:+62... or an e-mail address",
    }
]
_REFUSED = {
    "400": _error("Not a phone number or e-mail address", ["invalid_customer"]),
    "401": _error("Missing or unknown API key", ["unauthorized"]),
    "403": _error("The API key has no admin scope", ["forbidden"]),
}


def _ok(description: str, schema: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


SCHEMAS = {"CustomerExport": CUSTOMER_EXPORT, "Erasure": ERASURE}

PATHS: dict[str, Any] = {
    "/v1/customers/{customer}": {
        "get": {
            "operationId": "exportCustomer",
            "summary": "Everything Sandi holds about a customer (admin scope; PDP right to see)",
            "parameters": _PARAM,
            "responses": {"200": _ok("The export", "CustomerExport"), **_REFUSED},
        },
        "delete": {
            "operationId": "eraseCustomer",
            "summary": "Erase a customer (admin scope; PDP right to erase); opt-outs stay hashed",
            "parameters": _PARAM,
            "responses": {
                "200": _ok("Erased", "Erasure"),
                **_REFUSED,
                "503": _error("The conversation stayed busy; nothing erased", ["busy"]),
            },
        },
    }
}
