"""Counting Redis round trips in a test: one write to a socket per command or pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from redis.connection import Connection


def count_trips(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gains an item per write to a Redis socket (health-check PINGs aside)."""
    sent: list[int] = []
    original = Connection.send_packed_command

    def send(conn: Connection, command: Any, check_health: bool = True) -> None:
        if check_health:
            sent.append(1)
        original(conn, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", send)
    return sent
