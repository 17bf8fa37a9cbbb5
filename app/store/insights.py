"""OTP insights on Redis (:class:`app.otp.insights.InsightsStore`).

An hour's counters are one hash (``keys.insights_hour``); a verification's
trace is a hash beside its state, on the verification's own hash tag. The
two live on different slots, so :meth:`record` pipelines plain commands
rather than running one script across them; each command is atomic, and a
counter is only ever added to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.otp.insights import InsightsStore
from app.store import keys, later
from app.store.connection import RedisClient


class RedisInsightsStore(InsightsStore):
    def __init__(self, client: RedisClient) -> None:
        self.client = client

    def record(
        self,
        hour: int,
        counts: Mapping[str, int],
        *,
        verification_id: str = "",
        trace: Mapping[str, str] | None = None,
        more_sends: int = 0,
        trace_ttl: int = 0,
    ) -> None:
        """Added to the request's write-behind batch (:mod:`app.store.later`) when one is
        open: a failure is then logged there, after the answer was decided."""
        later.commands(
            self.client,
            lambda pipe: self._record(
                pipe, hour, counts, verification_id, trace, more_sends, trace_ttl
            ),
            quiet="count otp insights",
        )

    @staticmethod
    def _record(
        pipe: Any,
        hour: int,
        counts: Mapping[str, int],
        verification_id: str,
        trace: Mapping[str, str] | None,
        more_sends: int,
        trace_ttl: int,
    ) -> None:
        bucket = keys.insights_hour(hour)
        for name, count in counts.items():
            pipe.hincrby(bucket, name, count)
        if counts:
            pipe.expire(bucket, keys.INSIGHTS_TTL)
        if verification_id and (trace or more_sends):
            key = keys.otp_trace(verification_id)
            if trace:
                pipe.hset(key, mapping={k: v for k, v in trace.items()})
            if more_sends:
                pipe.hincrby(key, "n", more_sends)
            pipe.expire(key, max(60, trace_ttl))

    def trace(self, verification_id: str) -> Mapping[str, str] | None:
        raw = self.client.hgetall(keys.otp_trace(verification_id))
        return raw or None  # type: ignore[return-value]

    def buckets(self, hours: Sequence[int]) -> list[Mapping[str, int]]:
        pipe = self.client.pipeline(transaction=False)
        for hour in hours:
            pipe.hgetall(keys.insights_hour(hour))
        return [{k: int(v) for k, v in raw.items()} for raw in pipe.execute()]
