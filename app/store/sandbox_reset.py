"""``sandi sandbox reset``: forget every send count and every outbox (sandbox mode only).

In development sandbox mode one person sends code after code to their own
test number; when a limit bites anyway (an explicit SANDI_OTP_DESTINATION_LIMITS,
or a long afternoon), this starts the counts afresh. Nothing was sent, so
nothing is lost. The caller refuses outside sandbox mode.
"""

from __future__ import annotations

from app.store import keys
from app.store.connection import RedisClient


def reset_sandbox(redis: RedisClient) -> tuple[int, int]:
    """Delete the send-limit counters and the outboxes; how many of each."""
    counts = []
    for pattern in (keys.rate_limit_pattern(), keys.outbox_pattern()):
        found = list(redis.scan_iter(match=pattern, count=500))
        for key in found:
            redis.delete(key)  # one by one: on a cluster they live in different slots
        counts.append(len(found))
    return counts[0], counts[1]
