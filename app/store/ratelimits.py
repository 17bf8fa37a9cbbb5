"""Send limits on Redis with the ``limits`` library.

A destination is known here only by its keyed digest (``CodeHasher.destination``,
passed in by the OTP service): the limits' keys never hold a number or an
e-mail address, so they may outlive the erasure of a customer (docs/privacy.md).

Per destination (default 10 an hour and 20 a day; an e-mail address counted
without its ``+tag``) and per chat sender (the customer a flow sends for,
same defaults) a *moving window*: exact, and cheap for the handful of
entries one number collects. For the whole server (3000 a minute) a sliding
window counter. Per API key and per
client IP a *sliding window counter*: O(1) whatever the volume, at the price
of a small approximation at window edges. Each window is one of ``limits``'
own atomic Lua scripts, with its keys and arguments built by ``limits``
itself. The window runs on ``limits``' own clock (real time), not on the
service's injected clock.

The windows of one send are hit in **one round trip** (:meth:`acquire_soon`,
which can share the trip with the claim and the fraud guard's questions:
:func:`app.store.trip.soon`): :class:`_Recorder` lets the library's strategies
run as usual, but records their Lua calls instead. Each window stays atomic;
a window that is full refuses without counting, the others count the attempt
— errs on the side of sending less, never more. Only a refusal pays another
round trip, to read how long until the full window has room again. A send
refused after all (its claim, the fraud guard) gives its hits back
(:data:`_GIVE_BACK_MOVING`, :data:`_GIVE_BACK_SLIDING`).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter, SlidingWindowCounterRateLimiter
from redis.commands.core import Script

from app.otp.ports import SCOPES, HeldSend, LimitRefusal
from app.store import keys, trip
from app.store.connection import RedisClient

#: The attributes of ``limits``' RedisStorage holding the scripts a hit runs.
_ACQUIRE_SCRIPTS = ("lua_acquire_moving_window", "lua_acquire_sliding_window")


# Giving back one hit of ``limits``' own scripts, with the keys and arguments that hit had.
# Moving window: KEYS[1] = its list, ARGV[1] = the hit's timestamp (pushed as a Lua
# number, so removed as one: the same conversion to a string).
_GIVE_BACK_MOVING = """
return redis.call('LREM', KEYS[1], 1, tonumber(ARGV[1]))
"""
# Sliding window counter: KEYS[1] = previous window, KEYS[2] = current, ARGV[3] = amount.
# The current window if it counts anything, else the previous (it moved meanwhile).
_GIVE_BACK_SLIDING = """
for _, key in ipairs({KEYS[2], KEYS[1]}) do
  if (tonumber(redis.call('GET', key)) or 0) >= tonumber(ARGV[3]) then
    return redis.call('DECRBY', key, ARGV[3])
  end
end
return 0
"""


def _nothing() -> None:
    return None


Call = tuple[Script, list[str], list[Any]]


@dataclass(frozen=True, slots=True)
class _Rule:
    scope: str
    items: tuple[RateLimitItem, ...]
    limiter: RateLimiter
    #: The same strategy on the :class:`_Recorder`'s storage: its hits are recorded.
    recording: RateLimiter


class _Queued:
    """One of the library's scripts, recorded for a pipeline instead of run at once."""

    def __init__(self, script: Script, local: threading.local) -> None:
        self.script = script
        self.local = local

    def __call__(self, keys: Sequence[str] = (), args: Sequence[Any] = ()) -> bool:
        self.local.calls.append((self.script, list(keys), list(args)))
        return True  # the real answer comes from the pipeline


class _Recorder:
    """A copy of the library's storage whose acquire scripts record their calls.

    Made once per limiter rather than once per send (copying the storage was
    a fifth of a send's limit work): the calls go to a list of the thread's
    own, set for the time of one :meth:`record`, so concurrent requests never
    mix their hits.
    """

    def __init__(self, storage: RedisStorage) -> None:
        self._local = threading.local()
        self.storage = copy.copy(storage)
        for name in _ACQUIRE_SCRIPTS:
            setattr(self.storage, name, _Queued(getattr(storage, name), self._local))

    def record(self, hits: list[tuple[_Rule, RateLimitItem, str]]) -> list[Call]:
        """The library's Lua calls for ``hits``, keys and arguments built by itself."""
        calls: list[Call] = []
        self._local.calls = calls
        try:
            for rule, item, identity in hits:
                rule.recording.hit(item, "otp", rule.scope, identity)
        finally:
            del self._local.calls
        return calls


def _answers(calls: list[Call], results: list[Any]) -> list[bool]:
    """The hits' replies as granted or not."""
    answers = []
    for result, _ in zip(results, calls, strict=True):
        if isinstance(result, Exception):  # (a script Redis forgot was rerun by app.store.trip)
            raise result
        answers.append(bool(result))
    return answers


