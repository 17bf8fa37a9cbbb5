"""The objects one app runs on, wired once by the factory.

Views reach them through :func:`app.web.current.services`; nothing lives in
module globals, so tests can run many apps side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.channels.base import Sender
from app.channels.otp_sandbox import SandboxCodeDelivery
from app.channels.sandbox import SandboxSender
from app.config import Settings
from app.conversation.echo import EchoBot
from app.conversation.render import Templates
from app.conversation.turns import TurnRunner
from app.metrics import Metrics
from app.otp.codes import CodeHasher
from app.otp.metrics import OtpMetrics
from app.otp.policy import OtpSettings
from app.otp.service import OtpService
from app.store.api_keys import ApiKeyStore
from app.store.connection import RedisClient, connect
from app.store.otp import RedisVerificationStore
from app.store.outbox import OutboxStore
from app.store.ratelimits import RedisSendLimiter
from app.store.turns import RedisTurnStore, TurnSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    redis: RedisClient
    clock: Callable[[], datetime]
    metrics: Metrics
    templates: Templates
    outbox: OutboxStore
    sender: Sender
    turns: TurnRunner
    otp: OtpService
    api_keys: ApiKeyStore


def build(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Services:
    redis = connect(settings.redis_url, settings.instance_dir)
    templates = Templates(settings.templates_dir)
    outbox = OutboxStore(redis)
    turn_store = RedisTurnStore(
        redis,
        TurnSettings(
            session_ttl=settings.session_ttl,
            lease_ms=int(settings.lock_timeout * 1000),
            wait_s=min(13.0, settings.lock_timeout + 2),
        ),
    )
    bot = EchoBot(templates, settings.default_locale)
    metrics = Metrics()
    sender = SandboxSender(outbox, clock)
    return Services(
        settings=settings,
        redis=redis,
        clock=clock,
        metrics=metrics,
        templates=templates,
        outbox=outbox,
        sender=sender,
        turns=TurnRunner(turn_store, bot, clock),
        otp=build_otp(settings, redis, clock, templates, sender, metrics),
        api_keys=ApiKeyStore(redis, (settings.raw.get("SANDI_API_KEYS") or "").split(",")),
    )


def build_otp(
    settings: Settings,
    redis: RedisClient,
    clock: Callable[[], datetime],
    templates: Templates,
    sender: Sender,
    metrics: Metrics,
) -> OtpService:
    """The OTP service on Redis, delivering through the sandbox outbox until
    the real channels land behind the same CodeDelivery interface."""
    raw = settings.raw
    otp_settings = OtpSettings.from_mapping(raw)
    pool = [n.strip() for n in (raw.get("SANDI_FLASHCALL_POOL") or "").split(",") if n.strip()]
    return OtpService(
        store=RedisVerificationStore(redis),
        limiter=RedisSendLimiter(
            redis,
            destination=otp_settings.destination_limits,
            api_key=otp_settings.api_key_limits,
            client_ip=otp_settings.ip_limits,
            cluster_url=settings.redis_url,
        ),
        delivery=SandboxCodeDelivery(
            sender, templates, brand=raw.get("SANDI_BRAND_NAME") or "Sandi", flashcall_pool=pool
        ),
        settings=otp_settings,
        hasher=CodeHasher(settings.secret_key),
        clock=clock,
        metrics=OtpMetrics(metrics.registry),
        default_locale=settings.default_locale,
    )
