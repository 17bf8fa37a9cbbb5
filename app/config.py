"""Settings, read once from the environment (and ``.env``) into one object.

Names match the configuration table in docs/deployment.md. ``create_app(config)`` takes a
mapping with the same names, which wins over the environment: that is how the
tests configure an app without touching ``os.environ``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.project import content_folder, home
from app.retention import Retention

#: The source checkout (tests and benchmarks use its flows); never a default of a
#: running server, which serves its project folder (app.project.home).
ROOT = Path(__file__).resolve().parent.parent
#: The languages Sandi answers in unless ``SANDI_LOCALES`` names others: every
#: flow text, FAQ entry and message template comes in each (templates/<locale>/...).
#: Only the default: a running server reads ``Settings.locales``.
LOCALES = ("id", "en")
#: A locale is a short language code (ISO 639-1 or -3), as in ``templates/<locale>/``.
_LOCALE = re.compile(r"^[a-z]{2,3}$")

#: Signs the simulator's and the tests' webhooks when no Twilio token is set.
#: Never accepted in production, where TWILIO_AUTH_TOKEN is required.
SANDBOX_AUTH_TOKEN = "sandi-sandbox-auth-token"  # noqa: S105 - public dev value
DEV_SECRET_KEY = "sandi-dev-secret-key-not-for-production"  # noqa: S105 - public dev value


class ConfigError(Exception):
    """The settings cannot run a server; the message says what to set."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


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
    #: How long an approval's statistics may wait to be written with others' (seconds).
    stats_delay: float
    trust_proxy: bool
    log_level: str
    #: The languages of this server (``SANDI_LOCALES``), first the default's fallback.
    locales: tuple[str, ...] = LOCALES
    #: The only customers the simulator may talk as once the server is live.
    test_numbers: frozenset[str] = frozenset()
    #: How long each kind of data is kept (``app.retention``, docs/privacy.md).
    retention: Retention = field(default_factory=Retention)
    #: Every setting by name, for subsystems that parse their own
    #: (``OtpSettings.from_mapping(settings.raw)``) without growing this class.
    raw: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def live(self) -> bool:
        """Facing real customers: production, or any Twilio credential set.

        A live server locks every page behind a staff login and lets the
        simulator talk only as ``SANDI_TEST_NUMBERS``.
        """
        return self.production or bool(self.twilio_account_sid or self.twilio_auth_token)

    @property
    def pages_need_login(self) -> bool:
        """Pages are open only on a development server; anywhere else they need staff."""
        return self.live or self.env != "development"

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
            production_refusals(m, text)
        project = home({"SANDI_HOME": text("SANDI_HOME") or ""})
        has_twilio = bool(text("TWILIO_ACCOUNT_SID") and token)
        try:
            retention = Retention.from_mapping(m)
        except ValueError as err:
            raise ConfigError(str(err)) from None
        locales = locales_setting(text("SANDI_LOCALES"))
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
            flows_dir=_path(text("SANDI_FLOWS_DIR"), content_folder(project, "flows")),
            templates_dir=_path(text("SANDI_TEMPLATES_DIR"), content_folder(project, "templates")),
            instance_dir=_path(text("SANDI_INSTANCE_DIR"), project / "instance"),
            default_locale=_choice(m, "SANDI_DEFAULT_LOCALE", locales),
            locales=locales,
            session_ttl=retention.session,
            lock_timeout=float(_int(m, "SANDI_LOCK_TIMEOUT_MS", 12_000, minimum=100)) / 1000,
            stats_delay=float(_int(m, "SANDI_STATS_DELAY_MS", 50, minimum=0, maximum=5_000)) / 1000,
            trust_proxy=_flag(m, "SANDI_TRUST_PROXY", default=False),
            log_level=(text("SANDI_LOG_LEVEL") or "INFO").upper(),
            test_numbers=_numbers(text("SANDI_TEST_NUMBERS"), "SANDI_TEST_NUMBERS"),
            retention=retention,
            raw={str(k): str(v) for k, v in m.items() if isinstance(k, str) and v is not None},
        )


#: Makes a key fit for SANDI_SECRET_KEY (printed in the refusal).
KEY_RECIPE = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
MIN_SECRET_KEY = 32


