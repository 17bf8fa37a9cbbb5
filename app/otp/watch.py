"""What the OTP service tells the fraud guard and the insights, in one place.

:class:`OtpService` calls :meth:`OtpWatch.screen_soon` with a start's claim
(its counts read in the claim's round trip; the guard sees resends too, and a
blocked start gives its claim back), or :meth:`OtpWatch.before_send` before a
fallback send, then :meth:`sent` or :meth:`failed`; :meth:`approved` after
a code was accepted; :meth:`fallback` after a fallback send. Either part may
be absent (``SANDI_FRAUD_GUARD=off``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.otp.fraud import SCREENED_CHANNELS, FraudGuard, Subject
from app.otp.insights import Dims, Insights, Trace


@dataclass(frozen=True, slots=True)
class SendContext:
    dims: Dims | None = None  # None: nothing to count (no watch)
    subject: Subject | None = None  # when the fraud guard screened the send


class OtpWatch:
    def __init__(self, guard: FraudGuard | None, insights: Insights | None) -> None:
        self.guard = guard
        self.insights = insights

    def before_send(
        self,
        *,
        to: str,
        country: str | None,
        channel: str,
        purpose: str,
        flow: str | None,
        sources: dict[str, str | None],
        now_ms: int,
    ) -> SendContext:
        """Screen a paid send to a phone; raise ``verification_blocked`` if the guard says no."""
        return self.screen_soon(
            to=to, country=country, channel=channel, purpose=purpose, flow=flow,
            sources=sources, now_ms=now_ms,
        )()  # fmt: skip

    def screen_soon(
        self,
        *,
        to: str,
        country: str | None,
        channel: str,
        purpose: str,
        flow: str | None,
        sources: dict[str, str | None],
        now_ms: int,
    ) -> Callable[[], SendContext]:
        """:meth:`before_send`, its counts read with the store's next round trip: the
        returned function judges (and raises ``verification_blocked``)."""
        dims = Dims.of(channel, country, purpose, flow)
        if self.guard is None or not country or channel not in SCREENED_CHANNELS:
            ctx = SendContext(dims)
            return lambda: ctx
        subject = self.guard.subject(to, country, sources, sources.get("ip"))
        screened_soon = self.guard.screen_soon(subject, channel=channel, now_ms=now_ms)

        def judged() -> SendContext:
            screened = screened_soon()
            if screened.verdict.blocked:
                if self.insights:
                    self.insights.count(dims, "b", screened.verdict.reason, now_ms)
                raise screened.refusal()
            return SendContext(dims, subject)

        return judged

    def sent(
        self, verification_id: str, ctx: SendContext, channel: str, now_ms: int, *,
        new: bool, ttl: int,
    ) -> None:  # fmt: skip
        if self.insights is None or ctx.dims is None:
            return
        dims = Dims(channel, ctx.dims.country, ctx.dims.purpose, ctx.dims.flow)
        subject = ctx.subject
        trace = Trace(
            dims=dims, hour=now_ms // 3_600_000, first_ms=now_ms, last_ms=now_ms, sends=1,
            prefix=subject.prefix if subject else "",
            sources=subject.sources if subject else (),
        )  # fmt: skip
        self.insights.sent(verification_id, trace, new=new, ttl=ttl)

    def failed(self, ctx: SendContext, channel: str, error: str, now_ms: int) -> None:
        if self.insights and ctx.dims:
            dims = Dims(channel, ctx.dims.country, ctx.dims.purpose, ctx.dims.flow)
            self.insights.count(dims, "f", error, now_ms)

    def undelivered(self, verification_id: str, error: str, now_ms: int) -> None:
        """The provider reported a sent code failed (a status callback's error code)."""
        if self.insights:
            self.insights.undelivered(verification_id, error, now_ms)

    def fallback(self, verification_id: str, channel: str, now_ms: int, ttl: int) -> None:
        if self.insights:
            self.insights.fallback(verification_id, channel, now_ms, ttl)

    def approved(
        self, verification_id: str, now_ms: int, raw: Mapping[str, str] | None = None
    ) -> None:
        """Count the approval, and credit its sends to the guard's prefix, country, sources
        (``raw``: the trace the check read, if it did)."""
        if self.insights is None:
            return
        trace = self.insights.approved(verification_id, now_ms, raw)
        if trace is None or self.guard is None or not trace.prefix:
            return
        # One credit: each scope counted the number once (see app.store.fraud_scripts).
        self.guard.approved(trace.prefix, trace.dims.country, trace.sources, trace.first_ms, 1)
