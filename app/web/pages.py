"""Who may open the marketer pages (/simulator, /flows).

On in development and sandbox mode. In production they are off unless
``SANDI_PAGES=1``, and then every request needs HTTP Basic auth with
``SANDI_ADMIN_PASSWORD`` (any user name).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, request

from app.config import ConfigError, Settings
from app.web.current import services

F = TypeVar("F", bound=Callable[..., Any])


def pages_enabled(settings: Settings) -> bool:
    if not settings.production:
        return True
    enabled = settings.raw.get("SANDI_PAGES", "0").strip().lower() in {"1", "true", "yes", "on"}
    if enabled and not settings.raw.get("SANDI_ADMIN_PASSWORD"):
        raise ConfigError("SANDI_PAGES=1 in production needs SANDI_ADMIN_PASSWORD")
    return enabled


def admin_only(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        settings = services().settings
        password = settings.raw.get("SANDI_ADMIN_PASSWORD", "")
        if settings.production or password:
            auth = request.authorization
            given = (auth.password or "") if auth else ""
            if not password or not hmac.compare_digest(given.encode(), password.encode()):
                return Response(
                    "login required\n",
                    status=401,
                    mimetype="text/plain",
                    headers={"WWW-Authenticate": 'Basic realm="Sandi"'},
                )
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
