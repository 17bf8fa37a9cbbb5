"""The objects one app runs on, wired once by the factory.

Views reach them through :func:`app.web.current.services`; nothing lives in
module globals, so tests can run many apps side by side. The order of
:func:`build` is the order of dependence: Redis, delivery channels, the OTP
service on top of them, then the conversation engine that uses both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.exceptions import RedisError

from app.channels.dispatch import Channels
from app.channels.settings import ChannelSettings
from app.channels.status import DeliveryStatus
from app.channels.twilio_api import HttpClientFactory, default_http_client
from app.config import Settings
from app.content.flows import FlowSet
from app.content.registry import FlowRegistry
from app.content.render import LiveTemplates, Templates, TemplateSource
from app.conversation.engine import EngineSettings, FlowBot
from app.conversation.handoff import HandoffDesk
from app.conversation.ports import Backend, OtpPort
from app.conversation.settings import ConversationSettings
from app.conversation.turns import ServingBot, TurnRunner
from app.edges.backend import HttpBackend, RecordingBackend, call_budget
from app.metrics import Metrics
from app.otp.codes import CodeHasher
from app.otp.fraud import FraudGuard, FraudStore
from app.otp.fraud_rules import mode_from
from app.otp.insights import Insights, InsightsStore
from app.otp.metrics import FraudGuardMetrics, OtpMetrics
from app.otp.policy import OtpSettings
from app.otp.ports import CodeDelivery
from app.otp.service import OtpService
from app.otp.watch import OtpWatch
from app.store.api_keys import ApiKeyStore
from app.store.connection import RedisClient, connect_settings
from app.store.fraud import RedisFraudStore
from app.store.handoffs import RedisHandoffIndex
from app.store.insights import RedisInsightsStore
from app.store.otp import RedisVerificationStore
from app.store.outbox import OutboxStore
from app.store.ratelimits import RedisSendLimiter
from app.store.records import RedisRecordStore
from app.store.tracking import FallbackSteps
from app.store.turns import RedisTurnStore, TurnSettings
from app.store.verify_services import VerifyServiceStore
from app.wiring.checks import version_checks
from app.wiring.otp_glue import ChatOtp, FallbackOtp


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    redis: RedisClient
    clock: Callable[[], datetime]
    metrics: Metrics
    #: The serving version's templates (OTP messages, checks of a brand's SMS).
    templates: TemplateSource
    outbox: OutboxStore
    turns: TurnRunner
    turn_store: RedisTurnStore
    #: Code delivery (SMS, WhatsApp, call, e-mail, flash call) and its status callbacks.
    channels: Channels
    delivery_status: DeliveryStatus
    otp: OtpService
    api_keys: ApiKeyStore
    #: The flows serving now (``flows.current``), replaced whole by a reload that checks.
    flows: FlowRegistry[FlowBot]
    handoffs: HandoffDesk
    records: RedisRecordStore
    conversation: ConversationSettings
    #: Twilio Verify services for the /v2 API (configuration, kept in Redis).
    verify_services: VerifyServiceStore
    #: The fraud guard's counts, blocks and lists, and the OTP insights' buckets.
    fraud: FraudStore
    insights: InsightsStore


def build(
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    otp: OtpPort | None = None,
    *,
    twilio_http_client: HttpClientFactory = default_http_client,
) -> Services:
    """Wire one app. ``otp`` replaces the chat flows' OTP port (tests only)."""
    # OTP messages render from the serving version's templates once the flow
    # registry exists (built below, after the channels it needs).
    started_with = Templates(settings.templates_dir)
    templates = LiveTemplates(lambda: started_with)
    redis = connect_settings(settings)
    metrics = Metrics()
    outbox = OutboxStore(redis)
    channel_settings = ChannelSettings.from_settings(settings).within(
        call_budget(settings.lock_timeout)
    )
    channels = Channels(
        channel_settings,
        templates,
        redis,
        outbox,
        clock,
        metrics,
        twilio_http_client=twilio_http_client,
    )
    otp_service = build_otp(settings, redis, clock, channels, metrics)
    delivery_status = DeliveryStatus(
        channels.log,
        FallbackSteps(redis),
        channels.opt_outs,
        channel_settings.fallback,
        metrics,
        target=FallbackOtp(otp_service),
    )
    turn_store = RedisTurnStore(
        redis,
        TurnSettings(
            session_ttl=settings.session_ttl,
            lease_ms=int(settings.lock_timeout * 1000),
            wait_s=min(13.0, settings.lock_timeout + 2),
        ),
        clock=lambda: clock().timestamp(),
    )
    conversation = ConversationSettings.from_mapping(settings.raw)
    records = RedisRecordStore(redis)
    handoff_index = RedisHandoffIndex(redis)
    backend = _backend(settings, conversation, records, clock)
    chat_otp = otp if otp is not None else ChatOtp(otp_service)
    engine_settings = EngineSettings(
        session_ttl=settings.session_ttl,
        default_locale=settings.default_locale,
        handoff_timeout=conversation.handoff_timeout,
    )

    def build_bot(flowset: FlowSet, flow_templates: Templates, version: str) -> FlowBot:
        return FlowBot(
            flowset,
            flow_templates,
            backend=backend,
            otp=chat_otp,
            handoffs=handoff_index,
            settings=engine_settings,
            passthrough=(RedisError,),
            version=version,
        )

    # Broken flows stop the app here, before it serves anyone, with file:line:col errors;
    # later edits are checked the same way before they replace the running version.
    flows = FlowRegistry(
        settings.flows_dir,
        settings.templates_dir,
        build_bot,
        checks=version_checks(channel_settings.brand),
    )
    templates.follow(lambda: flows.current.templates)
    return Services(
        settings=settings,
        redis=redis,
        clock=clock,
        metrics=metrics,
        templates=templates,
        outbox=outbox,
        turns=TurnRunner(turn_store, ServingBot(lambda: flows.current.bot), clock),
        turn_store=turn_store,
        channels=channels,
        delivery_status=delivery_status,
        otp=otp_service,
        api_keys=ApiKeyStore(redis, (settings.raw.get("SANDI_API_KEYS") or "").split(",")),
        flows=flows,
        handoffs=HandoffDesk(turn_store, handoff_index, clock),
        records=records,
        conversation=conversation,
        verify_services=VerifyServiceStore(redis),
        fraud=RedisFraudStore(redis),
        insights=RedisInsightsStore(redis),
    )


