"""Send attempts, recorded before they go out: the idempotency record of every send.

Each attempt has a key (``<verification id>:<generation or fallback step>:<channel>``)
and moves ``claimed -> writing -> sent | refused | in_doubt``, or ``claimed ->
unreached``. Whoever sends again with the same key (a job that rq runs a second
time because its first worker died, a Twilio retry of the same callback) reads
the record first:

- ``sent``: the provider has it; the recorded id is returned, nothing is sent;
- ``writing`` / ``in_doubt``: the request may have reached the provider (the
  process died mid-request, the connection dropped after the write, a timeout,
  a 5xx); it is never repeated: a silent channel is the fallback's job;
- ``claimed`` (younger than ``stale_after``): another worker is sending it now;
- absent, ``unreached``, ``refused`` or a stale ``claimed``: provably nothing
  went out, so this one may send.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.store import keys
from app.store.connection import RedisClient

# KEYS[1] = attempt; ARGV[1] = now (s), ARGV[2] = stale after (s), ARGV[3] = ttl (s)
# Returns {verdict, provider id}: verdict is go | sent | writing | in_doubt | busy.
_BEGIN = """
local s = redis.call('HMGET', KEYS[1], 'state', 'at', 'sid')
local state = s[1]
if state == 'sent' then return {'sent', s[3] or ''} end
if state == 'writing' or state == 'in_doubt' then return {state, ''} end
if state == 'claimed' and tonumber(ARGV[1]) - tonumber(s[2]) < tonumber(ARGV[2]) then
  return {'busy', ''}
end
redis.call('HSET', KEYS[1], 'state', 'claimed', 'at', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {'go', ''}
"""

# KEYS[1] = attempt; ARGV[1] = state, ARGV[2] = now (s), ARGV[3] = provider id, ARGV[4] = ttl
_MARK = """
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'at', ARGV[2], 'sid', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
"""


@dataclass(frozen=True, slots=True)
class Verdict:
    state: str  # go | sent | writing | in_doubt | busy
    message_id: str = ""


class SendAttempts:
    def __init__(self, redis: RedisClient, stale_after: float) -> None:
        self.redis = redis
        self.stale_after = stale_after
        self._begin = redis.register_script(_BEGIN)
        self._mark = redis.register_script(_MARK)

    def begin(self, send_key: str, now: float) -> Verdict:
        """Claim the attempt, or say why it must not be sent (again)."""
        state, sid = self._begin(
            keys=[keys.send_attempt(send_key)],
            args=[f"{now:.3f}", self.stale_after, keys.ATTEMPT_TTL],
        )
        return Verdict(str(state), str(sid))

    def mark(self, send_key: str, state: str, now: float, message_id: str = "") -> None:
        self._mark(
            keys=[keys.send_attempt(send_key)],
            args=[state, f"{now:.3f}", message_id, keys.ATTEMPT_TTL],
        )

    def get(self, send_key: str) -> dict[str, str]:
        record: dict[str, str] = self.redis.hgetall(keys.send_attempt(send_key))  # type: ignore[assignment]
        return record
