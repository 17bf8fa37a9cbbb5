"""The conversation engine's own settings, parsed from ``Settings.raw``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from app.config import ConfigError

DEFAULT_HANDOFF_TIMEOUT = 4 * 3600


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    #: The business back end ``http`` steps call; None records the calls in Redis instead.
    backend_url: str | None
    #: How long a handoff mutes the bot when the flow does not say.
    handoff_timeout: int

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> ConversationSettings:
        url = (raw.get("SANDI_BACKEND_URL") or "").strip() or None
        if url:
            parsed = urlparse(url)
            if parsed.scheme not in ("http", "https") or not parsed.netloc:
                raise ConfigError(f"SANDI_BACKEND_URL must be an http(s) URL, not {url!r}")
        timeout_text = (raw.get("SANDI_HANDOFF_TIMEOUT") or "").strip()
        try:
            timeout = int(timeout_text) if timeout_text else DEFAULT_HANDOFF_TIMEOUT
        except ValueError:
            raise ConfigError(
                f"SANDI_HANDOFF_TIMEOUT must be seconds, not {timeout_text!r}"
            ) from None
        if timeout < 60:
            raise ConfigError("SANDI_HANDOFF_TIMEOUT must be at least 60 seconds")
        return cls(backend_url=url, handoff_timeout=timeout)
