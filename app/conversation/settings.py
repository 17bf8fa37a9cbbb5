"""The conversation engine's own settings, parsed from ``Settings.raw``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlparse

from app.config import ConfigError

DEFAULT_HANDOFF_TIMEOUT = 4 * 3600
DEFAULT_REPLY_TIMEOUT = 10 * 60


@dataclass(frozen=True, slots=True)
class ConversationSettings:
    #: The business back end ``http`` steps call; None records the calls in Redis instead.
    backend_url: str | None
    #: How long a handoff mutes the bot when the flow does not say.
    handoff_timeout: int
    #: Seconds without a staff reply before the handoff step's ``on_timeout`` runs.
    reply_timeout: int = DEFAULT_REPLY_TIMEOUT
    #: Where events go (docs/inbox.md); None sends none.
    events_url: str | None = None

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
        return cls(
            backend_url=url,
            handoff_timeout=timeout,
            reply_timeout=_reply_timeout(raw),
            events_url=_url(raw, "SANDI_EVENTS_URL"),
        )


def _url(raw: Mapping[str, str], name: str) -> str | None:
    url = (raw.get(name) or "").strip() or None
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(f"{name} must be an http(s) URL, not {url!r}")
    return url


def _reply_timeout(raw: Mapping[str, str]) -> int:
    text = (raw.get("SANDI_HANDOFF_REPLY_TIMEOUT") or "").strip()
    if not text:
        return DEFAULT_REPLY_TIMEOUT
    if not text.isdigit() or int(text) < 30:
        raise ConfigError(f"SANDI_HANDOFF_REPLY_TIMEOUT must be at least 30 seconds, not {text!r}")
    return int(text)
