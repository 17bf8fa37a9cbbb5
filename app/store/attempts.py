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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from app.store import keys, later, trip
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
        state, sid = trip.call(
            self.redis,
            self._begin,
            [keys.send_attempt(send_key)],
            [f"{now:.3f}", self.stale_after, keys.ATTEMPT_TTL],
        )
        return Verdict(str(state), str(sid))

    def begin_unless(
        self, send_key: str, now: float, flags: Sequence[tuple[str, str]]
    ) -> tuple[Verdict, bool]:
        """:meth:`begin`, and whether any (hash, field) of ``flags`` exists (an opt-out),
        in one round trip on one server. A claim made for an address found opted out
        is given back at once (``unreached``: nothing went out)."""
        attempt = keys.send_attempt(send_key)
        args: list[str | float | int] = [f"{now:.3f}", self.stale_after, keys.ATTEMPT_TTL]
        calls = [trip.command("HEXISTS", key, field) for key, field in flags]
        answers = trip.run(self.redis, [*calls, trip.script(self._begin, [attempt], args)])
        flagged = any(answers[:-1])
        began = answers[-1]
        verdict = Verdict(str(began[0]), str(began[1]))
        if flagged and verdict.state == "go":
            self.mark(send_key, "unreached", now)
        return verdict, flagged

    def begin_unless_soon(
        self, send_key: str, now: float, flags: Sequence[tuple[str, str]]
    ) -> Callable[[], tuple[Verdict, bool]]:
        """:meth:`begin_unless` queued with :func:`app.store.trip.soon`, to ride a round
        trip the caller makes anyway; the answer is read, not acted on (the caller
        gives an opted-out address's claim back with :meth:`mark`, or drops an
        unused one with :meth:`forget`)."""
        attempt = keys.send_attempt(send_key)
        args: list[str | float | int] = [f"{now:.3f}", self.stale_after, keys.ATTEMPT_TTL]
        calls = [trip.command("HEXISTS", key, field) for key, field in flags]

        def decode(answers: list[Any]) -> tuple[Verdict, bool]:
            began = answers[-1]
            if isinstance(began, Exception):
                raise began
            return Verdict(str(began[0]), str(began[1])), any(answers[:-1])

        return trip.soon(self.redis, [*calls, trip.script(self._begin, [attempt], args)], decode)

    def forget(self, send_key: str) -> None:
        """Drop a claim made ahead for a send that never happened (a start refused or
        blocked after its speculative trip): with the request's write-behind batch."""
        later.command(self.redis, "unlink", keys.send_attempt(send_key))

    def mark(self, send_key: str, state: str, now: float, message_id: str = "") -> None:
        """Record how the attempt went. ``sent`` joins the request's write-behind
        batch (:mod:`app.store.later`): until it lands the attempt reads
        ``writing`` (or ``claimed``), which never sends again either. Every
        other state is written at once: ``writing`` must be on record before
        the request goes out."""
        keys_ = [keys.send_attempt(send_key)]
        args: list[str | int] = [state, f"{now:.3f}", message_id, keys.ATTEMPT_TTL]
        if state == "sent":
            later.script(self.redis, self._mark, keys_, args)
        else:
            trip.call(self.redis, self._mark, keys_, args)

    def get(self, send_key: str) -> dict[str, str]:
        record: dict[str, str] = self.redis.hgetall(keys.send_attempt(send_key))  # type: ignore[assignment]
        return record
