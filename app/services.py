"""The objects one app runs on, wired once by the factory.

Views reach them through :func:`app.web.current.services`; nothing lives in
module globals, so tests can run many apps side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.channels.base import Sender
from app.channels.dispatch import Channels
from app.channels.sandbox import SandboxSender
from app.channels.settings import ChannelSettings
from app.channels.status import DeliveryStatus
from app.channels.tracking import FallbackSteps
from app.channels.twilio_api import HttpClientFactory, default_http_client
from app.config import Settings
from app.conversation.echo import EchoBot
from app.conversation.render import Templates
from app.conversation.turns import TurnRunner
from app.metrics import Metrics
from app.store.connection import RedisClient, connect
from app.store.outbox import OutboxStore
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
    turn_store: RedisTurnStore
    #: Code delivery (SMS, WhatsApp, call, e-mail, flash call) and its status callbacks.
    channels: Channels
    delivery_status: DeliveryStatus


def build(
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    *,
    twilio_http_client: HttpClientFactory = default_http_client,
) -> Services:
    redis = connect(
        settings.redis_url,
        settings.instance_dir,
        sentinels=settings.raw.get("REDIS_SENTINELS") or None,
        sentinel_master=settings.raw.get("REDIS_SENTINEL_MASTER") or "mymaster",
    )
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
    channel_settings = ChannelSettings.from_settings(settings)
    channels = Channels(
        channel_settings,
        templates,
        redis,
        outbox,
        clock,
        metrics,
        twilio_http_client=twilio_http_client,
    )
    delivery_status = DeliveryStatus(
        channels.log, FallbackSteps(redis), channels.opt_outs, channel_settings.fallback, metrics
    )
    return Services(
        settings=settings,
        redis=redis,
        clock=clock,
        metrics=metrics,
        templates=templates,
        outbox=outbox,
        sender=SandboxSender(outbox, clock),
        turns=TurnRunner(turn_store, bot, clock),
        turn_store=turn_store,
        channels=channels,
        delivery_status=delivery_status,
    )
