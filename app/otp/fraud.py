"""The fraud guard: screen a code send to a phone before it costs money.

SMS, voice and flash-call codes are paid per message, and a pumping script
asks for them to numbers whose operator pays the attacker back. Before such
a send, :meth:`FraudGuard.screen` counts it against its destination prefix
(the number without its last 4 digits), its country and its sources (client
IP, API key, chat sender), reads their recent and usual counts in one trip
to the store, and applies :mod:`app.otp.fraud_rules`. A blocked start raises
``OtpError("verification_blocked")`` with the reason. WhatsApp and e-mail
are not screened: nobody is paid per WhatsApp authentication message or
e-mail received.

Nothing in the store holds a number in clear: prefixes, IPs and senders are
keyed digests (:meth:`CodeHasher.scope`); logs show the prefix masked. The
operator's allow and deny lists (``sandi fraud``) are the one exception: an
entry is what the operator typed.

The guard fails open: if its store cannot be read, the code goes out, and
the log line and ``sandi_fraud_guard_errors`` say the guard was blind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from app.otp.codes import CodeHasher
from app.otp.errors import OtpError
from app.otp.fraud_lists import ListEntry, decide_lists, list_candidates
from app.otp.fraud_rules import (
    ALLOW,
    Mode,
    ScopeCounts,
    Verdict,
    block_seconds,
    judge_country,
    judge_prefix,
    judge_source,
)

log = logging.getLogger(__name__)

#: Channels paid per message that pumping exploits ("auto" may become SMS).
SCREENED_CHANNELS = frozenset({"sms", "call", "flashcall", "auto"})
#: Hourly buckets behind a baseline: a day for a prefix, a week for a country.
PREFIX_BASE_HOURS = 24
COUNTRY_BASE_HOURS = 168


def prefix_of(number: str) -> str:
    """The destination prefix: an E.164 number without its last 4 digits."""
    return number[:-4]


def shown_prefix(number: str) -> str:
    """A prefix as logs and staff pages show it: ``+62812****xxxx``."""
    prefix = prefix_of(number)
    return prefix[:6] + "*" * max(0, len(prefix) - 6) + "xxxx"


@dataclass(frozen=True, slots=True)
class Subject:
    """Who and what one send is counted against, by digest."""

    prefix: str  # keyed digest of the prefix
    shown: str  # the masked prefix, for logs and staff
    country: str
    #: The destination's tag: each scope counts a number once an hour.
    destination: str = ""
    #: (kind, digest) of each source: ``ip``, ``key``, ``sender``.
    sources: tuple[tuple[str, str], ...] = ()
    #: Allow/deny list entries that could match (``prefix:+62812``, ``country:ID``, ...).
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observed:
    prefix: ScopeCounts
    country: ScopeCounts
    sources: Mapping[str, ScopeCounts] = field(default_factory=dict)
    #: Matching list entries: entry -> ``allow`` | ``deny``.
    listed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Block:
    scope: str  # prefix | country
    id: str  # the prefix's digest, or the country code
    reason: str
    shown: str  # masked prefix or country code
    country: str
    until_ms: int


class FraudStore(Protocol):
    def observe(
        self, subject: Subject, *, now_ms: int, count: bool, prefix_hours: int, country_hours: int
    ) -> Observed:
        """Count one send (if ``count``) and read every scope's counts, atomically per scope."""
        ...

    def observe_soon(
        self, subject: Subject, *, now_ms: int, count: bool, prefix_hours: int, country_hours: int
    ) -> Callable[[], Observed]:
        """:meth:`observe`, answered with the store's next round trip (shared with
        the other questions a start asks before it sends)."""
        ...

    def block(self, block: Block, *, now_ms: int) -> None: ...

    def approved(
        self, prefix: str, country: str, sources: Sequence[tuple[str, str]], *,
        attempt_ms: int, sends: int,
    ) -> None:  # fmt: skip
        """Credit ``sends`` approved sends to the time bucket of the verification's first send."""
        ...

    def blocks(self, now_ms: int) -> list[Block]: ...

    def unblock(self, scope: str, scope_id: str) -> bool: ...

    def entries(self) -> list[ListEntry]: ...

    def set_entry(self, entry: ListEntry) -> None: ...

    def remove_entry(self, kind: str, value: str) -> bool: ...


