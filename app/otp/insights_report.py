"""The insights for a window (last hour, day or week), from the hourly buckets.

One :func:`report` feeds the staff page, its JSON and ``GET /v1/insights``,
so the page and the API can never disagree. ``hour`` means the current and
the previous clock hour (buckets are hourly); ``day`` the last 24 buckets,
``week`` the last 168.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.otp.insights import HOUR_MS, LATENCY_BOUNDS, Dims

WINDOWS = {"hour": 2, "day": 24, "week": 168}
#: Points of the time series: hourly for a day or an hour, daily for a week.
_STEP = {"hour": 1, "day": 1, "week": 24}
DIMENSIONS = ("channel", "country", "purpose", "flow")


@dataclass
class Tally:
    verifications: int = 0
    sends: int = 0
    approved: int = 0
    blocked: int = 0
    failures: int = 0
    latency: list[int] = field(default_factory=lambda: [0] * len(LATENCY_BOUNDS))

    def add(self, event: str, count: int, rest: str) -> None:
        if event == "v":
            self.verifications += count
        elif event == "s":
            self.sends += count
        elif event == "a":
            self.approved += count
        elif event == "b":
            self.blocked += count
        elif event == "f":
            self.failures += count
        elif event == "l" and rest.isdigit() and int(rest) < len(self.latency):
            self.latency[int(rest)] += count

    def json(self) -> dict[str, Any]:
        return {
            "verifications": self.verifications,
            "sends": self.sends,
            "approved": self.approved,
            "conversion": round(self.approved / self.verifications, 4)
            if self.verifications
            else None,
            "median_seconds": percentile(self.latency, 0.5),
            "p90_seconds": percentile(self.latency, 0.9),
            "blocked": self.blocked,
            "delivery_failures": self.failures,
        }


def percentile(histogram: Sequence[int], q: float) -> float | None:
    """The ``q`` quantile of a latency histogram, interpolated inside its bucket."""
    total = sum(histogram)
    if not total:
        return None
    rank, seen = q * total, 0
    for i, count in enumerate(histogram):
        if count and seen + count >= rank:
            low = LATENCY_BOUNDS[i - 1] if i else 0
            high = LATENCY_BOUNDS[i]
            return round(low + (high - low) * (rank - seen) / count, 1)
        seen += count
    return float(LATENCY_BOUNDS[-1])


def window_hours(window: str, now_ms: int) -> list[int]:
    last = now_ms // HOUR_MS
    return list(range(last - WINDOWS[window] + 1, last + 1))


def report(window: str, now_ms: int, buckets: Sequence[Mapping[str, int]]) -> dict[str, Any]:
    """Totals, per-dimension rows, failures, fallbacks, blocks and a time series."""
    hours = window_hours(window, now_ms)
    total = Tally()
    by: dict[str, dict[str, Tally]] = {d: defaultdict(Tally) for d in DIMENSIONS}
    failures: dict[tuple[str, str], int] = defaultdict(int)
    fallbacks: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    blocks: dict[str, int] = defaultdict(int)
    step = _STEP[window]
    series: dict[int, Tally] = {h - (h - hours[0]) % step: Tally() for h in hours}
    for hour, bucket in zip(hours, buckets, strict=True):
        point = series[hour - (hour - hours[0]) % step]
        for name, count in bucket.items():
            event, _, rest = name.partition("|")
            if rest.count("|") < 3:
                continue
            parts = rest.split("|", 4)
            dims, extra = Dims.parse("|".join(parts[:4])), (parts[4] if len(parts) > 4 else "")
            if event in {"fb", "fbc"}:
                fallbacks[(dims.channel, extra)][event == "fbc"] += count
                continue
            for tally in (total, point, *(by[d][getattr(dims, d)] for d in DIMENSIONS)):
                tally.add(event, count, extra)
            if event == "f":
                failures[(dims.channel, extra)] += count
            elif event == "b":
                blocks[extra] += count
    return {
        "window": window,
        "from": _iso(hours[0] * HOUR_MS),
        "to": _iso(now_ms),
        "totals": {**total.json(), "fallbacks": sum(v[0] for v in fallbacks.values())},
        "by": {
            d: sorted(
                ({"key": key, **t.json()} for key, t in rows.items()),
                key=lambda row: (-row["verifications"], -row["blocked"], row["key"]),
            )
            for d, rows in by.items()
        },
        "failures": [
            {"channel": ch, "error": err, "count": n}
            for (ch, err), n in sorted(failures.items(), key=lambda kv: -kv[1])
        ],
        "fallbacks": [
            {"from": src, "to": dst, "count": n, "approved": ok}
            for (src, dst), (n, ok) in sorted(fallbacks.items())
        ],
        "blocks": [{"reason": r, "count": n} for r, n in sorted(blocks.items(), key=lambda kv: -kv[1])],
        "series": [
            {"at": _iso(h * HOUR_MS), **{k: t.json()[k] for k in ("verifications", "approved", "blocked")}}
            for h, t in sorted(series.items())
        ],
    }  # fmt: skip


def _iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    )
