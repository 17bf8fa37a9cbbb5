"""The one JSON error shape of Sandi's own endpoints: ``{"error": {"code", "message"}}``."""

from __future__ import annotations

from flask import Response, jsonify


def json_error(status: int, code: str, message: str) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message}), status
