"""Replies -> TwiML. The reply leaves from the number the customer wrote to.

The document is written directly (escaped as ElementTree escapes) rather
than built as an element tree by twilio's ``MessagingResponse``: same bytes
(a test compares them), a twentieth of the CPU on every webhook turn.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from twilio.twiml.messaging_response import MessagingResponse

from app.content.messages import Channel, InboundMessage, Reply, numbered


def address(channel: Channel, number: str) -> str:
    return f"whatsapp:{number}" if channel is Channel.WHATSAPP else number


def reply_text(reply: Reply) -> str:
    """The text with its choices as a numbered list (typing a number or a label works)."""
    return numbered(reply.text, reply.buttons)


_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\r": "&#13;", "\n": "&#10;",
     "\t": "&#09;"}
)  # fmt: skip


#: Characters XML 1.0 cannot carry at all (C0 controls but tab/newline/CR, surrogates,
#: U+FFFE/U+FFFF): one of them in a reply made the whole TwiML unreadable to Twilio.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escaped(text: str) -> str:
    """``text.translate(_TEXT)``: a ``<Body>``'s or a ``<Media>``'s text escaped. Most
    have nothing to escape, and looking costs a fiftieth of translating."""
    return text.translate(_TEXT) if "&" in text or "<" in text or ">" in text else text


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold."""
    return _NOT_XML.sub("", text)


def messaging_twiml(
    replies: tuple[Reply, ...],
    message: InboundMessage,
    media_url: Callable[[str], str | None] | None = None,
    mms: bool = False,
) -> str:
    """``media_url`` turns a reply's media into public URLs: WhatsApp (one) and MMS
    (``mms``: an SMS number that takes pictures) get them as ``<Media>``, other SMS
    as links under the text (no MMS to Indonesia)."""
    if not replies:
        return empty_twiml()
    to = xml_text(address(message.channel, message.sender)).translate(_ATTRIBUTE)
    from_ = xml_text(address(message.channel, message.recipient)).translate(_ATTRIBUTE)
    parts = [_XML_DECLARATION, "<Response>"]
    for reply in replies:
        text = xml_text(reply_text(reply))
        head = f'<Message from="{from_}" to="{to}"'
        urls = _media_urls(reply, media_url)
        if urls and (mms or message.channel is Channel.WHATSAPP):
            urls = urls[:10] if mms and message.channel is Channel.SMS else urls[:1]
            media = "".join(f"<Media>{_escaped(u)}</Media>" for u in urls)
            body = f"<Body>{_escaped(text)}</Body>" if text else ""
            parts.append(f"{head}>{body}{media}</Message>")
            continue
        if urls:
            text = "\n".join([text, *urls]) if text else "\n".join(urls)
        parts.append(f"{head}>{_escaped(text)}</Message>" if text else f"{head} />")
    parts.append("</Response>")
    return "".join(parts)


def _media_urls(reply: Reply, media_url: Callable[[str], str | None] | None) -> list[str]:
    """The reply's public media URLs, without what XML cannot hold: they are text of the
    document whether they go as ``<Media>`` or as links under an SMS's text."""
    if not reply.media or media_url is None:
        return []
    return [t for t in (xml_text(u) for u in map(media_url, reply.media) if u) if t]


def empty_twiml() -> str:
    return str(MessagingResponse())
