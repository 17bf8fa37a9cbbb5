"""One bot or staff reply to a WhatsApp customer through the Messages API.

Inside the 24-hour window a reply with choices goes as Content (buttons or a
list, :mod:`app.channels.content`), an image or PDF as ``MediaUrl`` (one per
message: WhatsApp shows one attachment per message, the text as its caption
unless buttons follow), anything else as ``Body``. Content the API will not
make falls back to the numbered text: the customer always hears something.
Outside the window it is today's rule (:meth:`WhatsAppChannel.send_text`):
the configured window template, or a logged refusal.

Each message of a reply may carry a send key: the attempt is recorded before
the request is written (:mod:`app.store.attempts`), so a Twilio retry of the
same webhook, or a job run twice, never sends a message again that may
already have reached Twilio.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.channels.content import ContentSpec, ContentUnavailable, content_spec
from app.channels.http_client import marked_send
from app.channels.twilio_api import Outgoing, TwilioApi
from app.channels.whatsapp import WhatsAppChannel, address
from app.content.messages import Button, numbered
from app.content.render import TemplateSource
from app.logs import mask
from app.otp.ports import DeliveryError
from app.store.attempts import SendAttempts

log = logging.getLogger(__name__)


class ContentSource(Protocol):
    def sid(self, spec: ContentSpec) -> str:
        """The ContentSid for ``spec``; raises ContentUnavailable."""
        ...


class SandboxContent:
    """The sandbox makes nothing at Twilio: a stable stand-in sid per content, so
    the outbox shows what would have been sent."""

    def sid(self, spec: ContentSpec) -> str:
        return "HX" + hashlib.sha256(spec.digest("sandbox").encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class WhatsAppReply:
    """What to say: text, choices, media URLs (already public), in a language."""

    text: str
    buttons: tuple[Button, ...] = ()
    media_urls: tuple[str, ...] = ()
    locale: str = "id"


@dataclass(slots=True)
class Sent:
    """The SIDs of the messages that went out, and how the choices went."""

    sids: list[str] = field(default_factory=list)
    #: ``quick-reply`` / ``list-picker`` when content carried the choices, ``text`` when
    #: the numbered list did, None without choices.
    choices: str | None = None


class WhatsAppReplies:
    def __init__(
        self,
        whatsapp: WhatsAppChannel,
        api: TwilioApi,
        content: ContentSource,
        attempts: SendAttempts,
        templates: TemplateSource,
        clock: Callable[[], datetime],
    ) -> None:
        self.whatsapp = whatsapp
        self.api = api
        self.content = content
        self.attempts = attempts
        self.templates = templates
        self.clock = clock

    def send(
        self,
        number: str,
        reply: WhatsAppReply,
        *,
        from_number: str | None = None,
        in_window: bool | None = None,
        send_key: str | None = None,
    ) -> Sent:
        """Send ``reply`` to ``number`` (E.164). ``in_window`` None: look it up.

        Raises DeliveryError when Twilio refuses or cannot be reached; the
        messages sent before that are not repeated by a retry with the same key.
        """
        if in_window is None:
            in_window = self.whatsapp.in_window(number)
        if not in_window:
            sid = self.whatsapp.send_text(number, numbered(reply.text, reply.buttons))
            return Sent([sid] if sid else [], "text" if reply.buttons else None)
        base: dict[str, Any] = {"to": address(number)}
        base |= {"from_": address(from_number)} if from_number else self.whatsapp.sender_params()
        base["status_callback"] = self.whatsapp.settings.status_callback
        parts, choices = self._parts(reply)
        sent = Sent(choices=choices)
        for index, (params, preview) in enumerate(parts):
            key = f"{send_key}:{index}" if send_key else None
            out = Outgoing("message", "whatsapp", number, base | params, preview=preview)
            sid = self._once(key, out)
            if sid:
                sent.sids.append(sid)
        return sent

    def _parts(self, reply: WhatsAppReply) -> tuple[list[tuple[dict[str, Any], str]], str | None]:
        """The Messages API calls for one reply, in order, with what each shows."""
        parts: list[tuple[dict[str, Any], str]] = []
        caption = reply.text if not reply.buttons else ""
        for url in reply.media_urls[:10]:
            params: dict[str, Any] = {"media_url": [url]}
            if caption:
                params["body"] = caption
            parts.append((params, caption or url))
            caption = ""
        if reply.media_urls and not reply.buttons:
            return parts, None
        text = numbered(reply.text, reply.buttons)
        if not reply.buttons:
            parts.append(({"body": reply.text}, reply.text))
            return parts, None
        spec = content_spec(reply.text, reply.buttons, reply.locale, self._list_label(reply))
        try:
            if spec is None:
                raise ContentUnavailable("WhatsApp cannot show these choices as buttons")
            sid = self.content.sid(spec)
        except ContentUnavailable as err:
            log.info("whatsapp choices sent as numbered text: %s", err)
            parts.append(({"body": text}, text))
            return parts, "text"
        params = {"content_sid": sid}
        if spec.values:
            params["content_variables"] = json.dumps(spec.values, ensure_ascii=False)
        parts.append((params, text))
        return parts, spec.kind.removeprefix("twilio/")

    def _list_label(self, reply: WhatsAppReply) -> str:
        try:
            return self.templates.render("button/list", reply.locale, {}).strip()
        except Exception:  # a missing or broken label: the built-in one
            log.warning("templates/%s/button/list.j2 cannot be rendered", reply.locale)
            return ""

    def _once(self, key: str | None, out: Outgoing) -> str | None:
        """Send unless this key's record says it may already have gone out."""
        if key is None:
            return self.api.send(out)
        verdict = self.attempts.begin(key, self.clock().timestamp())
        if verdict.state == "sent":
            return verdict.message_id or None
        if verdict.state != "go":
            log.info("whatsapp reply to %s not repeated (%s)", mask(out.to), verdict.state)
            return None
        sid = marked_send(
            lambda state: self.attempts.mark(key, state, self.clock().timestamp()),
            lambda: self.api.send(out),
            lambda err: isinstance(err, DeliveryError) and not err.retryable,
        )
        self.attempts.mark(key, "sent", self.clock().timestamp(), sid)
        return sid
