"""OTP insights on Redis (:class:`app.otp.insights.InsightsStore`).

An hour's counters are one hash (``keys.insights_hour``); a verification's
trace is a hash beside its state, on the verification's own hash tag. The
two live on different slots, so :meth:`record` pipelines one small script
for each (:data:`_COUNT`, :data:`_TRACE`: its writes and the key's expiry,
which were two to five plain commands) rather than one across them; a
counter is only ever added to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from app.otp.insights import InsightsStore
from app.store import carried, keys, later
from app.store.connection import RedisClient

#: KEYS[1] an hour's counters; ARGV[1] its lifetime (s), then field, count, field, count...
_COUNT = """
for i = 2, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
"""
#: KEYS[1] a trace; ARGV[1] its lifetime (s), ARGV[2] sends to add, then field, value...
_TRACE = """
if #ARGV > 2 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 3))
end
if tonumber(ARGV[2]) ~= 0 then
  redis.call('HINCRBY', KEYS[1], 'n', ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
"""


class RedisInsightsStore(InsightsStore):
    def __init__(self, client: RedisClient) -> None:
        self.client = client
        self._count = client.register_script(_COUNT)
        self._trace = client.register_script(_TRACE)

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
        calls = []
        if counts:
            counted = [str(n) for pair in counts.items() for n in pair]
            bucket = [keys.insights_hour(hour)]
            calls.append((self._count, bucket, [keys.INSIGHTS_TTL, *counted]))
        if verification_id and (trace or more_sends):
            fields = [str(n) for pair in (trace or {}).items() for n in pair]
            args = [max(60, trace_ttl), more_sends, *fields]
            calls.append((self._trace, [keys.otp_trace(verification_id)], args))
        later.scripts(self.client, calls, quiet="count otp insights")

    def trace(self, verification_id: str) -> Mapping[str, str] | None:
        raw = self.client.hgetall(keys.otp_trace(verification_id))
        return raw or None  # type: ignore[return-value]

    def buckets(self, hours: Sequence[int]) -> list[Mapping[str, int]]:
        carried.settle()  # this process's approvals still waiting to be written: first
        pipe = self.client.pipeline(transaction=False)
        for hour in hours:
            pipe.hgetall(keys.insights_hour(hour))
        return [{k: int(v) for k, v in raw.items()} for raw in pipe.execute()]
