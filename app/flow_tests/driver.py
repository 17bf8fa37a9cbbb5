"""Drive the real webhook in-process, signed as Twilio signs it.

The simulator page, ``sandi chat`` and ``sandi flows test`` all talk to Sandi
through this: a Twilio-shaped form, a real signature over the URL the app
checks, the full WSGI stack (signature check, dedupe, lock, turn). What they
show is therefore exactly what a customer would get.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from twilio.request_validator import RequestValidator

from app.content.messages import Channel, Reply, conversation_id
from app.wiring.services import Services

MESSAGES_PATH = "/webhooks/twilio/messages"
SANDBOX_WHATSAPP = "+14155238886"  # Twilio's WhatsApp sandbox sender
SANDBOX_SMS = "+14155550100"


@dataclass(frozen=True, slots=True)
class Exchange:
    status: int
    replies: tuple[Reply, ...]
    twiml: str
    message_sid: str

    @property
    def texts(self) -> list[str]:
        return [r.text for r in self.replies]


class Simulator:
    def __init__(self, app: Flask, services: Services) -> None:
        self.app = app
        self.services = services

    def business_number(self, channel: Channel) -> str:
        s = self.services.settings
        configured = s.twilio_whatsapp_from if channel is Channel.WHATSAPP else s.twilio_sms_from
        default = SANDBOX_WHATSAPP if channel is Channel.WHATSAPP else SANDBOX_SMS
        return (configured or default).removeprefix("whatsapp:")

    def send(
        self,
        channel: Channel,
        sender: str,
        body: str,
        *,
        profile_name: str | None = None,
        button: tuple[str, str] | None = None,
    ) -> Exchange:
        sid = "SM" + secrets.token_hex(16)
        form = self._form(channel, sender, body, sid, profile_name, button)
        base = self.services.settings.public_url or "http://localhost"
        signature = RequestValidator(self.services.settings.webhook_auth_token).compute_signature(
            base + MESSAGES_PATH, form
        )
        response = self.app.test_client().post(
            MESSAGES_PATH,
            data=urlencode(form),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
            base_url=base,
        )
        twiml = response.get_data(as_text=True)
        replies = self.services.turn_store.answered(conversation_id(channel, sender), sid)
        if replies is None:
            replies = _replies_from_twiml(twiml) if response.status_code == 200 else ()
        return Exchange(response.status_code, replies, twiml, sid)

    def reset(self, channel: Channel, sender: str, profile: dict[str, Any] | None = None) -> None:
        self.services.turn_store.reset(conversation_id(channel, sender), profile or {})

    def _form(
        self,
        channel: Channel,
        sender: str,
        body: str,
        sid: str,
        profile_name: str | None,
        button: tuple[str, str] | None,
    ) -> dict[str, str]:
        business = self.business_number(channel)
        prefix = "whatsapp:" if channel is Channel.WHATSAPP else ""
        form = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": body,
            "To": prefix + business,
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": self.services.settings.twilio_account_sid or "AC" + "0" * 32,
            "From": prefix + sender,
            "ApiVersion": "2010-04-01",
        }
        if channel is Channel.WHATSAPP:
            form["WaId"] = sender.lstrip("+")
            form["MessageType"] = "interactive" if button else "text"
            if profile_name:
                form["ProfileName"] = profile_name
            if button:
                form["ButtonPayload"], form["ButtonText"] = button
        return form


def _replies_from_twiml(twiml: str) -> tuple[Reply, ...]:
    try:
        root = ET.fromstring(twiml)  # noqa: S314 - our own TwiML, not outside input
    except ET.ParseError:
        return ()
    return tuple(Reply(m.text or "") for m in root.iter("Message"))
