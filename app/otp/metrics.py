"""OTP counters for Prometheus. Labels are channels, purposes and outcomes —
never a number, an address or a code."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from app.metrics import Counter, Histogram


class OtpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sends = Counter(
            "sandi_otp_sends",
            "Codes sent, by channel, purpose and kind (new, resend, redelivery)",
            ["channel", "purpose", "kind"],
            registry=registry,
        )
        self.checks = Counter(
            "sandi_otp_checks", "Code checks by outcome", ["outcome"], registry=registry
        )
        self.refusals = Counter(
            "sandi_otp_refusals", "OTP requests refused, by reason", ["reason"], registry=registry
        )
        self.delivery_failures = Counter(
            "sandi_otp_delivery_failures",
            "Codes a channel could not take, by channel and error",
            ["channel", "error"],
            registry=registry,
        )


class FraudGuardMetrics:
    """:class:`app.otp.fraud.FraudMetrics` and :class:`app.otp.insights.InsightsMetrics`
    for Prometheus. Labels are channels, purposes, reasons and operations only."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._screened = Counter(
            "sandi_fraud_screened",
            "Code sends the fraud guard screened, by channel and outcome (allowed, blocked)",
            ["channel", "outcome"],
            registry=registry,
        )
        self._blocked = Counter(
            "sandi_fraud_blocks", "Sends the fraud guard blocked, by reason", ["reason"],
            registry=registry,
        )  # fmt: skip
        self._errors = Counter(
            "sandi_fraud_guard_errors",
            "Times the fraud guard or the insights could not read or write their counts "
            "(the guard then lets the send through)",
            ["operation"],
            registry=registry,
        )
        self._approvals = Counter(
            "sandi_otp_approvals", "Verifications approved, by channel and purpose",
            ["channel", "purpose"], registry=registry,
        )  # fmt: skip
        self._approval_seconds = Histogram(
            "sandi_otp_approval_seconds",
            "Time from the last code sent to its approval",
            ["channel"],
            buckets=(5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1800),
            registry=registry,
        )

    def screened(self, channel: str, outcome: str) -> None:
        self._screened.labels(channel, outcome).inc()

    def blocked(self, reason: str) -> None:
        self._blocked.labels(reason).inc()

    def error(self, operation: str) -> None:
        self._errors.labels(operation).inc()

    def approved(self, channel: str, purpose: str, seconds: float) -> None:
        self._approvals.labels(channel, purpose).inc()
        self._approval_seconds.labels(channel).observe(seconds)
