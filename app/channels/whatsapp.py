"""WhatsApp through Twilio: OTPs as the approved authentication template, and
ordinary outbound messages that respect the 24-hour customer-service window.

Meta requires OTPs to use an authentication template (``ContentSid``) even
inside the window, with the code as its only variable. Anything else Sandi
starts itself may go as free text only within 24 hours of the customer's last
message (the profile's ``last_inbound_at``, kept by the turn runner); outside it,
Twilio would fail with 63016, so Sandi sends the configured template instead,
or nothing, and says so in the log.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from app.channels.settings import ChannelSettings
from app.channels.twilio_api import Outgoing, TwilioApi
from app.content.messages import Channel, conversation_id
from app.content.render import TemplateSource
from app.logs import mask
from app.otp.ports import CodeMessage
from app.store.connection import RedisClient
from app.store.turns import last_inbound_at

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
#: Sandbox stand-ins when no real sender or template is configured.
SANDBOX_FROM = "+14155238886"
SANDBOX_CONTENT_SID = "HX" + "0" * 32
#: A template body plus its parameters may not pass 1024 characters (63021).
WINDOW_VARIABLE_CHARS = 900


def address(number: str) -> str:
    return f"whatsapp:{number}"


class WhatsAppChannel:
    name = "whatsapp"

    def __init__(
        self,
        settings: ChannelSettings,
        templates: TemplateSource,
        api: TwilioApi,
        redis: RedisClient,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.api = api
        self.redis = redis
        self.clock = clock

    def sender_params(self) -> dict[str, str]:
        """Who a message leaves from: the WhatsApp number, the Messaging Service, or the sandbox."""
        s = self.settings
        if s.whatsapp_from:
            return {"from_": address(s.whatsapp_from)}
        if s.messaging_service_sid:
            return {"messaging_service_sid": s.messaging_service_sid}
        return {"from_": address(SANDBOX_FROM)}

    def outgoing(self, message: CodeMessage) -> Outgoing:
        content_sid = self.settings.whatsapp_otp_content_sid or SANDBOX_CONTENT_SID
        variables = json.dumps({"1": message.code})
        params: dict[str, Any] = {
            "to": address(message.to),
            **self.sender_params(),
            "content_sid": content_sid,
            "content_variables": variables,
            "status_callback": self.settings.status_callback,
        }
        minutes = max(1, math.ceil(message.expires_in / 60))
        preview = self.templates.render(
            "otp_whatsapp", message.locale, {"code": message.code, "minutes": minutes}
        )
        return Outgoing(
            "message", "whatsapp", message.to, params, preview=preview, code=message.code
        )

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]:
        return self.api.send(self.outgoing(message)), None

    # -- ordinary (non-OTP) messages -------------------------------------------------

    def last_inbound(self, number: str) -> datetime | None:
        """When the customer last wrote to us on WhatsApp (opens the 24-hour window)."""
        try:
            stamp = last_inbound_at(self.redis, conversation_id(Channel.WHATSAPP, number))
        except ValueError:  # a profile that is not JSON: no window known
            return None
        if stamp is None:
            return None
        return datetime.fromtimestamp(stamp, tz=self.clock().tzinfo)

    def in_window(self, number: str) -> bool:
        last = self.last_inbound(number)
        return last is not None and self.clock() - last < WINDOW

    def send_text(self, number: str, text: str) -> str | None:
        """Send ``text`` if WhatsApp allows it now; return the SID, or None if not sent.

        Outside the window the configured template
        (``TWILIO_WHATSAPP_WINDOW_CONTENT_SID``) goes instead, with the text
        as its variable ``{{1}}``; without one, nothing is sent.
        """
        params: dict[str, Any] = {"to": address(number), **self.sender_params()}
        params["status_callback"] = self.settings.status_callback
        if self.in_window(number):
            params["body"] = text
        elif self.settings.whatsapp_window_content_sid:
            log.info(
                "whatsapp to %s: outside the 24-hour window, sending the window template",
                mask(number),
            )
            params["content_sid"] = self.settings.whatsapp_window_content_sid
            params["content_variables"] = json.dumps({"1": text[:WINDOW_VARIABLE_CHARS]})
        else:
            last = self.last_inbound(number)
            log.warning(
                "whatsapp to %s NOT sent: outside the 24-hour window (last inbound %s) and "
                "TWILIO_WHATSAPP_WINDOW_CONTENT_SID is not set; Twilio would refuse it (63016)",
                mask(number),
                last.isoformat() if last else "never",
            )
            return None
        return self.api.send(Outgoing("message", "whatsapp", number, params, preview=text))
