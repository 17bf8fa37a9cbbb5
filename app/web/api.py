"""``/v1/verifications``: the Verify-style REST API over :class:`OtpService`.

Thin views: authenticate, validate the JSON body against the OpenAPI schema,
call the service, render. Every refusal is ``{"error": {"code", "message"}}``
with the status from :data:`app.web.openapi.ERROR_STATUS` — never a 500 for
anything a caller sends.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import fastjsonschema
from flask import Blueprint, Response, g, jsonify, request
from jsonschema import Draft202012Validator, ValidationError
from werkzeug.routing import BaseConverter

from app.otp.errors import OtpError
from app.otp.model import CheckResult, Verification
from app.web import openapi
from app.web.auth import bearer_key
from app.web.current import services
from app.web.fast_schema import fast_schema
from app.wiring.services import Services

log = logging.getLogger(__name__)

bp = Blueprint("api", __name__, url_prefix="/v1")


class BodySchema:
    """A request schema twice: compiled to Python by fastjsonschema, ~10x
    faster at saying "valid" (what almost every request is; rewritten so that
    it need not raise to say so: :mod:`app.web.fast_schema`), and jsonschema,
    which explains what is wrong with the rest. Defaults are not filled in:
    the service applies its own (the operator's default locale)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.is_valid = fastjsonschema.compile(fast_schema(schema), use_default=False)
        self.explainer = Draft202012Validator(schema)


_START = BodySchema(openapi.START_REQUEST)
_CHECK = BodySchema(openapi.CHECK_REQUEST)
_PUBLIC = {"api.openapi_json"}
UNAUTHORIZED = OtpError("unauthorized", "give a valid API key: Authorization: Bearer <key>")


class VerificationIdConverter(BaseConverter):
    """``VE`` + 32 hex only, so ``/v1/verifications/check`` is never read as an id
    (``GET`` there is a 405 whose ``Allow`` says POST, not a 404 for id "check")."""

    regex = "VE[0-9a-f]{32}"


@bp.record_once
def _converter(state: Any) -> None:
    state.app.url_map.converters["verification_id"] = VerificationIdConverter


@bp.before_request
def require_key() -> tuple[Response, int] | None:
    if request.endpoint in _PUBLIC or request.method == "OPTIONS":
        return None  # OPTIONS only lists the methods (Allow), as a CORS preflight needs
    if bearer_key() is None:
        return _error(UNAUTHORIZED)
    return None


@bp.errorhandler(OtpError)
def otp_error(err: OtpError) -> tuple[Response, int]:
    return _error(err)


@bp.post("/verifications")
def start() -> tuple[Response, int]:
    body = start_body(request.get_json(force=True, silent=True))
    answer = start_answer(services(), body, request.remote_addr, _api_key_sid())
    return jsonify(answer), 201


@bp.post("/verifications/check")
def check() -> Response:
    body = check_body(request.get_json(force=True, silent=True))
    return jsonify(check_answer(services(), body))


def start_body(data: Any) -> dict[str, Any]:
    """A start request's parsed JSON, validated (or OtpError)."""
    return _body(_START, data)


def check_body(data: Any) -> dict[str, Any]:
    """A check request's parsed JSON, validated (or OtpError)."""
    return _body(_CHECK, data)


def start_answer(
    s: Services, body: dict[str, Any], client_ip: str | None, api_key: str | None
) -> dict[str, Any]:
    """Start a verification from a validated body: its JSON (status 201).

    The Flask view and the fast path (app.web.fast_api) both answer through
    here, so a start is made, counted and logged alike."""
    started = s.otp.start(
        to=body["to"],
        channel=body["channel"],
        purpose=body.get("purpose"),
        locale=body.get("locale"),
        client_ip=client_ip,
        api_key=api_key,
        amount=body.get("amount"),
        payee=body.get("payee"),
    )
    return verification_json(started.verification)


def check_answer(s: Services, body: dict[str, Any]) -> dict[str, Any]:
    """Check a code from a validated body: the result's JSON (status 200); shared
    with the fast path as :func:`start_answer` is."""
    result = s.otp.check(
        code=body["code"],
        to=body.get("to"),
        verification_id=body.get("id"),
        purpose=body.get("purpose"),
        amount=body.get("amount"),
        payee=body.get("payee"),
    )
    return check_json(result)


@bp.get("/verifications/<verification_id:verification_id>")
def fetch(verification_id: str) -> Response:
    return jsonify(verification_json(services().otp.get(verification_id)))


@bp.post("/verifications/<verification_id:verification_id>/cancel")
def cancel(verification_id: str) -> Response:
    return jsonify(verification_json(services().otp.cancel(verification_id)))


@bp.get("/insights")
def insights() -> Response:
    """Conversion, delivery and fraud-guard figures (``?window=hour|day|week``)."""
    from app.web.insights import insights_json, window_of

    return jsonify(insights_json(services(), window_of(request.args.get("window"))))


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi.document(services().settings.locales))


