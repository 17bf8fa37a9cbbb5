"""Liveness, readiness and metrics for the platform that runs Sandi."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from redis.exceptions import RedisError

from app.web.current import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process answers; says nothing about Redis on purpose (no restart loops)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Response | tuple[Response, int]:
    try:
        services().redis.ping()
    except RedisError:
        return jsonify(status="unavailable", redis="down"), 503
    return jsonify(status="ready", redis="ok")


@bp.get("/metrics")
def metrics() -> Response:
    return Response(services().metrics.render(), mimetype="text/plain; version=0.0.4")
