"""``POST /webhooks/twilio/messages``: inbound SMS and WhatsApp from Twilio."""

from __future__ import annotations

import functools
import logging
import time

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from app.config import Settings
from app.content.messages import InboundMessage
from app.conversation.turns import Outcome
from app.logs import mask
from app.store.tracking import OptOuts
from app.web.current import services
from app.web.media import public_media_url
from app.web.twilio_request import Rejected, parse_inbound
from app.web.twilio_signed import twilio_signed
from app.web.twiml import messaging_twiml
from app.web.wa_rest import send_by_rest, wants_rest, with_sizes
from app.wiring.services import Services

log = logging.getLogger(__name__)

bp = Blueprint("messages", __name__)

TWIML = "application/xml"


@bp.post("/webhooks/twilio/messages")
@twilio_signed("webhook")
def inbound(form: MultiDict[str, str]) -> Response:
    s = services()
    started = time.perf_counter()
    try:
        message = parse_inbound(form, s.clock())
    except Rejected as err:
        s.metrics.rejected.labels(err.reason).inc()
        log.warning(
            "webhook refused (%s): %s; From=%s", err.reason, err, mask(request.form.get("From"))
        )
        return Response(f"{err}\n", status=err.status, mimetype="text/plain")

    return Response(answer(s, message, started), mimetype=TWIML)


def answer(s: Services, message: InboundMessage, started: float) -> str:
    """Run the turn of a checked, parsed message and return its TwiML.

    The Flask view above and the webhook's fast path (app.web.fast_webhook)
    both answer through here, so a turn is run, counted and logged alike.
    """
    if message.media and not s.settings.sandbox:
        message = with_sizes(s, message)
    outcome = s.turns.run(message)
    channel = message.channel.value
    if not outcome.duplicate:
        _record_opt_change(s.channels.opt_outs, message.sender, channel, message.body, outcome)
    if outcome.duplicate:
        s.metrics.duplicates.inc()
    else:
        s.metrics.inbound.labels(channel).inc()
    elapsed = time.perf_counter() - started
    s.metrics.reply_seconds.labels(channel).observe(elapsed)
    log.info(
        "inbound %s from %s sid=%s replies=%d%s %.1fms",
        channel,
        mask(message.sender),
        message.message_sid,
        len(outcome.replies),
        " duplicate" if outcome.duplicate else "",
        elapsed * 1000,
    )
    replies = outcome.replies
    if wants_rest(s, message, replies):
        replies = send_by_rest(s, message, replies)
    if not any(r.media for r in replies):
        return messaging_twiml(replies, message)
    mms = message.sender.startswith(s.channels.settings.mms_prefixes)
    return messaging_twiml(replies, message, functools.partial(_media_url, s.settings), mms)


def _media_url(settings: Settings, ref: str) -> str | None:
    base = settings.public_url or ("http://localhost" if settings.sandbox else None)
    return public_media_url(ref, base, settings.secret_key)


def _record_opt_change(
    opt_outs: OptOuts, sender: str, channel: str, body: str, outcome: Outcome
) -> None:
    """A STOP in the chat blocks sends on that channel too (and outlives an erasure);
    START in the chat, or one of Twilio's own opt-in words, lifts it."""
    if outcome.opted == "out":
        opt_outs.add(sender, channel)
        log.info("%s opted out on %s", mask(sender), channel)
    elif outcome.opted == "in" and opt_outs.has(sender, channel):
        opt_outs.clear(sender, channel)
        log.info("%s opted back in on %s", mask(sender), channel)
    elif opt_outs.opt_in(sender, channel, body):
        log.info("%s opted back in on %s", mask(sender), channel)
