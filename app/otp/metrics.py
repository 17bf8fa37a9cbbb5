"""OTP counters for Prometheus. Labels are channels, purposes and outcomes —
never a number, an address or a code."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


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