def verification_json(v: Verification) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": v.id,
        "to": v.to,
        "channel": v.channel,
        "purpose": v.purpose,
        "locale": v.locale,
        "status": v.status,
        "created_at": _time(v.created_at),
        "expires_at": _time(v.expires_at),
        "send_count": v.send_count,
        "attempts_left": v.attempts_left,
        "delivery": {
            "channel": v.delivery.channel,
            "status": v.delivery.status,
            "error_code": v.delivery.error_code,
        },
    }
    if v.amount is not None:
        data["amount"] = v.amount
        data["payee"] = v.payee
    return data


def check_json(r: CheckResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "status": r.status,
        "valid": r.valid,
        "attempts_left": r.attempts_left,
        "to": r.to,
        "purpose": r.purpose,
    }


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _api_key_sid() -> str | None:
    key = getattr(g, "api_key", None)
    return key.sid if key is not None else None


def _body(schema: BodySchema, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise OtpError("invalid_json", "the body must be a JSON object")
    try:
        schema.is_valid(data)
        return data
    except fastjsonschema.JsonSchemaException:
        pass
    # A field's own error first (its type, its format), then the rules between fields.
    errors = sorted(schema.explainer.iter_errors(data), key=lambda e: (not e.path, str(e.path)))
    if errors:
        field, message = _explain(errors[0])
        if field in {"amount", "payee"} and message == "is required" and "purpose" in data:
            # The payment purpose's rule, with the code its callers already handle.
            raise OtpError(
                "payment_binding_required",
                f"{field}: purpose payment binds the code to an amount and a payee; give both",
                field=field,
            )
        raise OtpError("invalid_parameter", f"{field}: {message}", field=field)
    return data


def _explain(error: ValidationError) -> tuple[str, str]:
    """A message naming the field and the rule — never echoing the value sent
    (it might be a code)."""
    field = ".".join(str(p) for p in error.path) or "body"
    rule: Any = error.validator
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if rule == "required":
        missing = [f for f in expected if f not in instance]
        return missing[0], "is required"
    if rule == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        return (extra[0] if extra else field), "is not a known field"
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return field, f"must be a {' or '.join(kinds)}"
    if rule == "enum":
        return field, f"must be one of {', '.join(map(str, expected))}"
    if rule in {"minLength", "maxLength"}:
        return (
            field,
            f"must be {schema.get('minLength', 0)} to {schema.get('maxLength')} characters",
        )
    if rule == "pattern":
        return field, f"has the wrong format ({schema.get('description') or expected})"
    if rule == "oneOf":
        return "to", "give either to or id (not both)"
    if rule == "not":
        return "amount", "amount and payee apply only to a payment purpose"
    if rule == "anyOf" and field == "to":
        return field, "must be an E.164 phone number (+6281234567890) or an e-mail address"
    return field, "is not valid"


def _error(err: OtpError) -> tuple[Response, int]:
    status, body, headers = error_answer(err, request.method, request.path)
    response = jsonify(error=body)
    for name, value in headers:
        response.headers[name] = value
    return response, status


def error_answer(
    err: OtpError, method: str, path: str
) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
    """A refusal's status, ``error`` object and extra headers (logged when it is
    the server's limit or fault); the view's and the fast path's."""
    status = openapi.ERROR_STATUS.get(err.code, 400)
    body: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.field:
        body["field"] = err.field
    if err.retry_after is not None:
        body["retry_after"] = err.retry_after
    if err.verification_id:
        body["verification_id"] = err.verification_id
    headers = []
    if err.code == "unauthorized":
        headers.append(("WWW-Authenticate", 'Bearer realm="sandi"'))
    if status in {429, 503}:
        headers.append(("Retry-After", str(err.retry_after or 1)))
    if status >= 500 or status == 429:
        log.warning("%s %s -> %d %s", method, path, status, err.code)
    return status, body, headers
