"""Prometheus metrics, one registry per app (no module-level globals).

Under gunicorn, ``/metrics`` aggregates every worker through the files in
``PROMETHEUS_MULTIPROC_DIR`` (set it for more than one worker; the container does;
app/gunicorn_conf.py empties it at start-up so no count outlives a restart). Labels never
carry a phone number, a message body or a code. Every name here is graphed by
deploy/grafana-dashboard.json, and a test checks that each one it queries is served.
"""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path
from typing import Any

import prometheus_client
from prometheus_client import (
    CollectorRegistry,
    Gauge,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)

from app.__about__ import __version__

# ``*_created`` series (a timestamp per counter and label set) double what every
# scrape stores and graph nothing; off for the whole process.
disable_created_metrics()  # type: ignore[no-untyped-call]

#: Seconds, for calls that leave the process (Twilio, SMTP) and whole requests.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15)


def _labels(metric: Any, *values: object, **named: object) -> Any:
    """``metric.labels(*values)``: the child read straight from the metric's own
    children (prometheus_client's ``_metrics``, keyed by the labels as strings)
    when the values are those strings, else made by ``labels`` as ever.

    ``labels`` checks its arguments, turns each value into a string and takes a
    lock before that same look-up; an OTP start+check asks it eight times.
    Reading the metric's own dict (never a copy of it) keeps ``remove`` and
    ``clear`` working; a miss (a new label set, a value that is not a string,
    a wrong count, a child's chained call) goes to ``labels``, which answers
    or raises as it always does."""
    if not named:
        try:
            return metric._metrics[values]
        except (AttributeError, KeyError, TypeError):
            pass
    return prometheus_client.metrics.MetricWrapperBase.labels(metric, *values, **named)


class Counter(prometheus_client.Counter):
    """prometheus_client's Counter, its children found without ``labels``' checks
    when they exist (:func:`_labels`); every Sandi counter with labels is one."""

    labels = _labels


class Histogram(prometheus_client.Histogram):
    """prometheus_client's Histogram, with :class:`Counter`'s ``labels``."""

    labels = _labels


def reset_multiprocess_dir() -> bool:
    """Empty ``PROMETHEUS_MULTIPROC_DIR`` (made if missing); False when it is unset.

    Runs in gunicorn's master before any worker starts: files left by an earlier
    run would add its counts to this one's.
    """
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return False
    path = Path(folder)
    if path.is_dir():
        for item in path.iterdir():
            if item.is_dir():
                shutil.rmtree(item)
            else:
                item.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return True


def mark_process_dead(pid: int) -> None:
    """Drop a dead worker's live gauges (gunicorn's child_exit)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def aggregated_registry() -> CollectorRegistry:
    """Every worker's metrics summed, for /metrics and the metrics port."""
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
    return combined


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
        self.build_info = Gauge(
            "sandi_build_info",
            "Always 1; the labels say which Sandi and Python serve",
            ["version", "python"],
            registry=r,
            multiprocess_mode="max",
        )
        self.build_info.labels(__version__, platform.python_version()).set(1)
        self.otp_api_seconds = Histogram(
            "sandi_otp_api_seconds",
            "Time to answer an OTP API request (/v1 and /v2), by operation and status",
            ["operation", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.provider_seconds = Histogram(
            "sandi_provider_call_seconds",
            "Time of each call to Twilio's REST API or the SMTP server, by outcome",
            ["provider", "operation", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.unavailable = Counter(
            "sandi_unavailable_responses",
            "503 answers, by reason (redis: storage down; busy: conversation locked)",
            ["reason"],
            registry=r,
        )
        self.lock_timeouts = Counter(
            "sandi_lock_timeouts",
            "Turns that could not take their conversation's lock in time (or lost it)",
            registry=r,
        )
        self.reloads = Counter(
            "sandi_flow_reloads",
            "Flow and template reloads by outcome (applied, refused)",
            ["outcome"],
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
            return generate_latest(aggregated_registry())
        return generate_latest(self.registry)
