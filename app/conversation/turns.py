"""Running one turn: dedupe, load, decide, save — in that order, under a lock.

The storage side is a small protocol (:class:`app.conversation.ports.TurnStore`)
so the core never sees Redis; the real implementation is
:class:`app.store.turns.RedisTurnStore`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.content.messages import LAST_INBOUND_AT, Conversation, InboundMessage, Reply, Turn
from app.conversation.ports import TurnStore

#: Inbound messages kept in ``session["history"]`` (for a human agent taking over),
#: only when the operator turns history on (``SANDI_HISTORY_TTL``, docs/privacy.md).
HISTORY_LIMIT = 30
HISTORY_CHARS = 300


class Bot(Protocol):
    """Anything that can answer a message given the conversation's state.

    It mutates ``conversation.session``/``profile`` in place; the runner saves
    them only if ``handle`` returns, so a failure never leaves half a turn.
    """

    def handle(
        self, message: InboundMessage, conversation: Conversation, now: datetime
    ) -> Turn: ...


class ServingBot:
    """The bot of the flows version serving now, read once per turn.

    A reload swaps the version between turns; a turn already running finishes
    on the bot it began with.
    """

    def __init__(self, current: Callable[[], Bot]) -> None:
        self._current = current

    def handle(self, message: InboundMessage, conversation: Conversation, now: datetime) -> Turn:
        return self._current().handle(message, conversation, now)


@dataclass(frozen=True, slots=True)
class Outcome:
    replies: tuple[Reply, ...]
    #: True when this MessageSid was handled before and the turn did not run.
    duplicate: bool
    #: "out" when this turn opted the customer out (STOP), "in" when back in, else None:
    #: the edge records it where sends are checked (``app.channels.tracking.OptOuts``).
    opted: str | None = None


class TurnRunner:
    """Handles each inbound message exactly once, one at a time per conversation."""

    def __init__(
        self,
        store: TurnStore,
        bot: Bot,
        clock: Callable[[], datetime],
        history_ttl: int = 0,
    ) -> None:
        self.store = store
        self.bot = bot
        self.clock = clock
        #: Seconds an inbound body stays in the session's history; 0 keeps none.
        self.history_ttl = history_ttl

    def run(self, message: InboundMessage) -> Outcome:
        with self.store.hold(message.conversation_id, message.message_sid) as held:
            if held.answered is not None:
                return Outcome(held.answered, duplicate=True)
            now = self.clock()
            # The WhatsApp 24-hour customer-service window opens on every inbound message.
            held.conversation.profile[LAST_INBOUND_AT] = now.timestamp()
            _remember(held.conversation, message, now, self.history_ttl)
            was_out = bool(held.conversation.profile.get("opted_out"))
            turn = self.bot.handle(message, held.conversation, now)
            held.save(turn.replies)
            is_out = bool(held.conversation.profile.get("opted_out"))
            opted = None if was_out == is_out else ("out" if is_out else "in")
            return Outcome(turn.replies, duplicate=False, opted=opted)


def _remember(conversation: Conversation, message: InboundMessage, now: datetime, ttl: int) -> None:
    """Keep the body for staff when history is on, and drop entries older than ``ttl``.

    With history off nothing is kept (and a history left from before is dropped):
    the body lives only as long as the turn.
    """
    if ttl <= 0:
        conversation.session.pop("history", None)
        return
    history = conversation.session.setdefault("history", [])
    cutoff = now.timestamp() - ttl
    history[:] = [h for h in history if isinstance(h, dict) and float(h.get("at", 0)) >= cutoff]
    history.append({"at": round(now.timestamp(), 3), "in": message.body[:HISTORY_CHARS]})
    del history[:-HISTORY_LIMIT]