def production_refusals(m: Mapping[str, Any], text: Any) -> None:
    """Raise :class:`ConfigError` naming every setting production still needs.

    Production never runs in sandbox mode (codes would sit in an outbox
    anyone could read), never with a guessable secret key (it signs sessions
    and keys the code hashes), and never without its own Redis (the embedded
    one is for development) or its public URL (Host headers and Twilio's
    signatures are checked against it).
    """
    needed = ("SANDI_SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
    missing = [name for name in needed if not text(name)]
    if not text("REDIS_URL") and not text("REDIS_SENTINELS"):
        # The embedded redis-server lives and dies with one machine's folder.
        missing.append("REDIS_URL (or REDIS_SENTINELS)")
    if not text("SANDI_PUBLIC_URL"):
        missing.append("SANDI_PUBLIC_URL")
    problems = []
    if missing:
        names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " and " + missing[-1]
        problems.append(f"SANDI_ENV=production needs {names} to be set")
    secret = text("SANDI_SECRET_KEY")
    if secret and (
        secret == DEV_SECRET_KEY or len(secret) < MIN_SECRET_KEY or len(set(secret)) < 12
    ):
        what = "is the public development key" if secret == DEV_SECRET_KEY else "is too weak"
        problems.append(
            f"SANDI_SECRET_KEY {what}: set it to at least {MIN_SECRET_KEY} random characters, "
            f"e.g. the output of {KEY_RECIPE}"
        )
    if _flag(m, "SANDI_SANDBOX", default=False):
        problems.append(
            "SANDI_SANDBOX=1 is refused in production (codes would land in the sandbox "
            "outbox): remove it and set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
        )
    public = text("SANDI_PUBLIC_URL") or ""
    if public and not public.startswith(("https://", "http://")):
        problems.append(
            f"SANDI_PUBLIC_URL must be a URL like https://bot.example.com, not {public!r}"
        )
    cluster = jobs_cluster_problem(text("REDIS_URL"), text("SANDI_JOBS_REDIS_URL"))
    if cluster:
        problems.append(cluster)
    if problems:
        raise ConfigError("; ".join(problems))


#: URL schemes of a Redis Cluster (app.store.connection picks the cluster client by them).
CLUSTER_SCHEMES = ("redis+cluster://", "rediss+cluster://")


def jobs_cluster_problem(redis_url: str | None, jobs_url: str | None) -> str | None:
    """Why the job queue cannot run, or None: rq keeps keys no hash tag can put on
    one Redis Cluster slot, so a cluster needs a plain Redis of its own for jobs.
    Production refuses to start on it (no fallback would ever be sent);
    development only warns (:func:`app.wiring.services.build`)."""
    if jobs_url and jobs_url.startswith(CLUSTER_SCHEMES):
        return (
            "SANDI_JOBS_REDIS_URL is a Redis Cluster too: rq needs a plain Redis "
            "(redis://host:6379/0) for the job queue"
        )
    if not jobs_url and redis_url and redis_url.startswith(CLUSTER_SCHEMES):
        return (
            "REDIS_URL is a Redis Cluster, where rq cannot keep its job queue: set "
            "SANDI_JOBS_REDIS_URL to a plain Redis (redis://host:6379/0) for background jobs "
            "(fallback sends, no-receipt checks); without it no fallback is ever sent"
        )
    return None


def _numbers(value: str | None, name: str) -> frozenset[str]:
    items = {n.strip() for n in (value or "").split(",") if n.strip()}
    bad = sorted(n for n in items if not re.fullmatch(r"\+[1-9][0-9]{6,14}", n))
    if bad:
        raise ConfigError(f"{name} must list E.164 numbers like +6281234567890, not {bad[0]!r}")
    return frozenset(items)


def _flag(m: Mapping[str, Any], name: str, *, default: bool) -> bool:
    value = m.get(name)
    # Unset and empty are the same: `SANDI_SANDBOX=` copied from .env.example keeps the default.
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _int(
    m: Mapping[str, Any], name: str, default: int, *, minimum: int, maximum: int | None = None
) -> int:
    value = m.get(name)
    if value is None or str(value).strip() == "":
        return default
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    if maximum is not None and number > maximum:
        raise ConfigError(f"{name} must be at most {maximum}, not {number}")
    return number


def locales_setting(value: str | None) -> tuple[str, ...]:
    """``SANDI_LOCALES`` (``id,en,jv``): distinct short language codes, at least one."""
    if not value:
        return LOCALES
    found = tuple(dict.fromkeys(part.strip().lower() for part in value.split(",") if part.strip()))
    wrong = [lc for lc in found if not _LOCALE.match(lc)]
    if not found or wrong:
        raise ConfigError(
            "SANDI_LOCALES must list language codes (2 or 3 letters) separated by commas, "
            f"such as id,en,jv; not {value!r}"
        )
    return found


def _choice(m: Mapping[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = str(m.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _path(value: str | None, default: Path) -> Path:
    return Path(value).expanduser().resolve() if value else default
