"""The fraud guard's counters, blocks and lists on Redis (:class:`app.otp.fraud.FraudStore`).

One screening is one pipelined round trip: an :data:`OBSERVE` script per
scope (prefix, country, each source: separate hash tags, so a cluster runs
each on its own slot) and one ``HMGET`` of the lists. Each script is atomic
for its scope; the decision is made on their answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from redis.commands.core import Script

from app.otp.fraud import Block, FraudStore, Observed, Subject
from app.otp.fraud_lists import ListEntry
from app.otp.fraud_rules import ScopeCounts
from app.store import keys, later, trip
from app.store.connection import RedisClient
from app.store.fraud_scripts import APPROVE, OBSERVE

FIVE_MIN_MS = 300_000
HOUR_MS = 3_600_000
RECENT_BUCKETS = 12
_TTL = {"p": keys.FRAUD_PREFIX_TTL, "c": keys.FRAUD_COUNTRY_TTL, "s": keys.FRAUD_SOURCE_TTL}
_SCOPE = {"prefix": "p", "country": "c"}


def _counts(raw: Sequence[Any]) -> ScopeCounts:
    n = [int(x) for x in raw[:8]]
    return ScopeCounts(
        hour_attempts=n[0], hour_approved=n[1], day_attempts=n[2], day_approved=n[3],
        base_attempts=n[4], base_approved=n[5], base_worst_hour=n[6], base_hours=n[7],
        blocked=str(raw[8] or ""),
    )  # fmt: skip


class RedisFraudStore(FraudStore):
    def __init__(self, client: RedisClient) -> None:
        self.client = client
        self._observe = client.register_script(OBSERVE)
        self._approve = client.register_script(APPROVE)

    def _scopes(self, subject: Subject) -> list[tuple[str, str, str]]:
        """(name, tag letter, id) of every scope a send is counted in."""
        scopes = [("prefix", "p", subject.prefix), ("country", "c", subject.country)]
        scopes += [(kind, "s", f"{kind}:{digest}") for kind, digest in subject.sources]
        return scopes

    def observe(
        self, subject: Subject, *, now_ms: int, count: bool, prefix_hours: int, country_hours: int
    ) -> Observed:
        return self.observe_soon(
            subject, now_ms=now_ms, count=count,
            prefix_hours=prefix_hours, country_hours=country_hours,
        )()  # fmt: skip

    def observe_soon(
        self, subject: Subject, *, now_ms: int, count: bool, prefix_hours: int, country_hours: int
    ) -> Callable[[], Observed]:
        scopes = self._scopes(subject)
        b, h = now_ms // FIVE_MIN_MS, now_ms // HOUR_MS
        calls = []
        hours = {"p": prefix_hours, "c": country_hours}
        for _, tag, scope_id in scopes:
            calls.append(trip.script(
                self._observe,
                keys.fraud_observed(tag, scope_id, h),
                ["1" if count else "0", b, h, RECENT_BUCKETS, hours.get(tag, 0), _TTL[tag] * 1000,
                 subject.destination, now_ms],
            ))  # fmt: skip
        if subject.candidates:
            calls.append(trip.command("HMGET", keys.fraud_lists(), *subject.candidates))

        def decode(answers: list[Any]) -> Observed:
            for answer in answers:
                if isinstance(answer, Exception):
                    raise answer
            counts = [_counts(a) for a in answers[: len(scopes)]]
            listed: dict[str, str] = {}
            if subject.candidates:
                for name, raw in zip(subject.candidates, answers[len(scopes)], strict=True):
                    if raw:
                        listed[name] = json.loads(raw)["action"]
            return Observed(
                prefix=counts[0],
                country=counts[1],
                sources={n: c for (n, _, _), c in zip(scopes[2:], counts[2:], strict=True)},
                listed=listed,
            )

        return trip.soon(self.client, calls, decode)

    def _scripts(
        self, script: Script, calls_: list[tuple[list[str], list[Any]]], lists: Sequence[str] = ()
    ) -> list[Any]:
        """Run ``script`` once per (keys, args), then read the ``lists`` fields:
        one round trip on one server (:mod:`app.store.trip`), one call each on
        a cluster (every script touches one hash tag, so each runs on its own slot).
        """
        calls = [trip.script(script, k, a) for k, a in calls_]
        if lists:
            calls.append(trip.command("HMGET", keys.fraud_lists(), *lists))
        return trip.run(self.client, calls)

    def block(self, block: Block, *, now_ms: int) -> None:
        tag = _SCOPE[block.scope]
        record = {
            "scope": block.scope, "id": block.id, "reason": block.reason, "shown": block.shown,
            "country": block.country, "since_ms": now_ms, "until_ms": block.until_ms,
        }  # fmt: skip
        pipe = self.client.pipeline(transaction=False)
        pipe.set(
            keys.fraud_block(tag, block.id),
            f"{block.reason}|{block.until_ms}",
            px=max(1, block.until_ms - now_ms),
        )
        pipe.hset(keys.fraud_blocks(), f"{block.scope}:{block.id}", json.dumps(record))
        pipe.expire(keys.fraud_blocks(), keys.FRAUD_BLOCKS_TTL)
        pipe.execute()

    def approved(
        self, prefix: str, country: str, sources: Sequence[tuple[str, str]], *,
        attempt_ms: int, sends: int,
    ) -> None:  # fmt: skip
        scopes = [("p", prefix), ("c", country), *(("s", f"{k}:{d}") for k, d in sources)]
        calls = [
            ([keys.fraud_counts(tag, scope_id)],
             [attempt_ms // FIVE_MIN_MS, attempt_ms // HOUR_MS, sends, _TTL[tag] * 1000])
            for tag, scope_id in scopes
            if scope_id
        ]  # fmt: skip
        if later.active():  # after an approval nobody waits for the credits: the batch sends
            for k, a in calls:
                later.script(self.client, self._approve, k, a, quiet="credit a fraud approval")
            return
        self._scripts(self._approve, calls)

    def blocks(self, now_ms: int) -> list[Block]:
        """Active blocks, for staff; expired entries are pruned."""
        raw = self.client.hgetall(keys.fraud_blocks())
        active, expired = [], []
        for name, value in raw.items():
            record = json.loads(value)
            if int(record["until_ms"]) <= now_ms:
                expired.append(name)
                continue
            active.append(
                Block(
                    scope=str(record["scope"]),
                    id=str(record["id"]),
                    reason=str(record["reason"]),
                    shown=str(record["shown"]),
                    country=str(record["country"]),
                    until_ms=int(record["until_ms"]),
                )
            )
        if expired:
            self.client.hdel(keys.fraud_blocks(), *expired)
        return sorted(active, key=lambda blk: -blk.until_ms)

    def unblock(self, scope: str, scope_id: str) -> bool:
        """Lift a block and forget the scope's counts, so it starts afresh."""
        tag = _SCOPE[scope]
        removed = self.client.delete(keys.fraud_block(tag, scope_id))
        self.client.delete(keys.fraud_counts(tag, scope_id))  # a fresh start, no history
        indexed = self.client.hdel(keys.fraud_blocks(), f"{scope}:{scope_id}")
        return bool(removed or indexed)

    def forget_source(self, kind: str, digest: str) -> bool:
        return bool(self.client.delete(keys.fraud_counts("s", f"{kind}:{digest}")))

    def entries(self) -> list[ListEntry]:
        out = []
        for name, value in self.client.hgetall(keys.fraud_lists()).items():
            text = name.decode() if isinstance(name, bytes) else str(name)
            kind, _, val = text.partition(":")
            record = json.loads(value)
            out.append(
                ListEntry(kind, val, record["action"], record.get("note", ""), record.get("at", ""))
            )
        return sorted(out, key=lambda e: (e.kind, e.value))

    def set_entry(self, entry: ListEntry) -> None:
        record = {"action": entry.action, "note": entry.note, "at": entry.at}
        self.client.hset(keys.fraud_lists(), entry.field, json.dumps(record))

    def remove_entry(self, kind: str, value: str) -> bool:
        return bool(self.client.hdel(keys.fraud_lists(), f"{kind}:{value}"))
