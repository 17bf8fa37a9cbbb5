"""A customer chatting through the real, signed webhook: what they type, what they read."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from tests.support.twilio_webhooks import CUSTOMER, Twilio, inbound_form


class Chat:
    def __init__(
        self,
        twilio: Twilio,
        sender: str = CUSTOMER,
        channel: str = "whatsapp",
        profile_name: str | None = "Budi",
    ) -> None:
        self.twilio = twilio
        self.sender = sender
        self.channel = channel
        self.profile_name = profile_name
        self.replies: list[str] = []

    def send(self, body: str = "", **extra: str) -> list[str]:
        """Post one message; return the texts of the replies (buttons as a numbered list)."""
        kwargs: dict[str, Any] = {"sender": self.sender, "channel": self.channel}
        if self.channel == "whatsapp":
            kwargs["profile_name"] = self.profile_name
        response = self.twilio.post(inbound_form(body, extra=extra, **kwargs))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "application/xml"
        root = ET.fromstring(response.get_data())
        self.replies = [m.text or "" for m in root.findall("Message")]
        return self.replies

    def say(self, body: str = "", **extra: str) -> str:
        """Post one message and return everything said back, as one text."""
        return "\n\n".join(self.send(body, **extra))

    def tap(self, payload: str, title: str) -> str:
        """Tap a WhatsApp quick-reply button (Body is the title, as Twilio sends it)."""
        return self.say(title, ButtonPayload=payload, ButtonText=title, MessageType="interactive")
