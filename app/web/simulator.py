"""``/simulator``: chat with the flows as a WhatsApp or SMS customer.

Messages go through :class:`app.flow_tests.driver.Simulator`, i.e. the real signed
webhook; the outbox pane shows what would have gone out by SMS, call, e-mail
or flash call, so a marketer can read an OTP and type it back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from app.config import LOCALES
from app.content.messages import Channel
from app.flow_tests.driver import Simulator
from app.web.current import services
from app.web.errors import json_error
from app.web.pages import admin_only
from app.web.twilio_request import Rejected, e164

bp = Blueprint(
    "simulator",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/sandi",
)


def _bad(message: str) -> tuple[Response, int]:
    return json_error(400, "invalid_request", message)


def _customer(data: dict[str, Any]) -> tuple[Channel, str]:
    try:
        channel = Channel(str(data.get("channel") or "whatsapp"))
    except ValueError:
        raise Rejected("bad_field", "channel must be whatsapp or sms") from None
    return channel, e164(str(data.get("from") or ""), "from")


def _request_for_customer() -> tuple[dict[str, Any], Channel, str]:
    """The JSON body and the customer it names, or :class:`Rejected`."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Rejected("bad_json", "send a JSON object")
    channel, sender = _customer(data)
    return data, channel, sender


def _simulator() -> Simulator:
    return Simulator(current_app._get_current_object(), services())  # type: ignore[attr-defined]


@bp.get("/simulator")
@admin_only
def page() -> str:
    s = services().settings
    return render_template(
        "simulator.html",
        sandbox=s.sandbox,
        default_locale=s.default_locale,
        url_map_endpoints=set(current_app.view_functions),
    )


@bp.post("/simulator/api/send")
@admin_only
def send() -> Response | tuple[Response, int]:
    try:
        data, channel, sender = _request_for_customer()
    except Rejected as err:
        return _bad(str(err))
    body = data.get("body")
    if not isinstance(body, str) or len(body) > 1600:
        return _bad("body must be text of at most 1600 characters")
    payload = data.get("button_payload")
    button = (str(payload), body) if payload else None
    name = str(data.get("profile_name") or "").strip() or None
    exchange = _simulator().send(channel, sender, body, profile_name=name, button=button)
    return jsonify(
        status=exchange.status,
        replies=[
            {
                "text": r.text,
                "buttons": [{"payload": b.payload, "title": b.title} for b in r.buttons],
            }
            for r in exchange.replies
        ],
        twiml=exchange.twiml,
    )


@bp.post("/simulator/api/reset")
@admin_only
def reset() -> Response | tuple[Response, int]:
    try:
        data, channel, sender = _request_for_customer()
    except Rejected as err:
        return _bad(str(err))
    locale = data.get("locale")
    profile = {"locale": locale} if locale in LOCALES else {}
    _simulator().reset(channel, sender, profile)
    services().outbox.clear(sender)
    return jsonify(reset=True, channel=channel.value, to=sender, profile=profile)


@bp.get("/simulator/api/outbox")
@admin_only
def outbox() -> Response | tuple[Response, int]:
    try:
        address = e164(request.args.get("to", ""), "to")
    except Rejected as err:
        return _bad(str(err))
    return jsonify(to=address, messages=services().outbox.read(address))