class FraudMetrics(Protocol):
    def screened(self, channel: str, outcome: str) -> None: ...

    def blocked(self, reason: str) -> None: ...

    def error(self, operation: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Screened:
    subject: Subject
    verdict: Verdict = ALLOW

    def refusal(self) -> OtpError:
        """What the caller hears: ``verification_blocked`` with the reason."""
        return OtpError("verification_blocked", _message(self.verdict, self.subject))


class FraudGuard:
    def __init__(
        self,
        store: FraudStore,
        mode: Mode,
        hasher: CodeHasher,
        metrics: FraudMetrics | None = None,
    ) -> None:
        self.store = store
        self.mode = mode
        self.hasher = hasher
        self.metrics = metrics

    def subject(
        self, number: str, country: str, sources: Mapping[str, str | None], client_ip: str | None
    ) -> Subject:
        """What one send to ``number`` is counted against, by keyed digests."""
        ids = tuple(
            (kind, self.hasher.scope(kind, value)) for kind, value in sources.items() if value
        )
        return Subject(
            prefix=self.hasher.scope("prefix", prefix_of(number)),
            shown=shown_prefix(number),
            country=country,
            destination=self.hasher.scope("number", number)[:16],
            sources=ids,
            candidates=list_candidates(number, country, client_ip),
        )

    def screen(
        self, subject: Subject, *, channel: str, now_ms: int, count: bool = True
    ) -> Screened:
        """Count this send and judge it (:meth:`Screened.refusal` says no to the caller)."""
        return self.screen_soon(subject, channel=channel, now_ms=now_ms, count=count)()

    def screen_soon(
        self, subject: Subject, *, channel: str, now_ms: int, count: bool = True
    ) -> Callable[[], Screened]:
        """:meth:`screen`, its counts read with the store's next round trip."""
        try:
            seen = self.store.observe_soon(
                subject, now_ms=now_ms, count=count,
                prefix_hours=PREFIX_BASE_HOURS, country_hours=COUNTRY_BASE_HOURS,
            )  # fmt: skip
        except Exception as err:  # whatever the store raises: the guard is blind, not broken
            failure = err
            return lambda: self._blind(subject, failure)
        return lambda: self._judged(subject, channel, now_ms, seen)

    def _blind(self, subject: Subject, err: Exception) -> Screened:
        log.error("fraud guard cannot read its counts (%s): sending unscreened", type(err).__name__)
        if self.metrics:
            self.metrics.error("screen")
        return Screened(subject)

    def _judged(
        self, subject: Subject, channel: str, now_ms: int, observed: Callable[[], Observed]
    ) -> Screened:
        try:
            seen = observed()
            verdict = self._judge(seen)
            if verdict.reason in _REMEMBERED and verdict.detail != "blocked":
                self._remember(subject, verdict, seen, now_ms)
        except Exception as err:  # whatever the store raises: the guard is blind, not broken
            return self._blind(subject, err)
        screened = Screened(subject, verdict)
        if self.metrics:
            self.metrics.screened(channel, "blocked" if verdict.blocked else "allowed")
        if verdict.blocked:
            if self.metrics:
                self.metrics.blocked(verdict.reason)
            log.warning(
                "fraud guard blocked a %s send to prefix %s (%s): %s, %s",
                channel, subject.shown, subject.country, verdict.reason, verdict.detail,
            )  # fmt: skip
        return screened

    def _judge(self, seen: Observed) -> Verdict:
        listed = decide_lists(seen.listed)
        if listed.blocked:
            return listed.verdict
        if listed.allow_prefix:
            return ALLOW
        country, alert = judge_country(self.mode, seen.country)
        if country.blocked and not listed.allow_country:
            return country
        prefix = judge_prefix(self.mode, seen.prefix, alert)
        if prefix.blocked:
            return prefix
        for kind, counts in seen.sources.items():
            if kind in {"ip", "sender"} and not (kind == "ip" and listed.allow_ip):
                verdict = judge_source(self.mode, counts)
                if verdict.blocked:
                    return verdict
        return ALLOW

    def _remember(self, subject: Subject, verdict: Verdict, seen: Observed, now_ms: int) -> None:
        """Keep a prefix or country blocked for a while (renewed while pumping goes on)."""
        is_country = verdict.scope == "country"
        counts = seen.country if is_country else seen.prefix
        self.store.block(
            Block(
                scope=verdict.scope,
                id=subject.country if is_country else subject.prefix,
                reason=verdict.reason,
                shown=subject.country if is_country else subject.shown,
                country=subject.country,
                until_ms=now_ms + 1000 * block_seconds(self.mode, counts),
            ),
            now_ms=now_ms,
        )

    def approved(
        self, prefix: str, country: str, sources: Sequence[tuple[str, str]],
        attempt_ms: int, sends: int,
    ) -> None:  # fmt: skip
        """A code was approved: its sends were real, credit them (fails quietly)."""
        try:
            self.store.approved(prefix, country, sources, attempt_ms=attempt_ms, sends=sends)
        except Exception as err:  # the approval stands; only the counts miss it
            log.error("fraud guard cannot count an approval (%s)", type(err).__name__)
            if self.metrics:
                self.metrics.error("approve")


#: Verdicts of the counts (not of the lists) that hold a prefix or country blocked a while.
_REMEMBERED = frozenset(
    {"prefix_burst", "prefix_country_alert", "prefix_no_conversion", "country_no_conversion"}
)
_REASONS = {
    "prefix_burst": "many codes to this number range nobody approves",
    "prefix_country_alert": "codes to this number range are not approved while its country "
    "is under attack",
    "prefix_no_conversion": "codes to this number range have not been approved for a day",
    "country_no_conversion": "codes to this country are not being approved",
    "source_no_conversion": "this client asks for many codes nobody approves",
    "denied_prefix": "the operator's deny list has this number range",
    "denied_country": "the operator's deny list has this country",
    "denied_ip": "the operator's deny list has this client IP",
}


def _message(verdict: Verdict, subject: Subject) -> str:
    why = _REASONS.get(verdict.reason, verdict.reason)
    if verdict.reason in _REMEMBERED:
        shown = subject.country if verdict.scope == "country" else subject.shown
        hint = f"; use WhatsApp or e-mail for this customer, or ask the operator to unblock {shown}"
    elif verdict.reason.startswith("denied_"):
        hint = "; use WhatsApp or e-mail for this customer"
    else:
        hint = "; try again later, or use WhatsApp or e-mail"
    return f"the fraud guard blocked this code before it was sent ({verdict.reason}: {why}){hint}"
