"""``GET /sandbox/outbox``: what would have been sent (sandbox mode only)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.web.current import services
from app.web.errors import json_error
from app.web.staff import protect
from app.web.twilio_request import Rejected, e164

#: Development: open to the tests and scripts on the machine. Anywhere else the
#: outbox is staff-only (production refuses sandbox mode altogether).
bp = protect(Blueprint("sandbox", __name__, url_prefix="/sandbox"))


def outbox_address(to: str) -> tuple[str, str | None]:
    """``whatsapp:+62...`` -> (``+62...``, ``whatsapp``); numbers normalised, e-mail lowercased."""
    channel = None
    if to.startswith("whatsapp:"):
        channel, to = "whatsapp", to.removeprefix("whatsapp:")
    if "@" in to:
        return to.strip().lower(), channel
    return e164(to.strip(), "to"), channel


@bp.get("/outbox")
def outbox() -> Response | tuple[Response, int]:
    to = request.args.get("to", "")
    if not to:
        return json_error(400, "missing_to", "give ?to=<number or e-mail>")
    try:
        address, channel = outbox_address(to)
    except Rejected as err:
        return json_error(422, "invalid_to", str(err))
    channel = request.args.get("channel") or channel
    entries = services().outbox.read(address)
    if channel:
        entries = [e for e in entries if e.get("channel") == channel]
    return jsonify(to=address, messages=entries)


@bp.delete("/outbox")
def clear_outbox() -> Response | tuple[Response, int]:
    to = request.args.get("to", "")
    if not to:
        return json_error(400, "missing_to", "give ?to=<number or e-mail>")
    try:
        address, _ = outbox_address(to)
    except Rejected as err:
        return json_error(422, "invalid_to", str(err))
    services().outbox.clear(address)
    return jsonify(to=address, cleared=True)
