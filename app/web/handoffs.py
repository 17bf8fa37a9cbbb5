"""``/v1/handoffs``: list the conversations a person has taken over, and give them back to the bot.

The same Bearer API keys as the OTP API (``SANDI_API_KEYS`` or
``sandi api-keys create``). With no key configured every call is refused
rather than running open.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify, request
from jsonschema import Draft202012Validator

from app.content.messages import Channel
from app.logs import mask, mask_ip
from app.web.auth import bearer_key
from app.web.current import services
from app.web.errors import json_error
from app.web.openapi_schemas import RELEASE_REQUEST
from app.web.twilio_request import Rejected, e164

bp = Blueprint("handoffs", __name__, url_prefix="/v1/handoffs")
_RELEASE = Draft202012Validator(RELEASE_REQUEST)


@bp.before_request
def _check_key() -> tuple[Response, int] | None:
    if bearer_key() is None:
        response, status = json_error(
            401, "unauthorized", "a valid 'Authorization: Bearer <key>' is required"
        )
        response.headers["WWW-Authenticate"] = "Bearer"
        return response, status
    return None


@bp.get("")
def waiting() -> Response:
    """The same list as ``/inbox`` and ``sandi handoff list``, longest-waiting first."""
    items = [
        {
            "conversation": w.conversation,
            "channel": w.channel.value,
            "since": _iso(w.since),
            "until": _iso(w.until),
            "name": w.name,
            "locale": w.locale,
            "assigned": w.assigned,
        }
        for w in services().inbox.waiting()
    ]
    return jsonify(handoffs=items)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


@bp.post("/release")
def release() -> Response | tuple[Response, int]:
    """The body is checked against the OpenAPI schema (400 if it breaks it); a
    well-formed number that cannot exist is a 422."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not _RELEASE.is_valid(body):
        return json_error(
            400, "invalid_request", 'send JSON {"to": "+62...", "channel": "whatsapp" or "sms"}'
        )
    channel_name = body.get("channel")
    try:
        number = e164(body["to"].removeprefix("whatsapp:").strip(), "to")
    except Rejected as err:
        return json_error(422, "invalid_to", str(err))
    channel = Channel(channel_name) if channel_name else None
    key = getattr(g, "api_key", None)
    who = f"api:{key.name}" if key is not None else "api"
    released = [r.conversation for r in services().inbox.release(number, channel, who)]
    if not released:
        return json_error(404, "not_found", f"no conversation with {mask(number)} is handed off")
    svc = services()
    svc.audit.record(
        svc.clock(), who, "handoff release", mask(number), mask_ip(request.remote_addr)
    )
    return jsonify(released=released)
