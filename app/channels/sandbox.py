"""Sandbox delivery: render exactly what would go out, keep it in the outbox."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from app.channels.base import Outbound
from app.store.outbox import OutboxStore


class SandboxSender:
    def __init__(self, outbox: OutboxStore, clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.clock = clock

    def send(self, message: Outbound) -> str:
        sid = "SB" + secrets.token_hex(16)
        entry = {
            "sid": sid,
            "channel": message.channel,
            "to": message.to,
            "body": message.body,
            "created_at": self.clock().isoformat(),
            **({"extra": message.extra} if message.extra else {}),
        }
        self.outbox.append(message.to, entry)
        return sid
