"""The objects one app runs on, wired once by the factory.

Views reach them through :func:`app.web.current.services`; nothing lives in
module globals, so tests can run many apps side by side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.exceptions import RedisError

from app.channels.base import Sender
from app.channels.sandbox import SandboxSender
from app.config import Settings
from app.conversation.backend import HttpBackend, RecordingBackend
from app.conversation.engine import EngineSettings, FlowBot
from app.conversation.flows import FlowSet, OtpIssue
from app.conversation.handoff import HandoffDesk
from app.conversation.loader import load_flows
from app.conversation.ports import Backend, OtpPort
from app.conversation.render import Templates
from app.conversation.settings import ConversationSettings
from app.conversation.turns import TurnRunner
from app.metrics import Metrics
from app.store.connection import RedisClient, connect
from app.store.handoffs import RedisHandoffIndex
from app.store.outbox import OutboxStore
from app.store.records import RedisRecordStore
from app.store.turns import RedisTurnStore, TurnSettings

log = logging.getLogger(__name__)


def _uses_otp(flows: FlowSet) -> bool:
    return any(isinstance(step, OtpIssue) for flow in flows.flows.values() for step in flow.steps)


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
    flows: FlowSet
    handoffs: HandoffDesk
    records: RedisRecordStore
    conversation: ConversationSettings


def build(
    settings: Settings, clock: Callable[[], datetime] = utc_now, otp: OtpPort | None = None
) -> Services:
    conversation = ConversationSettings.from_mapping(settings.raw)
    templates = Templates(settings.templates_dir)
    # Broken flows stop the app here, before it serves anyone, with file:line:col errors.
    flows = load_flows(settings.flows_dir, templates)
    redis = connect(settings.redis_url, settings.instance_dir)
    outbox = OutboxStore(redis)
    turn_store = RedisTurnStore(
        redis,
        TurnSettings(
            session_ttl=settings.session_ttl,
            lease_ms=int(settings.lock_timeout * 1000),
            wait_s=min(13.0, settings.lock_timeout + 2),
        ),
    )
    if otp is None and _uses_otp(flows):
        log.warning(
            "flows have otp steps but no OTP service is wired: they will say codes cannot be sent"
        )
    records = RedisRecordStore(redis)
    handoff_index = RedisHandoffIndex(redis)
    backend: Backend = (
        HttpBackend(
            conversation.backend_url, settings.secret_key, clock=lambda: clock().timestamp()
        )
        if conversation.backend_url
        else RecordingBackend(records)
    )
    bot = FlowBot(
        flows,
        templates,
        backend=backend,
        otp=otp,
        handoffs=handoff_index,
        settings=EngineSettings(
            session_ttl=settings.session_ttl,
            default_locale=settings.default_locale,
            handoff_timeout=conversation.handoff_timeout,
        ),
        passthrough=(RedisError,),
    )
    return Services(
        settings=settings,
        redis=redis,
        clock=clock,
        metrics=Metrics(),
        templates=templates,
        outbox=outbox,
        sender=SandboxSender(outbox, clock),
        turns=TurnRunner(turn_store, bot, clock),
        flows=flows,
        handoffs=HandoffDesk(turn_store, handoff_index, clock),
        records=records,
        conversation=conversation,
    )
