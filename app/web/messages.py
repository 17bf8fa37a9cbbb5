"""``POST /webhooks/twilio/messages``: inbound SMS and WhatsApp from Twilio."""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict

from app.conversation.turns import Outcome
from app.logs import mask
from app.store.tracking import OptOuts
from app.web.current import services
from app.web.twilio_request import Rejected, parse_inbound
from app.web.twilio_signed import twilio_signed
from app.web.twiml import messaging_twiml

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
    return Response(messaging_twiml(outcome.replies, message), mimetype=TWIML)


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
