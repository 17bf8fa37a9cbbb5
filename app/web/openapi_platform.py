"""The ``/v1`` OpenAPI paths of the platform: health, metrics, the sandbox outbox,
the documents themselves (beside :mod:`app.web.openapi`, which assembles them)."""

from __future__ import annotations

from typing import Any

from app.web.openapi_parts import (
    JSON as _JSON,
)
from app.web.openapi_parts import (
    UNAVAILABLE as _UNAVAILABLE,
)
from app.web.openapi_parts import (
    error as _error,
)


def platform_paths() -> dict[str, Any]:
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
