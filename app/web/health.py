"""Liveness, readiness and metrics for the platform that runs Sandi."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, abort, jsonify, request
from redis.exceptions import OutOfMemoryError, RedisError

from app.__about__ import __version__
from app.store import keys
from app.web.current import services
from app.web.errors import json_error
from app.wiring.jobs import last_worker_seen, render_metrics

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers; says nothing about Redis on purpose (no restart loops)."""
    return jsonify(status="ok", version=__version__)


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    """Ready when Redis takes a write (a Redis out of memory still answers PING
    but refuses every code, session and lock Sandi would write) and, where a worker
    is expected (``SANDI_EXPECT_WORKER``, on by default in production), one was seen
    within the last minute."""
    s = services()
    try:
        s.redis.set(keys.health_probe(), "1", ex=60)
    except OutOfMemoryError:
        return jsonify(status="unavailable", redis="out_of_memory"), 503
    except RedisError:
        return jsonify(status="unavailable", redis="down"), 503
    if s.jobs is None:
        return jsonify(status="ready", redis="ok", worker="no job queue")
    try:
        seen = last_worker_seen(s.jobs.connection)
    except RedisError:
        return jsonify(status="unavailable", redis="down"), 503
    stale_after = s.jobs.settings.worker_stale_after
    fresh = seen is not None and seen <= (stale_after or 60)
    worker = "ok" if fresh else "not seen for a minute"
    if stale_after and not fresh:
        return jsonify(status="unavailable", redis="ok", worker=worker), 503
    return jsonify(status="ready", redis="ok", worker=worker)


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus text; behind ``SANDI_METRICS_TOKEN`` if set, absent with a metrics port.

    ``SANDI_METRICS_PORT`` serves the metrics from gunicorn's master on a port of
    their own (app/gunicorn_conf.py), for a network the public never reaches.
    """
    settings = services().settings.raw
    if settings.get("SANDI_METRICS_PORT", "").strip():
        abort(404)
    token = settings.get("SANDI_METRICS_TOKEN", "").strip()
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            response, status = json_error(
                401, "unauthorized", "give Authorization: Bearer <SANDI_METRICS_TOKEN>"
            )
            response.status_code = status
            response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    s = services()
    body = s.metrics.render()
    if s.jobs is not None:
        body += render_metrics(s.jobs).encode()
    return Response(body, mimetype="text/plain; version=0.0.4")
