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
    #: Bytes, when the media host said (a HEAD at the edge); None when unknown.
    size: int | None = None


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
    """One message the bot says back in the same conversation.

    ``media`` are https URLs or files of the templates folder (``media/menu.jpg``,
    turned into a signed URL at the edge); ``locale`` is the language it was said
    in (WhatsApp content is created per language).
    """

    text: str
    buttons: tuple[Button, ...] = ()
    media: tuple[str, ...] = ()
    locale: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [[b.payload, b.title] for b in self.buttons],
        }
        if self.media:
            data["media"] = list(self.media)
        if self.locale:
            data["locale"] = self.locale
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=str(data["text"]),
            buttons=tuple(Button(str(p), str(t)) for p, t in data.get("buttons", [])),
            media=tuple(str(m) for m in data.get("media", ())),
            locale=str(data["locale"]) if data.get("locale") else None,
        )


def numbered(text: str, buttons: tuple[Button, ...]) -> str:
    """The text with its choices as a numbered list (typing a number or a label works):
    what SMS always gets, and WhatsApp when no content could be made."""
    if not buttons:
        return text
    lines = [text, ""] if text else []
    lines += [f"{i}. {button.title}" for i, button in enumerate(buttons, start=1)]
    return "\n".join(lines)


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


@dataclass(slots=True)
class HeldConversation:
    """A conversation a turn store holds for one message (``app.conversation.ports.HeldTurn``).

    ``save`` only notes the replies; the store writes the conversation and
    them when the turn ends, and only if it still holds the lock.
    """

    conversation: Conversation
    #: The replies already given to this MessageSid, if Twilio is retrying.
    answered: tuple[Reply, ...] | None
    pending: tuple[Reply, ...] | None = field(default=None)

    def save(self, replies: tuple[Reply, ...]) -> None:
        self.pending = replies


class LockTimeout(Exception):
    """The conversation stayed busy longer than a webhook may wait (a turn store refuses)."""


class LostLock(Exception):
    """A turn outlived its lease; a turn store refused its writes."""
