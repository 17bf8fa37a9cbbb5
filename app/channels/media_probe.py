"""How large a customer's photo or document is: a HEAD on Twilio's media URL.

Twilio's webhook says a media's URL and type (``MediaUrl0``,
``MediaContentType0``) but not its size, and an ``expect: media`` step may
have a ``max_bytes``. The media URL answers a HEAD with the account's
credentials (it redirects to the file's storage, which says
``Content-Length``). Only Twilio's own hosts are asked, with a short timeout
and only for messages that carry media: a webhook form names the URL, and
Sandi must never be made to call an address of someone else's choosing.
When the answer does not come, the size is unknown and the step takes the
file (WhatsApp's own limits still hold: 5 MB for images, 100 MB for documents).
"""

from __future__ import annotations

import logging
import re

import requests

from app.channels.settings import ChannelSettings

log = logging.getLogger(__name__)

_TWILIO_MEDIA = re.compile(r"^https://api\.twilio\.com(?=/2010-04-01/Accounts/AC[0-9a-fA-F]{32}/)")
PROBE_TIMEOUT = 3.0


class MediaProbe:
    def __init__(self, settings: ChannelSettings) -> None:
        self.auth = (
            (settings.account_sid, settings.auth_token)
            if settings.account_sid and settings.auth_token and not settings.sandbox
            else None
        )
        self.base_url = settings.twilio_api_base_url
        self.timeout = min(settings.twilio_timeout, PROBE_TIMEOUT)
        self.session = requests.Session()

    def size(self, url: str) -> int | None:
        """Bytes of the media at ``url``, or None when unknown (not Twilio's, no answer)."""
        if self.auth is None or not _TWILIO_MEDIA.match(url):
            return None
        target = _TWILIO_MEDIA.sub(self.base_url.rstrip("/"), url) if self.base_url else url
        try:
            response = self.session.head(
                target, auth=self.auth, timeout=self.timeout, allow_redirects=True
            )
        except requests.exceptions.RequestException as err:
            log.warning("media size unknown: HEAD failed (%s)", type(err).__name__)
            return None
        length = response.headers.get("Content-Length", "")
        if response.status_code >= 400 or not length.isdigit():
            log.warning("media size unknown: HEAD answered %s", response.status_code)
            return None
        return int(length)
