"""``/simulator``: chat with the flows as a WhatsApp or SMS customer.

Messages go through :class:`app.flow_tests.driver.Simulator`, i.e. the real signed
webhook; the outbox pane shows what would have gone out by SMS, call, e-mail
or flash call, so a marketer can read an OTP and type it back.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from app.content.messages import Channel
from app.flow_tests.driver import Simulator
from app.logs import mask
from app.web.current import services
from app.web.errors import json_error
from app.web.flows_page import try_link
from app.web.languages import language_name
from app.web.sim_codes import cancel_pending, code_addresses
from app.web.staff import protect
from app.web.twilio_request import Rejected, e164

bp = protect(
    Blueprint(
        "simulator",
        __name__,
        template_folder="templates",
        static_folder="static",
        static_url_path="/static/sandi",
    )
)


def _bad(message: str) -> tuple[Response, int]:
    return json_error(400, "invalid_request", message)


class NotATestNumber(Exception):
    """A live server's simulator asked to talk as a real customer."""


def _test_number(number: str) -> str:
    """On a live server, only the operator's ``SANDI_TEST_NUMBERS`` (never a customer)."""
    s = services().settings
    if s.live and number not in s.test_numbers:
        raise NotATestNumber(
            f"{mask(number)} is not a test number: on a live server the simulator talks only "
            "as the numbers listed in SANDI_TEST_NUMBERS"
        )
    return number


def _customer(data: dict[str, Any]) -> tuple[Channel, str]:
    try:
        channel = Channel(str(data.get("channel") or "whatsapp"))
    except ValueError:
        raise Rejected("bad_field", "channel must be whatsapp or sms") from None
    try:
        number = e164(str(data.get("from") or "").replace(" ", ""), "from")
    except Rejected:
        raise Rejected(
            "bad_number",
            "Customer number: type it with its country code, e.g. +6281234567890 (E.164)",
        ) from None
    return channel, _test_number(number)


@bp.errorhandler(NotATestNumber)
def _not_a_test_number(err: NotATestNumber) -> tuple[Response, int]:
    return json_error(403, "not_a_test_number", str(err))


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
def page() -> str:
    """The phone; ``?flow=NAME`` (the /flows page's "Try this flow") starts that flow."""
    svc = services()
    s = svc.settings
    wanted = svc.flows.current.flowset.flows.get(request.args.get("flow", ""))
    return render_template(
        "simulator.html",
        start=try_link(wanted, s.default_locale) if wanted else None,
        sandbox=s.sandbox,
        default_locale=s.default_locale,
        locales=[(code, language_name(code)) for code in s.locales],
        default_number=min(s.test_numbers) if s.test_numbers else "+6281234567890",
        url_map_endpoints=set(current_app.view_functions),
    )


@bp.post("/simulator/api/send")
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
def reset() -> Response | tuple[Response, int]:
    try:
        data, channel, sender = _request_for_customer()
    except Rejected as err:
        return _bad(str(err))
    locale = data.get("locale")
    profile = {"locale": locale} if locale in services().settings.locales else {}
    cancelled = cancel_pending(services(), channel, sender)
    for address in [sender, *code_addresses(services(), channel, sender)]:
        services().outbox.clear(address)
    _simulator().reset(channel, sender, profile)
    return jsonify(
        reset=True, channel=channel.value, to=sender, profile=profile, cancelled=cancelled
    )


@bp.get("/simulator/api/outbox")
def outbox() -> Response | tuple[Response, int]:
    """What went to the number, and to the addresses the conversation sent codes to
    (``also``: those the page saw before, e.g. an e-mail whose code was since used)."""
    try:
        channel, address = _customer(
            {"channel": request.args.get("channel"), "from": request.args.get("to", "")}
        )
    except Rejected as err:
        return _bad(str(err))
    also = [a.strip().lower() for a in request.args.getlist("also") if "@" in a and len(a) < 255]
    addresses = list(dict.fromkeys([address, *code_addresses(services(), channel, address), *also]))
    messages = [m for a in addresses for m in services().outbox.read(a)]
    messages.sort(key=lambda m: str(m.get("created_at") or ""))
    return jsonify(to=address, addresses=addresses, messages=messages)