class RedisSendLimiter:
    def __init__(
        self,
        client: RedisClient,
        *,
        destination: str,
        api_key: str,
        client_ip: str,
        sender: str = "",
        server: str = "",
        cluster_url: str | None = None,
    ) -> None:
        storage: RedisStorage | RedisClusterStorage
        self._client = client if isinstance(client, redis.Redis) else None
        if isinstance(client, redis.Redis):
            # Share the app's connection pool: no second set of sockets.
            storage = RedisStorage(
                "redis://",
                connection_pool=client.connection_pool,
                key_prefix=keys.RATE_LIMIT_PREFIX,
            )
        else:  # pragma: no cover - exercised against a cluster only
            storage = RedisClusterStorage(cluster_url or "", key_prefix=keys.RATE_LIMIT_PREFIX)
        self._storage = storage
        runs_on = self._client or storage.storage
        self._give_back_moving = runs_on.register_script(_GIVE_BACK_MOVING)
        self._give_back_sliding = runs_on.register_script(_GIVE_BACK_SLIDING)
        self._recorder = _Recorder(storage)
        exact, cheap = MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
        self._rules = {
            scope: _Rule(scope, _items(spec), kind(storage), kind(self._recorder.storage))
            for scope, spec, kind in (
                ("client_ip", client_ip, cheap),
                ("api_key", api_key, cheap),
                ("destination", destination, exact),
                ("sender", sender, exact),
                ("server", server, cheap),
            )
        }
        #: (sends, seconds, ...) of the destination's windows, for :meth:`destination_windows`:
        #: its items never change, and every start asks.
        self._windows = tuple(
            n for item in self._rules["destination"].items for n in (item.amount, item.get_expiry())
        )

    def _hits(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None,
    ) -> list[tuple[_Rule, RateLimitItem, str]]:
        return [
            (self._rules[scope], item, identity)
            for scope, identity in (
                ("server", "*"),
                ("client_ip", client_ip),
                ("api_key", api_key),
                ("sender", sender),
                ("destination", destination),
            )
            if identity
            for item in self._rules[scope].items
        ]

    def acquire(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None = None,
    ) -> LimitRefusal | None:
        return self.acquire_soon(destination, api_key, client_ip, sender)().refusal

    def _client_or_storage(self) -> RedisClient:
        client: RedisClient = self._client or self._storage.storage
        return client

    def acquire_soon(
        self,
        destination: str,
        api_key: str | None,
        client_ip: str | None,
        sender: str | None = None,
        *,
        scopes: tuple[str, ...] = SCOPES,
    ) -> Callable[[], HeldSend]:
        """The hits of ``scopes``' windows, sent with the next round trip
        (:func:`app.store.trip.soon`); the answer can give the granted hits back."""
        hits = [
            h for h in self._hits(destination, api_key, client_ip, sender) if h[0].scope in scopes
        ]
        if not hits:
            held = HeldSend(None, _nothing)
            return lambda: held
        recorded = self._recorder.record(hits)
        calls = [trip.script(script, keys_, args) for script, keys_, args in recorded]

        def decode(replies: list[Any]) -> HeldSend:
            granted = _answers(recorded, replies)
            taken = [c for c, ok in zip(recorded, granted, strict=True) if ok]
            return HeldSend(self._refusal(hits, granted), lambda: self._give_back(taken))

        return trip.soon(self._client_or_storage(), calls, decode)

    def _refusal(
        self, hits: list[tuple[_Rule, RateLimitItem, str]], granted: list[bool]
    ) -> LimitRefusal | None:
        for (rule, item, identity), ok in zip(hits, granted, strict=True):
            if not ok:
                stats = rule.limiter.get_window_stats(item, "otp", rule.scope, identity)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                return LimitRefusal(scope=rule.scope, retry_after=wait)
        return None

    def _give_back(self, taken: list[Call]) -> None:
        """Undo the hits a send refused after all made (one round trip, refusals only)."""
        moving = self._storage.lua_acquire_moving_window.sha
        calls = [
            trip.script(self._give_back_moving if script.sha == moving else self._give_back_sliding,
                        keys_, args)
            for script, keys_, args in taken
        ]  # fmt: skip
        trip.run(self._client_or_storage(), calls)

    def destination_windows(self) -> tuple[int, tuple[int, ...]] | None:
        """The START script counts them with its claim (:func:`app.store.keys.otp_send_log`),
        on this limiter's clock (real time, as ``limits``')."""
        if not self._windows:
            return None
        return int(time.time() * 1000), self._windows

    def reset(self, destination: str) -> None:
        """Forget a destination's sends (an operator unblocking a customer): the log the
        START script keeps (named by the digest's tag) and ``limits``' own windows."""
        self._client_or_storage().delete(keys.otp_send_log(destination[:16]))
        rule = self._rules["destination"]
        for item in rule.items:
            rule.limiter.clear(item, "otp", "destination", destination)


def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec)) if spec else ()
