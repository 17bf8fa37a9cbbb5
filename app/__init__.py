"""Sandi: a WhatsApp/SMS chatbot and OTP server on Flask, Twilio and Redis.

The package itself loads nothing: ``app.create_app`` (what gunicorn's
``'app:create_app()'``, the CLI and the tests call) is looked up on first use
from :mod:`app.web.factory`, so a process importing only a core (``app.otp``,
``app.conversation``, ``app.content``) never loads Flask, Redis or Twilio.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.web.factory import create_app as create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """Import the app factory when it is first asked for (PEP 562)."""
    if name == "create_app":
        from app.web.factory import create_app

        return create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")
