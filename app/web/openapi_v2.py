"""The ``/v2`` OpenAPI 3.1 document: Twilio Verify's shapes for what Sandi serves.

Field for field the resources of :mod:`app.web.verify_v2_json` (Twilio's own
``twilio_verify_v2`` definitions, trimmed to the resources Sandi has), with
form-encoded requests and HTTP Basic auth as Twilio's SDKs send them, and
Twilio's error body with the codes Sandi answers. Served at
``/v2/openapi.json``; checked by openapi-spec-validator in the suite, and the
official twilio-node and twilio-python SDKs run against the routes it lists.
"""

from __future__ import annotations

from typing import Any

from app.web.verify_v2_errors import TITLES

_FORM = "application/x-www-form-urlencoded"
_JSON = "application/json"
_NULL = {"type": "null"}
_TEXT = {"type": "string"}
_NULLABLE = {"type": ["string", "null"]}
_FLAG = {"type": "boolean"}
_TIME = {"type": "string", "format": "date-time", "examples": ["2026-11-25T09:00:00Z"]}
_SID = {
    "VA": {"type": "string", "pattern": "^VA[0-9a-f]{32}$"},
    "VE": {"type": "string", "pattern": "^VE[0-9a-f]{32}$"},
    "AC": {"type": "string", "pattern": "^AC[0-9a-f]{32}$"},
}


