"""When the fraud guard calls a destination prefix or a country "pumping".

Plain arithmetic over counts the store keeps (:class:`ScopeCounts`), so the
rules can be read, tested and tuned without Redis. A *scope* is a
destination prefix (the number without its last 4 digits), a country, or a
source (client IP, chat sender). For each, the store counts code sends
(*attempts*, blocked ones included: an attack that keeps knocking stays
visible; each number once an hour: pumping needs many numbers, a customer
asking again is the per-number limits' business) and approvals, credited to the attempt's own time bucket, so
"unapproved" means "sent, and nobody ever typed the code".

SMS pumping looks like many sends to one range of numbers that nobody
approves. Legitimate traffic converts (80-95% in minutes), so every rule
asks for *unapproved* sends, measured against the scope's own past:

- **prefix burst**: a prefix's unapproved sends in the last hour reach the
  mode's threshold, plus twice the worst hour it had in the day before
  (a prefix that was quiet yesterday has no allowance);
- **prefix without conversion**: over 24 h, many unapproved sends and under
  20% approved (keeps a prefix blocked when an attack comes back later);
- **country alert**: a country's unapproved sends in the last hour are far
  above what its past hours predict (its usual volume times its usual
  share of unapproved codes), or its conversion fell under half its usual
  rate. An alert does not block the country: it makes its prefixes strict
  (two unapproved sends in a prefix are enough);
- **country without conversion**: on alert, twice the floor of unapproved
  sends and no approval at all in the hour, or over 24 h nearly nothing
  approved: a country the operator's customers do not use is being pumped,
  and is blocked whole;
- **source**: one IP or chat sender with many unapproved sends in the hour.

Cold start (a new installation, or a prefix/country never seen): a scope
with under :data:`WARM_HOURS` of history has no baseline. A prefix then
counts as quiet (no allowance); a country is expected to convert
:data:`COLD_CONVERSION` of its codes with no usual volume, so its alert
needs only the mode's floor of unapproved sends; a whole country is never
blocked while codes there are still being approved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from app.config import ConfigError

#: Hours of history before a scope's own baseline is trusted.
WARM_HOURS = 24
#: The conversion a country is expected to have before it has a baseline.
COLD_CONVERSION = 0.7
#: Under this share approved over 24 h, a prefix (or country) "does not convert".
DAY_CONVERSION = 0.2
COUNTRY_DAY_CONVERSION = 0.05
#: Baseline attempts below which a country's own conversion rate is not trusted.
MIN_BASELINE = 50


@dataclass(frozen=True, slots=True)
class Mode:
    name: str
    prefix_hour: int  # unapproved sends in an hour that block a quiet prefix
    prefix_day: int  # unapproved sends in 24 h (with < 20% approved) that block a prefix
    prefix_alert: int  # the same in a country on alert
    country_floor: int  # unapproved sends in an hour before a country can be on alert
    country_factor: float  # ... and how many times its usual number
    source_hour: int  # unapproved sends from one IP or chat sender in an hour
    block_seconds: int  # how long a block lasts (renewed while the pattern goes on)


MODES: dict[str, Mode] = {
    "basic": Mode("basic", 30, 60, 10, 60, 5.0, 60, 3600),
    "standard": Mode("standard", 6, 12, 2, 10, 3.0, 10, 3600),
    "max": Mode("max", 3, 6, 1, 6, 2.0, 5, 4 * 3600),
}
DEFAULT_MODE = "standard"


@dataclass(frozen=True, slots=True)
class ScopeCounts:
    """One scope's counts, as the store read them (this attempt included)."""

    hour_attempts: int = 0
    hour_approved: int = 0
    day_attempts: int = 0
    day_approved: int = 0
    #: Hourly buckets before the last two hours (a day for a prefix, a week for a country).
    base_attempts: int = 0
    base_approved: int = 0
    base_worst_hour: int = 0  # most unapproved sends in one baseline hour
    base_hours: int = 0  # hours of history the baseline covers
    #: The reason of an active block, "" if none.
    blocked: str = ""

    @property
    def hour_unapproved(self) -> int:
        return max(0, self.hour_attempts - self.hour_approved)

    @property
    def day_unapproved(self) -> int:
        return max(0, self.day_attempts - self.day_approved)

    @property
    def warm(self) -> bool:
        return self.base_hours >= WARM_HOURS


