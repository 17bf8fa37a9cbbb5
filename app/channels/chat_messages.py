"""Ordinary messages to a customer outside a webhook turn: a staff reply, the bot
taking a conversation back. WhatsApp goes through the channels' one REST reply
sender (:meth:`Channels.send_whatsapp`, :mod:`app.channels.wa_replies`); this
module adds the refusal a staff member can read.

WhatsApp allows free text only within 24 hours of the customer's last message;
outside that window the configured template (``TWILIO_WHATSAPP_WINDOW_CONTENT_SID``,
the text as its ``{{1}}``) goes instead, or nothing, with a reason a staff member
can read. SMS has no window. In sandbox mode the message lands in the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal

from app.channels.dispatch import Channels
from app.channels.twilio_api import Outgoing
from app.channels.wa_replies import WhatsAppReply
from app.logs import mask
from app.otp.ports import DeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChatSend:
    """What became of one message: its SID, or why it was not sent."""

    sid: str | None
    #: ``text`` (free text), ``template`` (the window template), or None when refused.
    how: Literal["text", "template"] | None
    refusal: str | None = None

    @property
    def sent(self) -> bool:
        return self.sid is not None


class ChatMessages:
    def __init__(self, channels: Channels) -> None:
        self.channels = channels

    def send(self, channel: str, number: str, text: str) -> ChatSend:
        """Send ``text`` to ``number`` on ``channel`` (``whatsapp`` or ``sms``); never raises
        for a provider's trouble: a refusal comes back as a reason."""
        if self.channels.opt_outs.has(number, channel):
            return ChatSend(None, None, "the customer opted out of these messages (STOP)")
        try:
            if channel == "whatsapp":
                return self._whatsapp(number, text)
            return self._sms(number, text)
        except DeliveryError as err:
            log.warning("%s message to %s not sent: %s", channel, mask(number), err.code)
            if err.code == "opted_out":
                self.channels.opt_outs.add(number, channel)
            return ChatSend(None, None, f"Twilio did not take the message: {err}")

    def _whatsapp(self, number: str, text: str) -> ChatSend:
        s = self.channels.settings
        if not (s.sandbox or s.whatsapp_from or s.messaging_service_sid):
            return ChatSend(None, None, "WhatsApp is not configured: set TWILIO_WHATSAPP_FROM")
        inside = self.channels.whatsapp.in_window(number)
        if not inside and not s.whatsapp_window_content_sid:
            return ChatSend(
                None,
                None,
                "not sent: the customer last wrote more than 24 hours ago, and WhatsApp only "
                "allows a template then (set TWILIO_WHATSAPP_WINDOW_CONTENT_SID)",
            )
        sent = self.channels.send_whatsapp(number, WhatsAppReply(text), in_window=inside)
        sid = sent.sids[0] if sent.sids else None
        if sid is None:
            return ChatSend(None, None, "not sent: outside WhatsApp's 24-hour window")
        return ChatSend(sid, "text" if inside else "template")

    def _sms(self, number: str, text: str) -> ChatSend:
        s = self.channels.settings
        params: dict[str, Any] = {"to": number, "body": text[:1600]}
        if s.messaging_service_sid:
            params["messaging_service_sid"] = s.messaging_service_sid
        elif s.sms_from:
            params["from_"] = s.sms_from
        elif s.sandbox:
            params["from_"] = s.brand.replace(" ", "")[:11]
        else:
            return ChatSend(None, None, "SMS is not configured: set TWILIO_SMS_FROM")
        params["status_callback"] = s.status_callback
        sid = self.channels.sms.api.send(Outgoing("message", "sms", number, params, preview=text))
        return ChatSend(sid, "text")
