"""OTP insights: do the codes arrive, and do customers type them?

Every event of a verification adds to an hourly bucket of counters, keyed by
its *dimensions* (channel, country, purpose, flow) — never by a number:

- ``v|dims`` verifications started (the first code sent), ``s|dims`` codes
  sent (resends and fallbacks too);
- ``a|dims`` approved, credited to the hour the verification *started*, so
  an hour's conversion is "of those started then, how many were approved";
- ``l|dims|i`` send-to-approval times, as a histogram over
  :data:`LATENCY_BOUNDS` (from the last code sent to the approval);
- ``f|dims|error`` delivery failures by the channel's error code;
- ``fb|dims|to`` fallbacks to another channel, ``fbc|dims`` those approved;
- ``b|dims|reason`` sends the fraud guard blocked.

A short-lived *trace* per verification (dimensions, first and last send
time, send count, the fraud guard's digests) joins a later approval or
fallback to its start. :mod:`app.otp.insights_report` reads the buckets back.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)

HOUR_MS = 3_600_000
#: Upper bounds (seconds) of the send-to-approval histogram; the last is "later".
LATENCY_BOUNDS = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1800, 86400)
#: How long hourly buckets are kept: the week the page shows, plus a day.
BUCKET_DAYS = 8
NO_COUNTRY = "-"
NO_FLOW = "api"


def _label(value: str | None, default: str) -> str:
    text = (value or default).replace("|", "_")
    return text[:40] or default


@dataclass(frozen=True, slots=True)
class Dims:
    channel: str
    country: str
    purpose: str
    flow: str

    @classmethod
    def of(cls, channel: str, country: str | None, purpose: str, flow: str | None) -> Dims:
        return cls(
            _label(channel, "-"),
            _label(country, NO_COUNTRY),
            _label(purpose, "-"),
            _label(flow, NO_FLOW),
        )

    @property
    def key(self) -> str:
        return f"{self.channel}|{self.country}|{self.purpose}|{self.flow}"

    @classmethod
    def parse(cls, key: str) -> Dims:
        channel, country, purpose, flow = key.split("|", 3)
        return cls(channel, country, purpose, flow)


@dataclass(frozen=True, slots=True)
class Trace:
    """One verification as the insights and the fraud guard remember it."""

    dims: Dims
    hour: int  # the hour it started
    first_ms: int
    last_ms: int  # the last code sent
    sends: int
    prefix: str = ""  # the fraud guard's digests ("" when not screened)
    sources: tuple[tuple[str, str], ...] = ()
    fallback: str = ""  # the channel of the last fallback, if any

    def fields(self) -> dict[str, str]:
        return {
            "d": self.dims.key, "h": str(self.hour), "t0": str(self.first_ms),
            "ts": str(self.last_ms), "n": str(self.sends), "p": self.prefix,
            "src": ",".join(f"{k}={v}" for k, v in self.sources), "fb": self.fallback,
        }  # fmt: skip

    @classmethod
    def parse(cls, raw: Mapping[str, str]) -> Trace:
        """The trace :meth:`fields` wrote (an approval reads one: a loop, not generators)."""
        sources = []
        for item in raw.get("src", "").split(","):
            kind, _, value = item.partition("=")
            if kind and value:
                sources.append((kind, value))
        return cls(
            dims=Dims.parse(raw["d"]), hour=int(raw["h"]), first_ms=int(raw["t0"]),
            last_ms=int(raw.get("ts") or raw["t0"]), sends=int(raw.get("n") or 1),
            prefix=raw.get("p", ""), sources=tuple(sources), fallback=raw.get("fb", ""),
        )  # fmt: skip


class InsightsStore(Protocol):
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
        """Add ``counts`` to the bucket of ``hour``; set fields of the verification's
        trace (and add ``more_sends`` to its count), in one trip."""
        ...

    def trace(self, verification_id: str) -> Mapping[str, str] | None: ...

    def buckets(self, hours: Sequence[int]) -> list[Mapping[str, int]]: ...


class InsightsMetrics(Protocol):
    def approved(self, channel: str, purpose: str, seconds: float) -> None: ...

    def error(self, operation: str) -> None: ...


def latency_bucket(seconds: float) -> int:
    return min(bisect.bisect_left(LATENCY_BOUNDS, seconds), len(LATENCY_BOUNDS) - 1)


class Insights:
    """Writes the events; every method fails quietly (an OTP never fails for its statistics)."""

    def __init__(self, store: InsightsStore, metrics: InsightsMetrics | None = None) -> None:
        self.store = store
        self.metrics = metrics

    def _safely(self, operation: str, err: Exception) -> None:
        log.error("otp insights cannot %s (%s)", operation, type(err).__name__)
        if self.metrics:
            self.metrics.error(operation)

    def sent(self, verification_id: str, trace: Trace, *, new: bool, ttl: int) -> None:
        """A code went out: a new verification (with its trace), or one more send."""
        key = trace.dims.key
        counts = {f"s|{key}": 1, **({f"v|{key}": 1} if new else {})}
        try:
            self.store.record(
                trace.hour if new else trace.last_ms // HOUR_MS, counts,
                verification_id=verification_id,
                trace=trace.fields() if new else {"ts": str(trace.last_ms)},
                more_sends=0 if new else 1, trace_ttl=ttl,
            )  # fmt: skip
        except Exception as err:  # statistics never fail a send
            self._safely("count a send", err)

    def count(self, dims: Dims, event: str, detail: str, now_ms: int) -> None:
        """``event``: ``f`` (delivery failure, ``detail`` = error) or ``b`` (fraud block, reason)."""
        try:
            self.store.record(now_ms // HOUR_MS, {f"{event}|{dims.key}|{_label(detail, '-')}": 1})
        except Exception as err:
            self._safely("count an event", err)

    def undelivered(self, verification_id: str, error: str, now_ms: int) -> None:
        try:
            raw = self.store.trace(verification_id)
            if raw:
                self.count(Trace.parse(raw).dims, "f", error, now_ms)
        except Exception as err:
            self._safely("count a failure", err)

    def fallback(self, verification_id: str, channel: str, now_ms: int, ttl: int) -> None:
        try:
            raw = self.store.trace(verification_id)
            if not raw:
                return
            trace = Trace.parse(raw)
            self.store.record(
                trace.hour, {f"s|{trace.dims.key}": 1, f"fb|{trace.dims.key}|{channel}": 1},
                verification_id=verification_id,
                trace={"fb": channel, "ts": str(now_ms)}, more_sends=1, trace_ttl=ttl,
            )  # fmt: skip
        except Exception as err:
            self._safely("count a fallback", err)

    def approved(
        self, verification_id: str, now_ms: int, raw: Mapping[str, str] | None = None
    ) -> Trace | None:
        """Count an approval in the verification's start hour; its trace, for the fraud guard.

        ``raw``: the trace as the check already read it (None: read it here)."""
        try:
            raw = self.store.trace(verification_id) if raw is None else raw
            if not raw:
                return None
            trace = Trace.parse(raw)
            seconds = max(0.0, (now_ms - trace.last_ms) / 1000)
            key = trace.dims.key
            counts = {f"a|{key}": 1, f"l|{key}|{latency_bucket(seconds)}": 1}
            if trace.fallback:
                counts[f"fbc|{key}|{trace.fallback}"] = 1
            self.store.record(trace.hour, counts)
        except Exception as err:
            self._safely("count an approval", err)
            return None
        if self.metrics:
            self.metrics.approved(trace.dims.channel, trace.dims.purpose, seconds)
        return trace