@dataclass(frozen=True, slots=True)
class Verdict:
    """``scope``: what is blocked (``prefix``, ``country``, ``source``), "" if allowed."""

    reason: str = ""
    scope: str = ""
    detail: str = ""

    @property
    def blocked(self) -> bool:
        return bool(self.reason)


ALLOW = Verdict()


def prefix_allowance(counts: ScopeCounts) -> int:
    """Room a busy prefix earned yesterday: twice its worst hour (0 when quiet or new)."""
    return 2 * counts.base_worst_hour if counts.warm else 0


def country_alert(mode: Mode, c: ScopeCounts) -> bool:
    """Unapproved sends far above what the country's own past predicts."""
    unapproved = c.hour_unapproved
    if unapproved < mode.country_floor:
        return False
    hours = max(1, c.base_hours)
    trusted = c.base_attempts >= MIN_BASELINE
    usual_conversion = c.base_approved / c.base_attempts if trusted else COLD_CONVERSION
    usual_unapproved = c.base_attempts / hours * max(0.1, 1 - usual_conversion)
    if unapproved >= max(mode.country_floor, mode.country_factor * usual_unapproved):
        return True
    hour_conversion = c.hour_approved / max(1, c.hour_attempts)
    return trusted and hour_conversion < usual_conversion / 2


def judge_country(mode: Mode, c: ScopeCounts) -> tuple[Verdict, bool]:
    """A block of the whole country (or none), and whether it is on alert."""
    if c.blocked:
        return Verdict(c.blocked, "country", "blocked"), True
    alert = country_alert(mode, c)
    if alert and c.hour_approved == 0 and c.hour_unapproved >= 2 * mode.country_floor:
        return Verdict("country_no_conversion", "country", "no code approved this hour"), alert
    day_floor = mode.country_floor * 3
    if c.day_unapproved >= day_floor and c.day_approved < COUNTRY_DAY_CONVERSION * c.day_attempts:
        return Verdict("country_no_conversion", "country", "almost no code approved in 24 h"), True
    return ALLOW, alert


def judge_prefix(mode: Mode, p: ScopeCounts, country_on_alert: bool) -> Verdict:
    """Block the prefix, or not. ``p`` includes this attempt: the rules look at
    the unapproved sends before it."""
    if p.blocked:
        return Verdict(p.blocked, "prefix", "blocked")
    allowance = prefix_allowance(p)
    before = max(0, p.hour_unapproved - 1)
    if before >= mode.prefix_hour + allowance:
        return Verdict("prefix_burst", "prefix", f"{before} unapproved sends this hour")
    if country_on_alert and before >= mode.prefix_alert + allowance:
        return Verdict("prefix_country_alert", "prefix", f"{before} unapproved sends this hour")
    day_before = max(0, p.day_unapproved - 1)
    if (
        day_before >= mode.prefix_day + 2 * allowance
        and p.day_approved < DAY_CONVERSION * p.day_attempts
    ):
        return Verdict("prefix_no_conversion", "prefix", f"{day_before} unapproved sends in 24 h")
    return ALLOW


def judge_source(mode: Mode, s: ScopeCounts) -> Verdict:
    """One IP or chat sender asking for many codes nobody types."""
    before = max(0, s.hour_unapproved - 1)
    if before >= mode.source_hour and s.hour_approved <= 0.1 * s.hour_attempts:
        return Verdict("source_no_conversion", "source", f"{before} unapproved sends this hour")
    return ALLOW


def block_seconds(mode: Mode, counts: ScopeCounts) -> int:
    """A block lasts the mode's time, longer (up to 12 h, as Twilio's) when the
    scope has been pumped all day."""
    heavy = counts.day_unapproved // max(1, mode.prefix_day)
    return int(min(12 * 3600, mode.block_seconds * max(1, math.isqrt(max(1, heavy)))))


def mode_from(raw: Mapping[str, str]) -> Mode | None:
    """``SANDI_FRAUD_GUARD``: basic | standard (default) | max | off (None)."""
    value = (raw.get("SANDI_FRAUD_GUARD") or DEFAULT_MODE).strip().lower()
    if value in {"off", "0", "false", "no"}:
        return None
    if value not in MODES:
        raise ConfigError(f"SANDI_FRAUD_GUARD must be basic, standard, max or off, not {value!r}")
    return MODES[value]