def _backend(
    settings: Settings,
    conversation: ConversationSettings,
    records: RedisRecordStore,
    clock: Callable[[], datetime],
) -> Backend:
    if not conversation.backend_url:
        return RecordingBackend(records)
    return HttpBackend(
        conversation.backend_url,
        settings.secret_key,
        clock=lambda: clock().timestamp(),
        max_timeout=call_budget(settings.lock_timeout),
    )


def build_otp(
    settings: Settings,
    redis: RedisClient,
    clock: Callable[[], datetime],
    delivery: CodeDelivery,
    metrics: Metrics,
) -> OtpService:
    """The OTP service on Redis, delivering through the channels."""
    otp_settings = OtpSettings.from_mapping(settings.raw)
    hasher = CodeHasher(settings.secret_key)
    return OtpService(
        store=RedisVerificationStore(redis),
        limiter=RedisSendLimiter(
            redis,
            destination=otp_settings.destination_limits,
            api_key=otp_settings.api_key_limits,
            client_ip=otp_settings.ip_limits,
            cluster_url=settings.redis_url,
        ),
        delivery=delivery,
        settings=otp_settings,
        hasher=hasher,
        clock=clock,
        metrics=OtpMetrics(metrics.registry),
        default_locale=settings.default_locale,
        watch=build_watch(settings, redis, hasher, metrics),
    )


def build_watch(
    settings: Settings, redis: RedisClient, hasher: CodeHasher, metrics: Metrics
) -> OtpWatch:
    """The fraud guard (``SANDI_FRAUD_GUARD``, default standard) and the insights."""
    guard_metrics = FraudGuardMetrics(metrics.registry)
    mode = mode_from(settings.raw)
    guard = FraudGuard(RedisFraudStore(redis), mode, hasher, guard_metrics) if mode else None
    return OtpWatch(guard, Insights(RedisInsightsStore(redis), guard_metrics))
