"""OTP policy: how long, how many digits, how many tries — per purpose.

Defaults follow NIST SP 800-63B and OWASP (see the README's OTP section):
6 digits, 5 minutes (never more than 10 on phone channels), 5 checks,
5 sends, a 30 s resend cooldown, 10 sends per destination an hour and 20 a
day, and sends only to Indonesian numbers. Each setting can be changed for
all purposes or for one, in a YAML file (``SANDI_OTP_POLICY_FILE``) or in the
environment (``SANDI_OTP_TTL=180``, ``SANDI_OTP_PAYMENT_DIGITS=8``); the
environment wins over the file, a purpose's own setting over the default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from limits import parse_many
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from app.config import ConfigError
from app.otp.email_policy import DEFAULT_EMAIL_PURPOSES, email_purposes

#: The channels a code can go out on (the channels package delivers each).
DELIVERY_CHANNELS = ("sms", "whatsapp", "call", "email", "flashcall")
#: What a caller may ask for: a delivery channel, or "auto" (the policy picks).
CHANNELS = (*DELIVERY_CHANNELS, "auto")
PHONE_CHANNELS = frozenset({"sms", "whatsapp", "call", "flashcall"})
#: NIST SP 800-63B: an out-of-band secret is valid for at most 10 minutes.
MAX_PHONE_TTL = 600
#: NIST allows e-mailed recovery codes up to 24 hours.
MAX_TTL = 86400
DEFAULT_PURPOSE = "verify"
PURPOSE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
#: How long a verification's final status stays readable after it ends.
RETENTION = 86400
DESTINATION_LIMITS = "10/hour;20/day"
API_KEY_LIMITS = "1000/minute"
IP_LIMITS = "300/minute"

# setting name -> (field, minimum, maximum)
_NUMBERS: dict[str, tuple[str, int, int]] = {
    "DIGITS": ("digits", 4, 10),
    "TTL": ("ttl", 30, MAX_TTL),
    "MAX_CHECKS": ("max_checks", 1, 100),
    "MAX_SENDS": ("max_sends", 1, 20),
    "RESEND_COOLDOWN": ("resend_cooldown", 0, 3600),
    "MAX_REDELIVERIES": ("max_redeliveries", 0, 10),
}
# Longest first, so "LOGIN_MAX_SENDS" is purpose LOGIN, not a setting "SENDS".
_SUFFIXES = sorted([*_NUMBERS, "CHANNELS"], key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class PurposePolicy:
    digits: int = 6
    ttl: int = 300
    max_checks: int = 5
    max_sends: int = 5
    resend_cooldown: int = 30
    #: Fallback sends over another channel (not counted as customer sends).
    max_redeliveries: int = 2
    channels: frozenset[str] = frozenset(CHANNELS)
    #: PSD2-style dynamic linking: amount and payee are bound into the code's hash.
    binds_transaction: bool = False

    def ttl_for(self, channel: str) -> int:
        """Phone channels are capped at 10 minutes whatever the setting says."""
        return self.ttl if channel == "email" else min(self.ttl, MAX_PHONE_TTL)


#: Built-in purposes; any other well-formed purpose name uses the defaults.
#: NIST SP 800-63B: e-mail SHALL NOT be used for out-of-band authentication,
#: so a login code never goes by e-mail unless the operator says otherwise.
_PRESETS: dict[str, dict[str, Any]] = {
    "login": {"channels": frozenset(CHANNELS) - {"email"}},
    "payment": {"binds_transaction": True},
}


@dataclass(frozen=True, slots=True)
class OtpSettings:
    default: PurposePolicy = field(default_factory=PurposePolicy)
    purposes: Mapping[str, PurposePolicy] = field(default_factory=dict)
    destination_limits: str = DESTINATION_LIMITS
    api_key_limits: str = API_KEY_LIMITS
    ip_limits: str = IP_LIMITS
    #: ISO country codes numbers may belong to; ``None`` allows every country.
    allowed_countries: frozenset[str] | None = frozenset({"ID"})
    retention: int = RETENTION
    #: Purposes whose codes may go by e-mail (NIST: proving an address, not logging in).
    email_purposes: frozenset[str] = DEFAULT_EMAIL_PURPOSES

    def policy(self, purpose: str) -> PurposePolicy:
        policy = self.purposes.get(purpose, self.default)
        if "email" in policy.channels and purpose not in self.email_purposes:
            policy = replace(policy, channels=policy.channels - {"email"})
        return policy

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> OtpSettings:
        """Parse ``SANDI_OTP_*`` and ``SANDI_ALLOWED_COUNTRIES`` (+ the YAML file)."""
        doc = _load_file(raw.get("SANDI_OTP_POLICY_FILE", "").strip())
        file_defaults = _section(doc, "defaults")
        file_purposes = _section(doc, "purposes")
        file_limits = _section(doc, "limits")
        env_defaults, env_purposes = _env_settings(raw)

        default = _apply(PurposePolicy(), {**file_defaults, **env_defaults}, "defaults")
        names = set(_PRESETS) | set(file_purposes) | set(env_purposes)
        purposes = {}
        for name in sorted(names):
            if not PURPOSE_PATTERN.match(name):
                raise ConfigError(f"OTP purpose {name!r} must match {PURPOSE_PATTERN.pattern}")
            own = {**_section(file_purposes, name), **env_purposes.get(name, {})}
            purposes[name] = _apply(replace(default, **_PRESETS.get(name, {})), own, name)

        def limit(env: str, key: str, fallback: str) -> str:
            value = str(raw.get(env) or file_limits.get(key) or fallback).strip()
            if value.lower() in {"off", "none", "0"}:
                return ""
            try:
                parse_many(value)
            except ValueError:
                raise ConfigError(f"{env} must look like '10/hour;20/day', not {value!r}") from None
            return value

        return cls(
            default=default,
            purposes=purposes,
            destination_limits=limit(
                "SANDI_OTP_DESTINATION_LIMITS", "destination", DESTINATION_LIMITS
            ),
            api_key_limits=limit("SANDI_OTP_API_KEY_LIMITS", "api_key", API_KEY_LIMITS),
            ip_limits=limit("SANDI_OTP_IP_LIMITS", "ip", IP_LIMITS),
            allowed_countries=_countries(
                raw.get("SANDI_ALLOWED_COUNTRIES") or doc.get("allowed_countries") or "ID"
            ),
            email_purposes=email_purposes(raw),
        )


def _load_file(path: str) -> dict[str, Any]:
    if not path:
        return {}
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
        doc = YAML(typ="safe").load(text)
    except OSError as err:
        raise ConfigError(f"SANDI_OTP_POLICY_FILE: cannot read {path}: {err.strerror}") from None
    except YAMLError as err:
        raise ConfigError(f"SANDI_OTP_POLICY_FILE: {path} is not valid YAML: {err}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"SANDI_OTP_POLICY_FILE: {path} must hold a mapping")
    return doc


def _section(doc: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"OTP policy: {name!r} must be a mapping")
    return {str(k).lower(): v for k, v in value.items()}


def _env_settings(raw: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    defaults: dict[str, Any] = {}
    purposes: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        if not key.startswith("SANDI_OTP_"):
            continue
        rest = key.removeprefix("SANDI_OTP_")
        for suffix in _SUFFIXES:
            if rest == suffix:
                defaults[suffix.lower()] = value
                break
            if rest.endswith("_" + suffix):
                purpose = rest[: -len(suffix) - 1].lower()
                purposes.setdefault(purpose, {})[suffix.lower()] = value
                break
    return defaults, purposes


def _apply(base: PurposePolicy, values: Mapping[str, Any], where: str) -> PurposePolicy:
    changes: dict[str, Any] = {}
    for name, value in values.items():
        upper = name.upper()
        if upper in _NUMBERS:
            attr, low, high = _NUMBERS[upper]
            changes[attr] = _number(value, f"{where}.{name}", low, high)
        elif upper == "CHANNELS":
            changes["channels"] = _channels(value, f"{where}.channels")
        elif upper == "BINDS_TRANSACTION" and isinstance(value, bool):
            changes["binds_transaction"] = value
        else:
            raise ConfigError(f"OTP policy {where}: unknown setting {name!r}")
    return replace(base, **changes)


def _number(value: Any, where: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"OTP policy {where} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"OTP policy {where} must be between {low} and {high}, not {number}")
    return number


def _channels(value: Any, where: str) -> frozenset[str]:
    items = value if isinstance(value, list) else str(value).split(",")
    chosen = frozenset(str(c).strip().lower() for c in items if str(c).strip())
    unknown = chosen - set(CHANNELS)
    if unknown or not chosen:
        raise ConfigError(f"OTP policy {where}: choose from {', '.join(CHANNELS)}")
    return chosen


def _countries(value: Any) -> frozenset[str] | None:
    items = value if isinstance(value, list) else str(value).split(",")
    codes = {str(c).strip().upper() for c in items if str(c).strip()}
    if "*" in codes:
        return None
    bad = [c for c in codes if not re.fullmatch(r"[A-Z]{2}", c)]
    if bad or not codes:
        raise ConfigError(
            f"SANDI_ALLOWED_COUNTRIES must be ISO country codes like ID,SG (or *), not {value!r}"
        )
    return frozenset(codes)
