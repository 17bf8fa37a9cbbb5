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

One send hits every window that applies (client IP, API key, destination per
hour and per day: four by default) in **one pipelined round trip** instead of
four: :class:`_Batch` lets the library's strategies run as usual, but queues
its Lua calls on a pipeline. Each window stays atomic; a window that is full
refuses without counting, the others count the attempt — errs on the side of
sending less, never more. Only a refusal pays a second round trip, to read
how long until the full window has room again.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from limits import RateLimitItem, parse_many
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter, RateLimiter, SlidingWindowCounterRateLimiter
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from app.otp.ports import LimitRefusal
from app.store import keys
from app.store.connection import RedisClient

#: The attributes of ``limits``' RedisStorage holding the scripts a hit runs.
_ACQUIRE_SCRIPTS = ("lua_acquire_moving_window", "lua_acquire_sliding_window")


@dataclass(frozen=True, slots=True)
class _Rule:
    scope: str
    items: tuple[RateLimitItem, ...]
    limiter: RateLimiter
    strategy: Callable[[Any], RateLimiter]


class _Queued:
    """One of the library's scripts, queued on a pipeline instead of run at once."""

    def __init__(self, script: Script, batch: _Batch) -> None:
        self.script = script
        self.batch = batch

    def __call__(self, keys: Sequence[str] = (), args: Sequence[Any] = ()) -> bool:
        # EVALSHA straight on the pipeline: Script.__call__ on a pipeline would
        # add a SCRIPT EXISTS round trip to every execute.
        self.batch.pipe.evalsha(self.script.sha, len(keys), *keys, *args)
        self.batch.calls.append((self.script, list(keys), list(args)))
        return True  # the real answer comes from the pipeline


class _Batch:
    """Collects the hits of one send; :meth:`run` sends them in one round trip."""

    def __init__(self, storage: RedisStorage, client: redis.Redis) -> None:
        self.pipe = client.pipeline(transaction=False)
        self.calls: list[tuple[Script, list[str], list[Any]]] = []
        self.storage = copy.copy(storage)
        for name in _ACQUIRE_SCRIPTS:
            setattr(self.storage, name, _Queued(getattr(storage, name), self))

    def run(self) -> list[bool]:
        return _answers(self.calls, self.pipe.execute(raise_on_error=False))


def _answers(calls: list[tuple[Script, list[str], list[Any]]], results: list[Any]) -> list[bool]:
    """The hits' replies as granted or not."""
    answers = []
    for result, (script, keys_, args) in zip(results, calls, strict=True):
        if isinstance(result, NoScriptError):
            # Redis restarted and forgot the script: run this one hit alone
            # (Script loads it); the others were counted once already.
            result = script(keys=keys_, args=args)
        elif isinstance(result, Exception):
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
        exact, cheap = MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
        self._rules = {
            "client_ip": _Rule("client_ip", _items(client_ip), cheap(storage), cheap),
            "api_key": _Rule("api_key", _items(api_key), cheap(storage), cheap),
            "destination": _Rule("destination", _items(destination), exact(storage), exact),
            "sender": _Rule("sender", _items(sender), exact(storage), exact),
            "server": _Rule("server", _items(server), cheap(storage), cheap),
        }

    def _batch(self, hits: list[tuple[_Rule, RateLimitItem, str]]) -> _Batch:
        assert isinstance(self._storage, RedisStorage) and self._client is not None
        batch = _Batch(self._storage, self._client)
        for rule, item, identity in hits:
            rule.strategy(batch.storage).hit(item, "otp", rule.scope, identity)
        return batch

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
        hits = self._hits(destination, api_key, client_ip, sender)
        if not hits:
            return None
        if isinstance(self._storage, RedisStorage) and self._client is not None:
            granted = self._batch(hits).run()
        else:  # a cluster: the windows live on different nodes, one call each
            granted = [
                rule.limiter.hit(item, "otp", rule.scope, identity) for rule, item, identity in hits
            ]
        for (rule, item, identity), ok in zip(hits, granted, strict=True):
            if not ok:
                stats = rule.limiter.get_window_stats(item, "otp", rule.scope, identity)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                return LimitRefusal(scope=rule.scope, retry_after=wait)
        return None

    def reset(self, destination: str) -> None:
        """Forget a destination's sends (an operator unblocking a customer)."""
        rule = self._rules["destination"]
        for item in rule.items:
            rule.limiter.clear(item, "otp", "destination", destination)


def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec)) if spec else ()
