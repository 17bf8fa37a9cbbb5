"""Host header check: a request must name this server, or it is refused (400).

Stops DNS rebinding (a web page whose own name suddenly points at
127.0.0.1 cannot drive the simulator from a visitor's browser) and answers
only for the name Twilio signs. Allowed: the host of ``SANDI_PUBLIC_URL``,
any listed in ``SANDI_ALLOWED_HOSTS`` (comma-separated, for a second name or
an internal one), and in development ``localhost``, ``127.0.0.1`` and
``[::1]``. Health and metrics answer whatever the Host, for probes that
call a pod by its address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

from app.config import Settings
from app.web.errors import json_error

_LOCAL = frozenset({"localhost", "127.0.0.1", "::1"})
_ANY_HOST = frozenset({"/healthz", "/readyz", "/metrics"})


def allowed_hosts(settings: Settings) -> frozenset[str]:
    hosts = {
        h.strip().lower()
        for h in settings.raw.get("SANDI_ALLOWED_HOSTS", "").split(",")
        if h.strip()
    }
    if settings.public_url:
        hosts.add((urlsplit(settings.public_url).hostname or "").lower())
    if not settings.production:
        hosts |= _LOCAL
    return frozenset(h for h in hosts if h)


def hostname(host: str) -> str:
    """``Example.com:8443`` -> ``example.com``; ``[::1]:5000`` -> ``::1``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def init_app(app: Flask, settings: Settings) -> None:
    allowed = allowed_hosts(settings)

    @app.before_request
    def check_host() -> tuple[Response, int] | None:
        if request.path in _ANY_HOST:
            return None
        if hostname(request.host) not in allowed:
            return json_error(
                400,
                "bad_host",
                "this server does not answer for that Host: set SANDI_PUBLIC_URL "
                "(or SANDI_ALLOWED_HOSTS) to the name clients use",
            )
        return None
