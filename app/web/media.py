"""``GET /media/<file>?sig=...``: the templates folder's pictures and PDFs, for Twilio to fetch.

A ``say`` step's ``media: media/menu.jpg`` reaches the customer as a URL
Twilio downloads; it must be public (Twilio sends no credentials) and yet
must not open the templates folder to the world, so each URL carries an
HMAC of the file name under the server's secret key. Only files a flow may
name are served (:func:`app.content.media.media_file`: jpg, png, pdf, inside
the folder); a bad signature is a 403, an unknown file a 404.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from flask import Blueprint, Response, request, send_file

from app.content.media import MEDIA_TYPES, is_url, media_file
from app.web.current import services
from app.web.errors import json_error

bp = Blueprint("media", __name__)


def signature(secret_key: str, ref: str) -> str:
    return hmac.new(secret_key.encode(), f"media:{ref}".encode(), hashlib.sha256).hexdigest()[:32]


def public_media_url(ref: str, public_url: str | None, secret_key: str) -> str | None:
    """The URL a customer's phone (through Twilio) fetches ``ref`` from, or None when the
    server has no public address (``SANDI_PUBLIC_URL``) to put in it."""
    if is_url(ref):
        return ref
    if not public_url:
        return None
    return f"{public_url}/media/{quote(ref)}?sig={signature(secret_key, ref)}"


@bp.get("/media/<path:ref>")
def serve(ref: str) -> Response | tuple[Response, int]:
    s = services()
    given = request.args.get("sig", "")
    if not hmac.compare_digest(given.encode(), signature(s.settings.secret_key, ref).encode()):
        return json_error(403, "bad_signature", "this media link is not signed by this server")
    path = media_file(s.settings.templates_dir, ref)
    if path is None:
        return json_error(404, "not_found", "no such media file in the templates folder")
    response = send_file(path, mimetype=MEDIA_TYPES[path.suffix.lower()], max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
