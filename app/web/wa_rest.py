"""A WhatsApp turn whose replies carry buttons or media: sent by REST before the webhook answers.

TwiML cannot carry Content (buttons, lists), so such a turn's replies go
through the Messages API, in order, and the webhook answers an empty
``<Response/>``. They are sent *before* the answer, in the request, and not
by an rq job: the reply is what the customer waits for (a job adds a worker's
pick-up time and needs a worker running), a turn's state is already saved
when this runs, and every message carries a send key (``reply:<MessageSid>:
<reply>:<part>``) recorded before it is written. So a Twilio retry of the same
webhook (after this process died, or the answer was lost) re-sends only what
provably never reached Twilio, and never sends a message twice. Twilio waits
15 s for the answer; each REST call is bounded by ``SANDI_TWILIO_TIMEOUT``.

If a send fails, that reply and every one after it go back into the TwiML as
numbered text: later, and plainer, but never silence. Text-only turns and
SMS never come here (no Redis trip or REST call is added to them).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from app.channels.dispatch import WhatsAppReply
from app.content.messages import Channel, InboundMessage, Media, Reply
from app.logs import mask
from app.otp.ports import DeliveryError
from app.web.media import public_media_url
from app.wiring.services import Services

log = logging.getLogger(__name__)


def wants_rest(s: Services, message: InboundMessage, replies: tuple[Reply, ...]) -> bool:
    """Live WhatsApp with a reply TwiML cannot carry (the sandbox keeps TwiML: its outbox
    and the simulator read the stored replies)."""
    return (
        message.channel is Channel.WHATSAPP
        and not s.settings.sandbox
        and any(r.buttons or r.media for r in replies)
    )


def send_by_rest(
    s: Services, message: InboundMessage, replies: tuple[Reply, ...]
) -> tuple[Reply, ...]:
    """Send ``replies`` through the Messages API; return those left for the TwiML."""
    for index, reply in enumerate(replies):
        urls = media_urls(s, reply)
        out = WhatsAppReply(reply.text, reply.buttons, urls, reply.locale or "id")
        try:
            s.channels.send_whatsapp(
                message.sender,
                out,
                from_number=message.recipient,
                in_window=True,  # the customer has just written
                send_key=f"reply:{message.message_sid}:{index}",
            )
        except DeliveryError as err:
            log.warning(
                "whatsapp reply to %s by REST failed (%s): sent as TwiML text instead",
                mask(message.sender),
                err.code,
            )
            return replies[index:]
    return ()


def media_urls(s: Services, reply: Reply) -> tuple[str, ...]:
    """Public URLs of a reply's media; a templates-folder file needs ``SANDI_PUBLIC_URL``."""
    urls = []
    for ref in reply.media:
        url = public_media_url(ref, s.settings.public_url, s.settings.secret_key)
        if url is None:
            log.warning(
                "media %s not sent: SANDI_PUBLIC_URL is not set, Twilio cannot fetch it", ref
            )
        else:
            urls.append(url)
    return tuple(urls)


def with_sizes(s: Services, message: InboundMessage) -> InboundMessage:
    """The message with each attachment's size, where Twilio's media host says it
    (an ``expect: media`` step's ``max_bytes``). Only messages with media pay for it."""
    probe = s.channels.media_probe
    sized = tuple(Media(m.url, m.content_type, probe.size(m.url)) for m in message.media)
    return replace(message, media=sized)
