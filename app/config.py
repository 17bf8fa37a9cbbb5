"""Settings, read once from the environment (and ``.env``) into one object.

Names match the README's configuration table. ``create_app(config)`` takes a
mapping with the same names, which wins over the environment: that is how the
tests configure an app without touching ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: The languages Sandi answers in, first the default: every flow text, FAQ entry
#: and message template comes in each (templates/<locale>/...).
LOCALES = ("id", "en")

#: Signs the simulator's and the tests' webhooks when no Twilio token is set.
#: Never accepted in production, where TWILIO_AUTH_TOKEN is required.
SANDBOX_AUTH_TOKEN = "sandi-sandbox-auth-token"  # noqa: S105 - public dev value
DEV_SECRET_KEY = "sandi-dev-secret-key-not-for-production"  # noqa: S105 - public dev value


class ConfigError(Exception):
    """The settings cannot run a server; the message says what to set."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True, slots=True)
class Settings:
    env: str
    redis_url: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_sms_from: str | None
    twilio_whatsapp_from: str | None
    twilio_voice_from: str | None
    public_url: str | None
    secret_key: str
    sandbox: bool
    flows_dir: Path
    templates_dir: Path
    instance_dir: Path
    default_locale: str
    session_ttl: int
    lock_timeout: float
    trust_proxy: bool
    log_level: str
    #: Every setting by name, for subsystems that parse their own
    #: (``OtpSettings.from_mapping(settings.raw)``) without growing this class.
    raw: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def webhook_auth_token(self) -> str:
        """The token Twilio's signatures are checked with."""
        return self.twilio_auth_token or SANDBOX_AUTH_TOKEN

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> Settings:
        values: dict[str, Any] = dict(os.environ)
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> Settings:
        def text(name: str) -> str | None:
            value = m.get(name)
            return str(value).strip() or None if value is not None else None

        env = (text("SANDI_ENV") or "development").lower()
        if env not in {"development", "production", "testing"}:
            raise ConfigError(f"SANDI_ENV must be development, production or testing, not {env!r}")
        token = text("TWILIO_AUTH_TOKEN")
        secret = text("SANDI_SECRET_KEY")
        if env == "production":
            missing = [
                n for n, v in (("SANDI_SECRET_KEY", secret), ("TWILIO_AUTH_TOKEN", token)) if not v
            ]
            if missing:
                raise ConfigError(f"SANDI_ENV=production needs {' and '.join(missing)} to be set")
        has_twilio = bool(text("TWILIO_ACCOUNT_SID") and token)
        return cls(
            env=env,
            redis_url=text("REDIS_URL"),
            twilio_account_sid=text("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=token,
            twilio_sms_from=text("TWILIO_SMS_FROM"),
            twilio_whatsapp_from=text("TWILIO_WHATSAPP_FROM"),
            twilio_voice_from=text("TWILIO_VOICE_FROM"),
            public_url=(text("SANDI_PUBLIC_URL") or "").rstrip("/") or None,
            secret_key=secret or DEV_SECRET_KEY,
            sandbox=_flag(m, "SANDI_SANDBOX", default=not has_twilio),
            flows_dir=_path(text("SANDI_FLOWS_DIR"), ROOT / "flows"),
            templates_dir=_path(text("SANDI_TEMPLATES_DIR"), ROOT / "templates"),
            instance_dir=_path(text("SANDI_INSTANCE_DIR"), ROOT / "instance"),
            default_locale=_choice(m, "SANDI_DEFAULT_LOCALE", LOCALES),
            session_ttl=_int(m, "SANDI_SESSION_TTL", 30 * 60, minimum=60),
            lock_timeout=float(_int(m, "SANDI_LOCK_TIMEOUT_MS", 12_000, minimum=100)) / 1000,
            trust_proxy=_flag(m, "SANDI_TRUST_PROXY", default=False),
            log_level=(text("SANDI_LOG_LEVEL") or "INFO").upper(),
            raw={str(k): str(v) for k, v in m.items() if isinstance(k, str) and v is not None},
        )


def _flag(m: Mapping[str, Any], name: str, *, default: bool) -> bool:
    value = m.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _int(m: Mapping[str, Any], name: str, default: int, *, minimum: int) -> int:
    value = m.get(name)
    if value is None or str(value).strip() == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def _choice(m: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = str(m.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _path(value: str | None, default: Path) -> Path:
    return Path(value).expanduser().resolve() if value else default
