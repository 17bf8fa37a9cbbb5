"""Liveness, readiness and metrics for the platform that runs Sandi."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError

from app.web.current import services
from app.wiring.jobs import last_worker_seen, render_metrics

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers; says nothing about Redis on purpose (no restart loops)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    """Redis answers and, where a worker is expected (``SANDI_EXPECT_WORKER``, on by
    default in production), one was seen within the last minute."""
    s = services()
    try:
        s.redis.ping()
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
    s = services()
    body = s.metrics.render()
    if s.jobs is not None:
        body += render_metrics(s.jobs).encode()
    return Response(body, mimetype="text/plain; version=0.0.4")
