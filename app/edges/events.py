"""Events for other helpdesks: a signed JSON ``POST`` to ``SANDI_EVENTS_URL``.

Signed exactly as the flows' ``http`` steps are (:func:`app.edges.backend.signature`)::

    X-Sandi-Event: handoff.started
    X-Sandi-Event-Id: evt_5f0c...            (the same on every retry: dedupe on it)
    X-Sandi-Timestamp: 1764061200            (the time of this attempt)
    X-Sandi-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">

keyed with ``SANDI_EVENTS_SECRET`` (``SANDI_SECRET_KEY`` when unset). Sending
runs in an rq job (:func:`app.wiring.jobs.run_event`), never in a request: a
failure raises :class:`EventNotDelivered` so rq retries it later; each attempt
is signed afresh, so a receiver may refuse timestamps older than five minutes.
docs/inbox.md lists the events and their fields.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from app.edges.backend import signature

log = logging.getLogger(__name__)

#: The kinds of event Sandi sends.
EVENT_TYPES = (
    "handoff.started",
    "handoff.ended",
    "handoff.staff_reply",
    "verification.approved",
    "verification.failed",
)
TIMEOUT = 10.0


class EventNotDelivered(Exception):
    """The receiver did not answer 2xx: the job fails and rq tries again."""


def new_event(kind: str, data: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The envelope every event shares: id, type, when it happened, its data."""
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown event type {kind!r}")
    return {
        "id": "evt_" + secrets.token_hex(12),
        "type": kind,
        "created_at": now.astimezone(UTC).isoformat(),
        "data": dict(data),
    }


class EventSender:
    def __init__(self, url: str, secret: str, *, clock: Callable[[], float] = time.time) -> None:
        self.url = url
        self.secret = secret
        self.clock = clock

    def post(self, event: Mapping[str, Any]) -> int:
        """Deliver one event; the receiver's status, or :class:`EventNotDelivered`."""
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self.clock()))
        request = urllib.request.Request(  # noqa: S310 - the URL comes from configuration
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Sandi/0.1",
                "X-Sandi-Event": str(event.get("type")),
                "X-Sandi-Event-Id": str(event.get("id")),
                "X-Sandi-Timestamp": timestamp,
                "X-Sandi-Signature": signature(self.secret, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                status = int(response.status)
        except urllib.error.HTTPError as err:
            err.close()  # it holds the receiver's answer and its socket
            log.warning("event %s %s: HTTP %s", event.get("type"), event.get("id"), err.code)
            raise EventNotDelivered(f"HTTP {err.code}") from None
        except (urllib.error.URLError, OSError) as err:
            reason = type(getattr(err, "reason", err)).__name__
            log.warning("event %s %s: unreachable (%s)", event.get("type"), event.get("id"), reason)
            raise EventNotDelivered(f"unreachable ({reason})") from None
        log.info("event %s %s -> %s", event.get("type"), event.get("id"), status)
        return status
