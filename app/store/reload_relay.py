"""The reload relay in Redis: a generation counter and what each worker serves.

``sandi flows reload`` (and gunicorn's master on SIGHUP) bumps the
generation; every worker polls it, reloads from disk when it moved, and
reports the version it serves so the command can wait for all of them.
A worker silent for :data:`app.store.keys.FLOWS_WORKER_STALE` seconds is
gone (it died, or was recycled) and is dropped from the report.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from redis.exceptions import RedisError

from app.store import keys
from app.store.connection import RedisClient


def publish_reload(redis: RedisClient) -> int:
    """Ask every worker to reload from disk; returns the new generation."""
    pipe = redis.pipeline(transaction=True)
    pipe.incr(keys.flows_generation())
    pipe.expire(keys.flows_generation(), keys.FLOWS_TTL)
    generation, _ = pipe.execute()
    return int(generation)


def worker_versions(redis: RedisClient, now: float | None = None) -> dict[str, dict[str, Any]]:
    """What each live worker serves: ``{worker: {"version", "rejected", "at"}}``."""
    now = time.time() if now is None else now
    raw: dict[str, str] = redis.hgetall(keys.flows_workers())  # type: ignore[assignment]
    live, stale = {}, []
    for worker, text in raw.items():
        try:
            state = json.loads(text)
        except ValueError:
            stale.append(worker)
            continue
        if now - float(state.get("at", 0)) > keys.FLOWS_WORKER_STALE:
            stale.append(worker)
        else:
            live[worker] = state
    if stale:
        redis.hdel(keys.flows_workers(), *stale)
    return live


class WorkerReports:
    """One worker's side of the relay: read the generation, report, leave."""

    def __init__(self, redis: RedisClient, worker_id: str) -> None:
        self.redis = redis
        self.worker_id = worker_id

    def generation(self) -> str | None:
        """The current generation ("0" before any reload), or None when Redis is away."""
        try:
            value = self.redis.get(keys.flows_generation())
        except RedisError:
            return None
        return str(value) if value is not None else "0"

    def report(self, version: str, rejected: str | None, at: float) -> None:
        entry = json.dumps({"version": version, "rejected": rejected, "at": at})
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(keys.flows_workers(), self.worker_id, entry)
        pipe.expire(keys.flows_workers(), keys.FLOWS_TTL)
        pipe.execute()

    def forget(self) -> None:
        """This worker stops counting (best effort: Redis may be gone at exit)."""
        with contextlib.suppress(RedisError):
            self.redis.hdel(keys.flows_workers(), self.worker_id)
