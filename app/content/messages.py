"""Neutral values that cross the boundary between the edge and the core.

They carry no Twilio or Flask types, so the core can be driven by a test, the
terminal chat or the simulator exactly as it is driven by the webhook.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Channel(enum.StrEnum):
    """Where a customer message came from."""

    WHATSAPP = "whatsapp"
    SMS = "sms"

    @property
    def short(self) -> str:
        """The prefix used in conversation ids and Redis keys (``wa``/``sms``)."""
        return "wa" if self is Channel.WHATSAPP else "sms"


@dataclass(frozen=True, slots=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    address: str | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message, already authenticated and normalised.

    ``sender`` and ``recipient`` are E.164 numbers without any ``whatsapp:``
    prefix; the channel says which network they belong to.
    """

    channel: Channel
    sender: str
    recipient: str
    body: str
    message_sid: str
    received_at: datetime
    profile_name: str | None = None
    button_payload: str | None = None
    button_text: str | None = None
    media: tuple[Media, ...] = ()
    location: Location | None = None

    @property
    def conversation_id(self) -> str:
        """One conversation per customer and channel, e.g. ``wa:+6281234567890``."""
        return conversation_id(self.channel, self.sender)


def conversation_id(channel: Channel, address: str) -> str:
    return f"{channel.short}:{address}"


@dataclass(frozen=True, slots=True)
class Button:
    """A quick-reply choice: WhatsApp shows a button, SMS a numbered line."""

    payload: str
    title: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message the bot says back in the same conversation."""

    text: str
    buttons: tuple[Button, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [[b.payload, b.title] for b in self.buttons]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=str(data["text"]),
            buttons=tuple(Button(str(p), str(t)) for p, t in data.get("buttons", [])),
        )


#: The profile field the turn runner stamps on every inbound message (epoch
#: seconds): WhatsApp's 24-hour customer-service window opens with it.
LAST_INBOUND_AT = "last_inbound_at"


@dataclass(slots=True)
class Conversation:
    """The mutable state a turn reads and writes.

    ``session`` is the short-lived part (the flow position and answers; it
    expires after the idle timeout). ``profile`` outlives sessions: language
    preference, opt-out, last inbound time for the WhatsApp 24-hour window.
    Both must stay JSON-serialisable.
    """

    id: str
    session: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Turn:
    """What a bot decided for one inbound message."""

    replies: tuple[Reply, ...] = ()
