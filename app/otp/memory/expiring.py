"""Hashes that expire on the callers' clock: Redis keys with TTLs, for the in-memory fakes."""

from __future__ import annotations


class Expiring:
    """Values that vanish ``ttl`` ms after they were last given one, on the callers' clock.

    The clock is the latest ``now_ms`` any call brought (the service's injected
    clock); Redis's TTLs, like these, only collect garbage.
    """

    def __init__(self) -> None:
        self.values: dict[str, dict[str, str]] = {}
        self.deadlines: dict[str, int] = {}
        self.now = 0

    def tick(self, now_ms: int) -> None:
        self.now = max(self.now, now_ms)
        for key in [k for k, at in self.deadlines.items() if at <= self.now]:
            self.values.pop(key, None)
            del self.deadlines[key]

    def get(self, key: str) -> dict[str, str] | None:
        return self.values.get(key)

    def delete(self, key: str) -> None:
        self.values.pop(key, None)
        self.deadlines.pop(key, None)

    def hash(self, key: str) -> dict[str, str]:
        return self.values.setdefault(key, {})

    def expire(self, key: str, ms: int) -> None:
        self.deadlines[key] = self.now + ms

    def extend(self, key: str, ms: int) -> None:
        """Redis ``PTTL < ms -> PEXPIRE``: never shortens a life."""
        if self.deadlines.get(key, 0) < self.now + ms:
            self.expire(key, ms)
