"""Liveness, readiness and metrics for the platform that runs Sandi."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import OutOfMemoryError, RedisError

from app.store import keys
from app.web.current import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers; says nothing about Redis on purpose (no restart loops)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    """Ready when Redis takes a write: a Redis out of memory still answers PING
    but refuses every code, session and lock Sandi would write."""
    try:
        services().redis.set(keys.health_probe(), "1", ex=60)
    except OutOfMemoryError:
        return jsonify(status="unavailable", redis="out_of_memory"), 503
    except RedisError:
        return jsonify(status="unavailable", redis="down"), 503
    return jsonify(status="ready", redis="ok")


@bp.get("/metrics")
def metrics() -> Response:
    return Response(services().metrics.render(), mimetype="text/plain; version=0.0.4")
