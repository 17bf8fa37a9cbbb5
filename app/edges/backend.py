"""Calling the business back end from ``http`` steps, signed with SANDI_SECRET_KEY.

Each call is a JSON ``POST`` to ``SANDI_BACKEND_URL`` + the step's path.
The back end proves the call came from Sandi by recomputing the signature::

    X-Sandi-Timestamp: 1764061200
    X-Sandi-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>", keyed with SANDI_SECRET_KEY>

and should refuse timestamps more than five minutes old (replays). The
answer must be a JSON object; its fields can be saved into variables. Any
failure — refused connection, timeout, a non-2xx status, a body that is not
a JSON object — is a :class:`BackendResult` with ``ok=False``, which sends
the flow down the step's ``on_error`` branch; it never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from app.conversation.ports import Backend, BackendResult, RecordStore

log = logging.getLogger(__name__)

#: Twilio waits 15 s for the whole webhook; a back-end call gets at most 10.
MAX_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


#: What a turn needs besides its back-end call: the lock, rendering, saving.
TURN_MARGIN = 2.0


def call_budget(lease_s: float) -> float:
    """The longest a back-end call may take inside a turn holding the
    conversation for ``lease_s``: a call that outlived the lease would lose
    the turn's writes (and the customer's message) to the next message; one
    cut short takes the step's ``on_error`` path instead."""
    return min(MAX_TIMEOUT, max(lease_s - TURN_MARGIN, lease_s / 2))


class HttpBackend:
    def __init__(
        self,
        base_url: str,
        secret: str,
        *,
        clock: Callable[[], float] = time.time,
        max_timeout: float = MAX_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.clock = clock
        self.max_timeout = min(max_timeout, MAX_TIMEOUT)

    def call(
        self, path: str, payload: Mapping[str, Any], *, conversation_id: str, timeout: float
    ) -> BackendResult:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self.clock()))
        request = urllib.request.Request(  # noqa: S310 - the URL comes from configuration
            self.base_url + "/" + path.lstrip("/"),
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "Sandi/0.1",
                "X-Sandi-Timestamp": timestamp,
                "X-Sandi-Signature": signature(self.secret, timestamp, body),
            },
        )
        started = time.perf_counter()
        try:
            limit = min(timeout, self.max_timeout)
            with urllib.request.urlopen(request, timeout=limit) as response:  # noqa: S310
                status = response.status
                raw = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as err:
            return self._failed(path, f"HTTP {err.code}", started, status=err.code)
        except TimeoutError:
            return self._failed(path, "timed out", started)
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            if isinstance(reason, TimeoutError | socket.timeout):
                return self._failed(path, "timed out", started)
            return self._failed(path, f"unreachable ({type(reason).__name__})", started)
        if len(raw) > MAX_RESPONSE_BYTES:
            return self._failed(path, "response too large", started, status=status)
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return self._failed(path, "response is not JSON", started, status=status)
        if not isinstance(data, dict):
            return self._failed(path, "response is not a JSON object", started, status=status)
        log.info("backend %s -> %s in %.0fms", path, status, (time.perf_counter() - started) * 1000)
        return BackendResult(ok=True, status=status, data=data)

    def _failed(
        self, path: str, error: str, started: float, *, status: int | None = None
    ) -> BackendResult:
        elapsed = (time.perf_counter() - started) * 1000
        log.warning("backend %s failed: %s after %.0fms", path, error, elapsed)
        return BackendResult(ok=False, status=status, error=error)


class RecordingBackend:
    """No back end configured: keep what would have been sent, and carry on.

    The demo's ``change_email`` flow records the new address this way, so
    ``make run`` works without a back end and staff can see the request.
    """

    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def call(
        self, path: str, payload: Mapping[str, Any], *, conversation_id: str, timeout: float
    ) -> BackendResult:
        self.store.record(conversation_id, path, payload)
        return BackendResult(ok=True, status=None, data={"recorded": True})


class RoutedBackend:
    """The back end the flows call, with per-conversation stand-ins for tests.

    ``sandi flows test`` points one test's conversation at its loopback back end
    (:mod:`app.flow_tests.backend_double`) for the length of that test; every
    other conversation keeps the configured back end. Routes live in this
    process's memory only: nothing outside the test runner can set one.
    """

    def __init__(self, default: Backend) -> None:
        self.default = default
        self._routes: dict[str, Backend] = {}

    def route(self, conversation_id: str, backend: Backend | None) -> None:
        """Send ``conversation_id``'s calls to ``backend`` (None: back to the default)."""
        if backend is None:
            self._routes.pop(conversation_id, None)
        else:
            self._routes[conversation_id] = backend

    def call(
        self, path: str, payload: Mapping[str, Any], *, conversation_id: str, timeout: float
    ) -> BackendResult:
        chosen = self._routes.get(conversation_id, self.default)
        return chosen.call(path, payload, conversation_id=conversation_id, timeout=timeout)
