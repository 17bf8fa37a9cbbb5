"""Giving a conversation back to the bot after a person took it over.

A handoff step mutes the bot for one conversation (``profile["handoff"]``)
until a staff member releases it or its timeout passes. Releasing goes
through the same per-conversation lock as a customer's message, so it never
races a turn; the customer's next message is answered by the bot again,
which first says that the chat with staff has ended.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from app.content.messages import Channel, conversation_id
from app.conversation.ports import HandoffIndex, TurnStore


class HandoffDesk:
    def __init__(
        self, store: TurnStore, index: HandoffIndex | None, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.index = index
        self.clock = clock

    def release(self, number: str, channel: Channel | None = None) -> list[str]:
        """Release ``number`` on one channel or both; the conversation ids released."""
        released = []
        for ch in [channel] if channel else list(Channel):
            cid = conversation_id(ch, number)
            with self.store.hold(cid, f"release-{secrets.token_hex(8)}") as held:
                profile = held.conversation.profile
                if not isinstance(profile.get("handoff"), dict):
                    continue
                profile.pop("handoff", None)
                profile["handoff_over"] = True
                held.save(())
                released.append(cid)
            if self.index is not None:
                self.index.remove(cid)
        return released

    def waiting(self) -> list[tuple[str, float]]:
        """(conversation id, timeout as epoch seconds) of every muted conversation."""
        if self.index is None:
            return []
        return self.index.active(self.clock().timestamp())
