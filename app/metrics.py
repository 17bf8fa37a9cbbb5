"""Prometheus metrics, one registry per app (no module-level globals).

Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty folder and ``/metrics`` aggregates every worker. Labels never carry a
phone number, a message body or a code.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.inbound = Counter(
            "sandi_inbound_messages", "Inbound messages by channel", ["channel"], registry=r
        )
        self.duplicates = Counter(
            "sandi_duplicate_messages", "Twilio retries answered from the dedupe record", registry=r
        )
        self.signature_failures = Counter(
            "sandi_signature_failures",
            "Webhooks refused for a bad or missing signature",
            registry=r,
        )
        self.rejected = Counter(
            "sandi_rejected_requests", "Webhooks refused as malformed", ["reason"], registry=r
        )
        self.reply_seconds = Histogram(
            "sandi_reply_seconds",
            "Time to answer an inbound message",
            ["channel"],
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        # Delivery channels (app/channels).
        self.deliveries = Counter(
            "sandi_deliveries",
            "Codes handed to a channel, by outcome (sent or a DeliveryError code)",
            ["channel", "outcome"],
            registry=r,
        )
        self.delivery_status = Counter(
            "sandi_delivery_status",
            "Status changes reported by Twilio's callbacks",
            ["channel", "status"],
            registry=r,
        )
        self.fallbacks = Counter(
            "sandi_delivery_fallbacks",
            "Codes resent on the next channel after a failed delivery",
            ["from_channel", "to_channel"],
            registry=r,
        )

        # Staff pages (app/web/staff.py).
        self.login_failures = Counter(
            "sandi_staff_login_failures",
            "Staff logins refused, by reason (password, throttled)",
            ["reason"],
            registry=r,
        )
        self.csrf_failures = Counter(
            "sandi_csrf_failures",
            "Page requests refused for a missing or wrong CSRF token",
            registry=r,
        )

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            combined = CollectorRegistry()
            multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
            return generate_latest(combined)
        return generate_latest(self.registry)
