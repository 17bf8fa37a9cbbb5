"""The one small interface every delivery channel implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Outbound:
    """A message Sandi starts itself (not a TwiML reply).

    ``to`` is a bare address: an E.164 number or an e-mail address; ``channel``
    says how it travels (``sms``, ``whatsapp``, ``call``, ``email``,
    ``flashcall``). ``extra`` holds what a channel renders besides the text:
    template variables, the voice TwiML, an e-mail subject.
    """

    channel: str
    to: str
    body: str
    extra: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    def send(self, message: Outbound) -> str:
        """Deliver ``message``; return the provider's id for status tracking."""
        ...
