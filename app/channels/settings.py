"""The delivery channels' own settings, parsed from ``settings.raw``.

Every value is checked once at start-up, so a typo in a sender id or a flash
call pool that is too small stops the server with a clear message instead of
failing on a customer's first code.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from app.config import ConfigError, Settings
from app.numbers import to_e164
from app.otp.email_policy import email_purposes
from app.otp.policy import DELIVERY_CHANNELS, MAX_FLASHCALL_CHECKS
from app.otp.ports import DeliveryError

log = logging.getLogger(__name__)

#: The channels this package delivers codes on (defined with the OTP policy).
CHANNELS = DELIVERY_CHANNELS
#: Channels a fallback chain may name (e-mail and flash call need the app's help).
FALLBACK_CHANNELS = ("whatsapp", "sms", "call")
#: The flash-call pool is the code space: a verification's chance of being guessed is
#: MAX_FLASHCALL_CHECKS / (distinct endings), at most 1 in FLASHCALL_ODDS; with 3 tries
#: that takes 9,000 of the 10,000 possible endings: in practice a whole number range.
FLASHCALL_ODDS = 3000
MIN_FLASHCALL_POOL = FLASHCALL_ODDS * MAX_FLASHCALL_CHECKS
#: Fictional numbers the sandbox "calls from" when no pool is configured.
SANDBOX_FLASHCALL_POOL = tuple(f"+6221555{n:04d}" for n in range(10_000))

_SID = {
    "TWILIO_MESSAGING_SERVICE_SID": re.compile(r"^MG[0-9a-fA-F]{32}$"),
    "TWILIO_WHATSAPP_OTP_CONTENT_SID": re.compile(r"^HX[0-9a-fA-F]{32}$"),
    "TWILIO_WHATSAPP_WINDOW_CONTENT_SID": re.compile(r"^HX[0-9a-fA-F]{32}$"),
}
_BRAND = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .&'-]{0,19}$")


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    sandbox: bool
    account_sid: str | None
    auth_token: str | None
    public_url: str | None
    secret_key: str
    brand: str
    sms_from: str | None
    messaging_service_sid: str | None
    whatsapp_from: str | None
    whatsapp_otp_content_sid: str | None
    whatsapp_window_content_sid: str | None
    voice_from: str | None
    smtp_url: str | None
    smtp_from: str | None
    email_purposes: frozenset[str]
    flashcall_numbers: tuple[str, ...]
    flashcall_ring_seconds: int
    fallback: tuple[str, ...]
    auto_whatsapp_prefixes: tuple[str, ...]
    twilio_timeout: float
    voice_repeats: int
    #: Per SMTP operation (connect, STARTTLS, login, send).
    smtp_timeout: float = 5.0
    #: ``TWILIO_API_BASE_URL``: every Twilio REST call goes there instead of *.twilio.com.
    twilio_api_base_url: str | None = None
    #: Seconds without ``delivered``/``read`` before a code falls back to the next
    #: channel (0: only on a failure callback). Calls fall back on busy/no-answer/failed.
    fallback_waits: tuple[tuple[str, float], ...] = (("whatsapp", 30.0), ("sms", 60.0))
    #: ``SANDI_MMS_PREFIXES``: SMS numbers that take pictures (MMS: the US and Canada);
    #: other SMS get a ``say`` step's media as a link under the text.
    mms_prefixes: tuple[str, ...] = ("+1",)

    def within(self, budget: float) -> ChannelSettings:
        """Provider timeouts that let a chat turn that sends a code finish
        inside its conversation lock (``budget`` seconds, see
        :func:`app.edges.backend.call_budget`): a Twilio request may be
        tried twice (a 5xx, a failed connect), so each try gets half. A turn
        that outlived its lock would have sent the code but lost its state."""
        limit = budget / 2
        if self.twilio_timeout <= limit and self.smtp_timeout <= limit:
            return self
        log.warning(
            "provider timeouts capped at %.1f s (Twilio %.1f s, SMTP %.1f s asked) so that a "
            "chat turn sending a code finishes within SANDI_LOCK_TIMEOUT_MS",
            limit, self.twilio_timeout, self.smtp_timeout,
        )  # fmt: skip
        return replace(
            self,
            twilio_timeout=min(self.twilio_timeout, limit),
            smtp_timeout=min(self.smtp_timeout, limit),
        )

    @property
    def callback_base(self) -> str | None:
        """Where Twilio reaches us; the sandbox pretends to be on localhost."""
        if self.public_url:
            return self.public_url
        return "http://localhost" if self.sandbox else None

    @property
    def status_callback(self) -> str | None:
        base = self.callback_base
        return f"{base}/webhooks/twilio/status" if base else None

    def unavailable(self, channel: str) -> DeliveryError | None:
        """Why ``channel`` cannot send with these settings, or None when it can."""
        if self.sandbox:
            return None
        missing = self._missing(channel)
        if missing:
            return DeliveryError(
                "channel_unavailable", f"{channel} is not configured: set {missing}"
            )
        return None

    def _missing(self, channel: str) -> str | bool:
        """What ``channel`` lacks (False: nothing). Only that channel's settings are
        read: a live send asks three times, and every channel's text was built each time."""
        if channel == "sms":
            return not (self.sms_from or self.messaging_service_sid) and (
                "TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID"
            )
        if channel == "whatsapp":
            return not (self.whatsapp_from and self.whatsapp_otp_content_sid) and (
                "TWILIO_WHATSAPP_FROM and TWILIO_WHATSAPP_OTP_CONTENT_SID"
            )
        if channel == "call":
            return not self.voice_from and "TWILIO_VOICE_FROM"
        if channel == "email":
            return not (self.smtp_url and self.smtp_from) and "SMTP_URL and SMTP_FROM"
        if channel == "flashcall":
            return not self.flashcall_numbers and (
                "SANDI_FLASHCALL_RANGE (a number range you own, e.g. +6221500XXXX) or "
                f"SANDI_FLASHCALL_NUMBERS (at least {MIN_FLASHCALL_POOL:,} distinct endings)"
            )
        return "a known channel"

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelSettings:
        raw = settings.raw
        sandbox = settings.sandbox
        return cls(
            sandbox=sandbox,
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            public_url=settings.public_url,
            secret_key=settings.secret_key,
            brand=brand_setting(raw),
            sms_from=_number(settings.twilio_sms_from, "TWILIO_SMS_FROM", alnum_ok=True),
            messaging_service_sid=_sid(raw, "TWILIO_MESSAGING_SERVICE_SID"),
            whatsapp_from=_number(settings.twilio_whatsapp_from, "TWILIO_WHATSAPP_FROM"),
            whatsapp_otp_content_sid=_sid(raw, "TWILIO_WHATSAPP_OTP_CONTENT_SID"),
            whatsapp_window_content_sid=_sid(raw, "TWILIO_WHATSAPP_WINDOW_CONTENT_SID"),
            voice_from=_number(settings.twilio_voice_from, "TWILIO_VOICE_FROM"),
            smtp_url=_text(raw, "SMTP_URL"),
            smtp_from=_text(raw, "SMTP_FROM"),
            email_purposes=email_purposes(raw),
            flashcall_numbers=_flashcall_pool(raw, sandbox),
            flashcall_ring_seconds=_int(raw, "SANDI_FLASHCALL_RING_SECONDS", 10, 5, 30),
            fallback=_fallback(raw),
            auto_whatsapp_prefixes=tuple(_list(raw, "SANDI_AUTO_WHATSAPP_PREFIXES", "+62")),
            twilio_timeout=_float(raw, "SANDI_TWILIO_TIMEOUT", 5.0),
            voice_repeats=_int(raw, "SANDI_VOICE_REPEATS", 3, 0, 5),
            twilio_api_base_url=_base_url(raw),
            mms_prefixes=tuple(_list(raw, "SANDI_MMS_PREFIXES", "+1")),
            fallback_waits=(
                ("whatsapp", _wait(raw, "SANDI_FALLBACK_WAIT_WHATSAPP", 30.0)),
                ("sms", _wait(raw, "SANDI_FALLBACK_WAIT_SMS", 60.0)),
            ),
        )


