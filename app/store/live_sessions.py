"""Where live conversations wait: read before a reload, to say whom it will restart.

A session remembers the flow and step its customer waits in; a reload that
renames or removes that step sends the customer back to the start (with a
short note). Counting the sessions per waiting step, before the swap, lets
the reload say so instead of doing it silently. SCAN, never KEYS: a busy
server's Redis keeps answering while it is read (on a cluster, every node).
"""

from __future__ import annotations

import json
from collections import Counter

from app.store import keys
from app.store.connection import RedisClient

#: Sessions read per round trip.
BATCH = 500


def waiting_steps(redis: RedisClient) -> Counter[tuple[str, str]]:
    """``(flow, step) -> number of conversations waiting there``, now."""
    found: Counter[tuple[str, str]] = Counter()
    batch: list[str] = []
    for key in redis.scan_iter(match=keys.session_pattern(), count=BATCH):
        batch.append(key.decode() if isinstance(key, bytes) else str(key))
        if len(batch) >= BATCH:
            _count(redis, batch, found)
            batch = []
    if batch:
        _count(redis, batch, found)
    return found


def _count(redis: RedisClient, batch: list[str], found: Counter[tuple[str, str]]) -> None:
    # One key at a time on a cluster would be a round trip each; a pipeline
    # groups them (redis-py splits it per node on a cluster).
    pipe = redis.pipeline(transaction=False)
    for key in batch:
        pipe.get(key)
    for raw in pipe.execute():
        try:
            session = json.loads(raw) if raw else {}
        except ValueError:
            continue
        flow, step = session.get("flow"), session.get("step")
        if isinstance(flow, str) and isinstance(step, str) and flow:
            found[(flow, step)] += 1
