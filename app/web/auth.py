"""API-key authentication for the REST APIs.

``/v1``: ``Authorization: Bearer <secret>``. ``/v2`` (Twilio Verify's wire
format): HTTP Basic auth as Twilio's SDKs send it, the key's SID as user name
and its secret as password (:func:`basic_key`).
"""

from __future__ import annotations

from flask import g, request

from app.store.api_keys import ApiKey
from app.web.current import services


def authenticate(key_secret: str, sid: str | None = None) -> ApiKey | None:
    return services().api_keys.authenticate(key_secret, sid)


def bearer_key() -> ApiKey | None:
    """The API key of the current request (remembered in ``g.api_key``)."""
    secret = bearer_secret(request.headers.get("Authorization", ""))
    if secret is None:
        return None
    key = authenticate(secret)
    g.api_key = key
    return key


def bearer_secret(header: str) -> str | None:
    """The secret of an ``Authorization: Bearer <secret>`` header (any case of
    "Bearer"), or None; shared with the OTP API's fast path (app.web.fast_api)."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def basic_key() -> ApiKey | None:
    """The API key of a Basic-auth request (remembered in ``g.api_key``).

    A key made by ``sandi api-keys create`` must come with its own SID as the
    user name, as a Twilio API key does; a key listed in ``SANDI_API_KEYS``
    has no SID its owner knows, so any user name goes with it.
    """
    auth = request.authorization
    key = None
    if auth is not None and auth.type == "basic" and auth.password:
        username = auth.username or ""
        key = authenticate(auth.password, username) if username else None
        if key is None:
            candidate = authenticate(auth.password)
            key = candidate if candidate is not None and candidate.source == "env" else None
    g.api_key = key
    return key