def _object(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": sorted(properties), "properties": properties, **extra}


SERVICE = _object(
    {
        "sid": _SID["VA"], "account_sid": _SID["AC"], "friendly_name": _TEXT,
        "code_length": {"type": "integer", "minimum": 4, "maximum": 10},
        "lookup_enabled": _FLAG, "psd2_enabled": _FLAG, "skip_sms_to_landlines": _FLAG,
        "dtmf_input_required": _FLAG, "tts_name": _NULL, "do_not_share_warning_enabled": _FLAG,
        "custom_code_enabled": _FLAG, "push": _NULL, "totp": _NULL,
        "default_template_sid": _NULL, "whatsapp": _NULL, "passkeys": _NULL,
        "verify_event_subscription_enabled": _FLAG, "date_created": _TIME,
        "date_updated": _TIME, "url": _TEXT,
        "links": {"type": "object", "additionalProperties": _TEXT},
        "purpose": {"type": "string", "description": "Sandi's own: the OTP purpose it uses"},
    }
)  # fmt: skip
VERIFICATION = _object(
    {
        "sid": _SID["VE"], "service_sid": _SID["VA"], "account_sid": _SID["AC"], "to": _TEXT,
        "channel": {"type": "string", "enum": ["sms", "whatsapp", "call", "email", "flashcall", "auto"]},
        "status": {"type": "string", "enum": ["pending", "approved", "canceled", "max_attempts_reached", "expired"]},
        "valid": _FLAG, "date_created": _TIME, "date_updated": _TIME,
        "lookup": {"type": "object"}, "amount": _NULLABLE, "payee": _NULLABLE,
        "send_code_attempts": {
            "type": "array",
            "items": _object({
                "time": {"type": "string", "examples": ["2026-11-25T09:00:00.000Z"]},
                "channel": _TEXT,
                "attempt_sid": {"type": "string", "pattern": "^VL[0-9a-f]{32}$"},
            }),
        },
        "sna": _NULL, "url": _TEXT,
    }
)  # fmt: skip
VERIFICATION_CHECK = _object(
    {
        "sid": _SID["VE"], "service_sid": _SID["VA"], "account_sid": _SID["AC"], "to": _TEXT,
        "channel": _TEXT, "status": _TEXT, "valid": _FLAG, "amount": _NULLABLE,
        "payee": _NULLABLE, "sna_attempts_error_codes": {"type": "array"},
        "date_created": _TIME, "date_updated": _TIME,
    }
)  # fmt: skip
_META = _object(
    {
        "page": {"type": "integer"}, "page_size": {"type": "integer"},
        "first_page_url": _TEXT, "previous_page_url": _NULLABLE, "url": _TEXT,
        "next_page_url": _NULLABLE, "key": {"const": "services"},
    }
)  # fmt: skip
SERVICE_PAGE = _object(
    {
        "services": {"type": "array", "items": {"$ref": "#/components/schemas/Service"}},
        "meta": _META,
    }
)
ERROR = _object(
    {
        "code": {"type": "integer", "enum": sorted(TITLES)},
        "message": _TEXT,
        "more_info": _TEXT,
        "status": {"type": "integer"},
    },
    examples=[
        {
            "code": 60202,
            "message": "Max check attempts reached: too many wrong codes",
            "more_info": "https://www.twilio.com/docs/errors/60202",
            "status": 429,
        }
    ],
)


def _form(
    properties: dict[str, Any], required: list[str], example: dict[str, str]
) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {_FORM: {"schema": schema, "example": example}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {_JSON: {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _errors(*statuses: int) -> dict[str, Any]:
    meaning = {
        400: "Invalid parameter (60200), amount/payee required (60206), unsubscribed (21610)",
        401: "Authenticate (20003)",
        403: "Country not served (60605)",
        404: "Not found, or ended (20404)",
        413: "Body too large (60200)",
        429: "Too many checks (60202), sends (60203) or requests (20429); see Retry-After",
        503: "Storage or channel unavailable (20503); see Retry-After",
    }
    answers = {}
    for status in statuses:
        answer: dict[str, Any] = {
            "description": meaning[status],
            "content": {_JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        if status in {429, 503}:
            answer["headers"] = {"Retry-After": {"schema": {"type": "integer"}}}
        answers[str(status)] = answer
    return answers


_SERVICE_SID = {"name": "ServiceSid", "in": "path", "required": True, "schema": _SID["VA"]}
_REF = {
    "name": "Sid",
    "in": "path",
    "required": True,
    "description": "The VE sid, or the To it was sent to (the one still open)",
    "schema": {"type": "string"},
}
_SERVICE_FORM = {
    "FriendlyName": {"type": "string", "maxLength": 32},
    "CodeLength": {"type": "integer", "minimum": 4, "maximum": 10},
    "Psd2Enabled": {"type": "boolean"},
    "CustomCodeEnabled": {"type": "boolean", "description": "true is refused"},
    "Purpose": {"type": "string", "description": "Sandi's own: the OTP purpose to use"},
}
_START_FORM = {
    "To": _TEXT,
    "Channel": {
        "type": "string",
        "enum": ["sms", "whatsapp", "call", "email", "flashcall", "auto"],
    },
    "Locale": _TEXT,
    "CustomFriendlyName": {"type": "string", "maxLength": 32},
    "Amount": _TEXT,
    "Payee": _TEXT,
}
_CHECK_FORM = {
    "Code": _TEXT,
    "To": _TEXT,
    "VerificationSid": _SID["VE"],
    "Amount": _TEXT,
    "Payee": _TEXT,
}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sandi: Twilio Verify v2",
            "version": "1.0.0",
            "description": "Twilio Verify's wire format over Sandi's OTP service: point a "
            "Twilio SDK's Verify base URL here. Services, Verifications and "
            "VerificationCheck; everything else Twilio Verify has answers 20404.",
        },
        "servers": [{"url": "/", "description": "the server that serves this document"}],
        "components": {
            "securitySchemes": {
                "basic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "API key SID as user name and its secret as password (a "
                    "key from SANDI_API_KEYS: any user name)",
                }
            },
            "schemas": {
                "Service": SERVICE,
                "ServicePage": SERVICE_PAGE,
                "Verification": VERIFICATION,
                "VerificationCheck": VERIFICATION_CHECK,
                "Error": ERROR,
            },
        },
        "security": [{"basic": []}],
        "paths": _paths(),
    }


def _paths() -> dict[str, Any]:
    page = [
        {"name": "PageSize", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
        {"name": "Page", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    ]  # fmt: skip
    return {
        "/v2/Services": {
            "post": {
                "operationId": "CreateService",
                "requestBody": _form(
                    _SERVICE_FORM, ["FriendlyName"], {"FriendlyName": "Toko Budi"}
                ),
                "responses": {"201": _ok("Created", "Service"), **_errors(400, 401, 413, 503)},
            },
            "get": {
                "operationId": "ListService",
                "parameters": page,
                "responses": {"200": _ok("A page", "ServicePage"), **_errors(400, 401, 503)},
            },
        },
        "/v2/Services/{ServiceSid}": {
            "parameters": [_SERVICE_SID],
            "get": {
                "operationId": "FetchService",
                "responses": {"200": _ok("The service", "Service"), **_errors(401, 404, 503)},
            },
            "post": {
                "operationId": "UpdateService",
                "requestBody": _form(_SERVICE_FORM, [], {"CodeLength": "8"}),
                "responses": {"200": _ok("Updated", "Service"), **_errors(400, 401, 404, 413, 503)},
            },
            "delete": {
                "operationId": "DeleteService",
                "responses": {"204": {"description": "Deleted"}, **_errors(401, 404, 503)},
            },
        },
        "/v2/Services/{ServiceSid}/Verifications": {
            "parameters": [_SERVICE_SID],
            "post": {
                "operationId": "CreateVerification",
                "requestBody": _form(
                    _START_FORM, ["To", "Channel"], {"To": "+6281234567890", "Channel": "sms"}
                ),
                "responses": {
                    "201": _ok("Sent (a resend repeats the pending code)", "Verification"),
                    **_errors(400, 401, 403, 404, 413, 429, 503),
                },
            },
        },
        "/v2/Services/{ServiceSid}/Verifications/{Sid}": {
            "parameters": [_SERVICE_SID, _REF],
            "get": {
                "operationId": "FetchVerification",
                "responses": {"200": _ok("Pending", "Verification"), **_errors(401, 404, 503)},
            },
            "post": {
                "operationId": "UpdateVerification",
                "requestBody": _form(
                    {"Status": {"type": "string", "enum": ["canceled"]}},
                    ["Status"],
                    {"Status": "canceled"},
                ),
                "responses": {
                    "200": _ok("Canceled", "Verification"),
                    **_errors(400, 401, 404, 503),
                },
            },
        },
        "/v2/Services/{ServiceSid}/VerificationCheck": {
            "parameters": [_SERVICE_SID],
            "post": {
                "operationId": "CreateVerificationCheck",
                "requestBody": _form(
                    _CHECK_FORM, ["Code"], {"To": "+6281234567890", "Code": "123456"}
                ),
                "responses": {
                    "200": _ok("Compared", "VerificationCheck"),
                    **_errors(400, 401, 404, 413, 429, 503),
                },
            },
        },
        "/v2/openapi.json": {
            "get": {
                "operationId": "OpenApiV2",
                "security": [],
                "responses": {
                    "200": {
                        "description": "This document",
                        "content": {_JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }
