"""The Flask app factory: settings -> services -> blueprints and error handlers.

It lives in the web layer, not in ``app/__init__.py``, so that importing a core
(``import app.otp``) loads no Flask; ``app.create_app`` still names it (lazily).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, request
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError as RedisOutOfMemory
from redis.exceptions import ResponseError as RedisResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from app import logs
from app.config import DEV_SECRET_KEY, Settings
from app.request_context import init_app as init_request_context
from app.store.turns import LockTimeout, LostLock
from app.web.errors import json_error
from app.web.json_input import BoundedJSONProvider
from app.web.sessions import LazyCookieSessions
from app.wiring import services

log = logging.getLogger(__name__)

#: Twilio's largest webhook is a few kilobytes; refuse anything far beyond it.
MAX_REQUEST_BYTES = 64 * 1024


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Sandi app.

    :param config: settings by their environment names (``REDIS_URL``,
        ``SANDI_SANDBOX`` ...) that win over the environment and ``.env``, plus
        any Flask setting such as ``TESTING``. ``clock`` may be a callable
        returning an aware datetime, for tests that move time.
    """
    config = dict(config or {})
    if not config.get("TESTING"):
        from app.project import load_env

        load_env()
    clock = config.pop("clock", None)
    # Tests: a factory for twilio's HttpClient, to point the real client at a local fake.
    twilio_http = config.pop("twilio_http_client", None)
    # The OTP service the flows' otp steps use (an OtpPort); tests may pass their own.
    otp = config.pop("otp", None)
    settings = Settings.load(config)
    logs.configure(settings.log_level)
    if settings.secret_key == DEV_SECRET_KEY:
        log.warning("SANDI_SECRET_KEY is not set: using a development key (never in production)")

    # Named "app" as before the move: the root path (and the logger) stay the package.
    app = Flask("app", instance_path=str(settings.instance_dir))
    app.json = BoundedJSONProvider(app)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        JSON_SORT_KEYS=False,
        **{
            k: v
            for k, v in config.items()
            if k.isupper() and not k.startswith(("SANDI_", "TWILIO_"))
        },
    )
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=(settings.public_url or "").startswith("https://"),
    )
    app.session_interface = LazyCookieSessions()

    extra = {"twilio_http_client": twilio_http} if twilio_http else {}
    built = services.build(settings, clock or services.utc_now, otp, **extra)
    app.extensions["sandi"] = built
    from app.wiring import flows_reload

    flows_reload.init_app(app, built)
    from app.web import hosts

    hosts.init_app(app, settings)
    _register_blueprints(app, settings)
    _register_error_handlers(app)
    init_request_context(app, built.metrics)
    from app.web import fast_api, fast_webhook

    # The fast paths sit inside ProxyFix: they see the outside scheme, host and address.
    fast_api.install(app)
    fast_webhook.install(app)
    if settings.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1)  # type: ignore[method-assign]
    log.info(
        "Sandi ready: %s mode, %s, flows from %s",
        settings.env,
        "sandbox delivery" if settings.sandbox else "Twilio delivery",
        settings.flows_dir,
    )
    return app


def _register_blueprints(app: Flask, settings: Settings) -> None:
    from app.web import (
        api,
        delivery,
        handoffs,
        health,
        messages,
        sandbox,
        simulator,
        staff_pages,
        start,
    )
    from app.web.staff import template_context

    app.register_blueprint(health.bp)
    app.register_blueprint(messages.bp)
    from app.web import media

    app.register_blueprint(media.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(handoffs.bp)
    app.register_blueprint(api.bp)
    from app.web import customers, verify_v2

    app.register_blueprint(customers.bp)
    app.register_blueprint(verify_v2.bp)
    if settings.sandbox:
        app.register_blueprint(sandbox.bp)
    app.add_url_rule("/favicon.ico", "favicon", start.favicon)
    # Pages: open in development, behind the staff login anywhere else (app.web.staff).
    from app.web import flows_page

    app.register_blueprint(start.bp)
    app.register_blueprint(simulator.bp)
    app.register_blueprint(flows_page.bp)
    app.register_blueprint(staff_pages.bp)
    from app.web import inbox

    app.register_blueprint(inbox.bp)
    from app.web import insights

    app.register_blueprint(insights.bp)

    @app.context_processor
    def page_context() -> dict[str, Any]:
        return {
            **template_context(),
            "sandbox": settings.sandbox,
            "url_map_endpoints": set(app.view_functions),
        }


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    @app.errorhandler(RedisOutOfMemory)  # maxmemory reached: nothing can be written
    def redis_down(err: Exception) -> tuple[Response, int]:
        log.error(
            "Redis unavailable: %s %s: %s",
            request.method,
            logs.mask_numbers(request.path),
            type(err).__name__,
        )
        app.extensions["sandi"].metrics.unavailable.labels("redis").inc()
        response, status = json_error(
            503, "unavailable", "storage is unavailable, try again shortly"
        )
        response.headers["Retry-After"] = "1"
        return response, status

    @app.errorhandler(RedisResponseError)
    def redis_refused(err: Exception) -> tuple[Response, int]:
        """A Lua script's write refused for memory comes back as a plain ResponseError."""
        if "OOM command not allowed" not in str(err):
            raise err
        return redis_down(err)

    @app.errorhandler(LockTimeout)
    @app.errorhandler(LostLock)
    def busy(err: Exception) -> tuple[Response, int]:
        log.warning(
            "conversation busy: %s %s: %s", request.method, logs.mask_numbers(request.path), err
        )
        metrics = app.extensions["sandi"].metrics
        metrics.unavailable.labels("busy").inc()
        metrics.lock_timeouts.inc()
        response, status = json_error(503, "busy", "conversation is busy, try again shortly")
        response.headers["Retry-After"] = "1"
        return response, status

    @app.errorhandler(HTTPException)
    def httpjson_error(err: HTTPException) -> tuple[Response, int]:
        status = err.code or 500
        if status >= 400:
            log.warning(
                "%s %s -> %d %s", request.method, logs.mask_numbers(request.path), status, err.name
            )
        code = (err.name or "error").lower().replace(" ", "_")
        response, _ = json_error(status, code, err.description or err.name)
        for name, value in err.get_headers():
            if name.lower() == "allow":
                response.headers[name] = value
        return response, status
