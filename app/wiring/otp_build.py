"""The OTP service as the server runs it: on Redis, with the send limits, the fraud
guard and the insights the settings name (:func:`build_otp`), for the app and for
the commands that need only the service."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime
from functools import partial

from app.config import Settings
from app.metrics import Metrics
from app.otp.codes import CodeHasher
from app.otp.fraud import FraudGuard
from app.otp.fraud_rules import mode_from
from app.otp.insights import Insights
from app.otp.metrics import FraudGuardMetrics, OtpMetrics
from app.otp.policy import OtpSettings
from app.otp.ports import CodeDelivery
from app.otp.sealing import CodeSealer
from app.otp.service import OtpService
from app.otp.watch import OtpWatch
from app.store import later
from app.store.connection import RedisClient
from app.store.fraud import RedisFraudStore
from app.store.insights import RedisInsightsStore
from app.store.otp import RedisVerificationStore
from app.store.ratelimits import RedisSendLimiter


def build_otp(
    settings: Settings,
    redis: RedisClient,
    clock: Callable[[], datetime],
    delivery: CodeDelivery,
    metrics: Metrics,
    hasher: CodeHasher | None = None,
) -> OtpService:
    """The OTP service on Redis, delivering through the channels."""
    relaxed = settings.sandbox and settings.env == "development"
    otp_settings = replace(
        OtpSettings.from_mapping(settings.raw, sandbox=relaxed),
        retention=settings.retention.verification,
    )
    hasher = hasher or CodeHasher(settings.secret_key)
    return OtpService(
        store=RedisVerificationStore(redis, settings.retention.delivery),
        limiter=RedisSendLimiter(
            redis,
            destination=otp_settings.destination_limits,
            api_key=otp_settings.api_key_limits,
            client_ip=otp_settings.ip_limits,
            sender=otp_settings.sender_limits,
            server=otp_settings.server_limits,
            cluster_url=settings.redis_url,
        ),
        delivery=delivery,
        settings=otp_settings,
        hasher=hasher,
        sealer=CodeSealer(settings.secret_key),
        clock=clock,
        metrics=OtpMetrics(metrics.registry),
        default_locale=settings.default_locale,
        locales=settings.locales,
        batch=later.batch,
        check_batch=_check_batch(settings.stats_delay),
        watch=build_watch(settings, redis, hasher, metrics),
    )


def _check_batch(delay: float) -> Callable[[], AbstractContextManager[None]]:
    """A check's batch: its statistics carried ``delay`` seconds at most (0: none carried)."""
    if delay <= 0:
        return later.batch
    return partial(later.batch, carry=later.carrier(delay))


def build_watch(
    settings: Settings, redis: RedisClient, hasher: CodeHasher, metrics: Metrics
) -> OtpWatch:
    """The fraud guard (``SANDI_FRAUD_GUARD``, default standard) and the insights."""
    guard_metrics = FraudGuardMetrics(metrics.registry)
    mode = mode_from(settings.raw)
    guard = FraudGuard(RedisFraudStore(redis), mode, hasher, guard_metrics) if mode else None
    return OtpWatch(guard, Insights(RedisInsightsStore(redis), guard_metrics))
