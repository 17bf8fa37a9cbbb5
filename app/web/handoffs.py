"""``/v1/handoffs``: list the conversations a person has taken over, and give them back to the bot.

The same Bearer API keys as the OTP API (``SANDI_API_KEYS`` or
``sandi api-keys create``). With no key configured every call is refused
rather than running open.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, jsonify, request

from app.content.messages import Channel
from app.logs import mask
from app.web.auth import bearer_key
from app.web.current import services
from app.web.errors import json_error
from app.web.twilio_request import Rejected, e164

bp = Blueprint("handoffs", __name__, url_prefix="/v1/handoffs")


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
    items = [
        {"conversation": cid, "until": datetime.fromtimestamp(until, UTC).isoformat()}
        for cid, until in services().handoffs.waiting()
    ]
    return jsonify(handoffs=items)


@bp.post("/release")
def release() -> Response | tuple[Response, int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("to"), str):
        return json_error(400, "invalid_request", 'send JSON {"to": "+62..."}')
    channel_name = body.get("channel")
    try:
        number = e164(body["to"].removeprefix("whatsapp:").strip(), "to")
        channel = Channel(channel_name) if channel_name else None
    except Rejected as err:
        return json_error(400, "invalid_to", str(err))
    except ValueError:
        return json_error(400, "invalid_channel", "channel must be whatsapp or sms")
    released = services().handoffs.release(number, channel)
    if not released:
        return json_error(404, "not_found", f"no conversation with {mask(number)} is handed off")
    return jsonify(released=released)