def _text(raw: Mapping[str, str], name: str) -> str | None:
    return (raw.get(name) or "").strip() or None


def _wait(raw: Mapping[str, str], name: str, default: float) -> float:
    value = _text(raw, name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number <= 3600:
        raise ConfigError(f"{name} must be seconds from 0 (off) to 3600, not {value!r}")
    return number


def _base_url(raw: Mapping[str, str]) -> str | None:
    """``TWILIO_API_BASE_URL``: a Twilio-compatible API (same paths), or None for Twilio's."""
    value = _text(raw, "TWILIO_API_BASE_URL")
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            "TWILIO_API_BASE_URL must be a base URL such as https://example.signalwire.com "
            f"(scheme and host, an optional path, no query), not {value!r}"
        )
    return value.rstrip("/")


def _list(raw: Mapping[str, str], name: str, default: str) -> list[str]:
    value = raw.get(name)
    if value is None:
        value = default
    return [item for item in re.split(r"[\s,;]+", value.strip()) if item]


def _int(raw: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = _text(raw, name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)


def _float(raw: Mapping[str, str], name: str, default: float) -> float:
    value = _text(raw, name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number <= 60:
        raise ConfigError(
            f"{name} must be a number of seconds above 0 and at most 60, not {value!r}"
        )
    return number


#: The demo shop's name, as its flows and templates (flows/, templates/) say
#: it: the demo's code SMS and its chat name the same shop. A deployment with
#: its own flows sets SANDI_BRAND to its own name (docs/channels.md).
DEMO_BRAND = "Toko Kenari"


def brand_setting(raw: Mapping[str, str]) -> str:
    """``SANDI_BRAND``, checked: the name every OTP SMS carries."""
    brand = _text(raw, "SANDI_BRAND") or DEMO_BRAND
    if not _BRAND.match(brand):
        raise ConfigError(
            f"SANDI_BRAND must be 1-20 plain ASCII letters, digits, spaces or .&'- "
            f"(it goes into every OTP SMS, which must stay GSM-7), not {brand!r}"
        )
    return brand


def _sid(raw: Mapping[str, str], name: str) -> str | None:
    value = _text(raw, name)
    if value is not None and not _SID[name].match(value):
        prefix = _SID[name].pattern[1:3]
        raise ConfigError(f"{name} must be {prefix} followed by 32 hex digits, not {value!r}")
    return value


def _number(value: str | None, name: str, *, alnum_ok: bool = False) -> str | None:
    if value is None:
        return None
    value = value.removeprefix("whatsapp:")
    if alnum_ok and re.fullmatch(r"[A-Za-z0-9 ]{1,11}", value) and not value.isdigit():
        return value  # an alphanumeric sender id (pre-registered with Indonesian carriers)
    if to_e164(value, "possible") is None:  # test and sandbox senders are not "valid"
        raise ConfigError(f"{name} must be an E.164 number such as +14155550100, not {value!r}")
    return value


_RANGE = re.compile(r"^\+[1-9][0-9]{3,10}XXXX$")


def _flashcall_range(value: str) -> tuple[str, ...]:
    """``+6221500XXXX``: the 10,000 numbers of a range the business owns."""
    if not _RANGE.match(value) or to_e164(value.replace("X", "0"), "possible") is None:
        raise ConfigError(
            "SANDI_FLASHCALL_RANGE must be a number range ending in XXXX (the code), "
            f"e.g. +6221500XXXX, not {value!r}"
        )
    head = value[:-4]
    return tuple(f"{head}{n:04d}" for n in range(10_000))


def _flashcall_pool(raw: Mapping[str, str], sandbox: bool) -> tuple[str, ...]:
    """``SANDI_FLASHCALL_RANGE`` (``+6221500XXXX``), or ``SANDI_FLASHCALL_NUMBERS``:
    numbers inline or ``@/path/to/file`` (one a line), covering the code space."""
    ranged = _text(raw, "SANDI_FLASHCALL_RANGE")
    if ranged is not None:
        return _flashcall_range(ranged)
    value = _text(raw, "SANDI_FLASHCALL_NUMBERS")
    if value is None:
        return SANDBOX_FLASHCALL_POOL if sandbox else ()
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            value = path.read_text()
        except OSError as err:
            raise ConfigError(f"SANDI_FLASHCALL_NUMBERS: cannot read {path}: {err}") from None
    numbers = tuple(dict.fromkeys(n for n in re.split(r"[\s,;]+", value) if n))
    bad = [n for n in numbers if to_e164(n, "possible") is None]
    if bad:
        raise ConfigError(f"SANDI_FLASHCALL_NUMBERS: not E.164 numbers: {', '.join(bad[:5])}")
    codes = {n[-4:] for n in numbers}
    if len(codes) < MIN_FLASHCALL_POOL:
        raise ConfigError(
            f"SANDI_FLASHCALL_NUMBERS has {len(codes)} distinct last-4-digit endings; flash call "
            f"needs at least {MIN_FLASHCALL_POOL}. The code is the last 4 digits of the number "
            "that calls, so the pool is the whole code space: with fewer numbers an attacker "
            f"guesses a code in {MAX_FLASHCALL_CHECKS} tries more often than 1 in "
            f"{FLASHCALL_ODDS:,}. Use SANDI_FLASHCALL_RANGE=+6221500XXXX (a range you own) "
            "or leave flash call unset."
        )
    return numbers


def _fallback(raw: Mapping[str, str]) -> tuple[str, ...]:
    value = _text(raw, "SANDI_FALLBACK")
    if value is None:
        value = "whatsapp>sms>call"
    if value.lower() in {"none", "off", "0"}:
        return ()
    chain = tuple(step.strip().lower() for step in value.split(">"))
    unknown = [c for c in chain if c not in FALLBACK_CHANNELS]
    if unknown or len(set(chain)) != len(chain):
        raise ConfigError(
            f"SANDI_FALLBACK must list distinct channels among {', '.join(FALLBACK_CHANNELS)} "
            f"joined by '>' (e.g. whatsapp>sms>call), or 'none'; not {value!r}"
        )
    return chain
