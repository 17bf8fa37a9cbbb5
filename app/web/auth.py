"""API-key authentication for the REST API.

``Authorization: Bearer <secret>`` today. :func:`authenticate` also takes a
SID, for a Twilio-Verify-compatible layer where HTTP Basic auth carries the
key's SID as user name and its secret as password.
"""

from __future__ import annotations

from flask import g, request

from app.store.api_keys import ApiKey
from app.web.current import services


def authenticate(key_secret: str, sid: str | None = None) -> ApiKey | None:
    return services().api_keys.authenticate(key_secret, sid)


def bearer_key() -> ApiKey | None:
    """The API key of the current request (remembered in ``g.api_key``)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    key = authenticate(token.strip())
    g.api_key = key
    return key
