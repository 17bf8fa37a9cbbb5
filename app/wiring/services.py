"""The objects one app runs on, wired once by the factory.

Views reach them through :func:`app.web.current.services`; nothing lives in
module globals, so tests can run many apps side by side. The order of
:func:`build` is the order of dependence: Redis, delivery channels, the OTP
service on top of them, then the conversation engine that uses both.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.exceptions import RedisError

from app.channels.chat_messages import ChatMessages
from app.channels.dispatch import Channels
from app.channels.settings import ChannelSettings
from app.channels.status import DeliveryStatus
from app.channels.twilio_api import HttpClientFactory
from app.config import Settings, jobs_cluster_problem
from app.content.flows import FlowSet
from app.content.registry import FlowRegistry
from app.content.render import LiveTemplates, Templates, TemplateSource
from app.conversation.engine import EngineSettings, FlowBot
from app.conversation.handoff import HandoffDesk
from app.conversation.ports import Backend, OtpPort
from app.conversation.settings import ConversationSettings
from app.conversation.turns import ServingBot, TurnRunner
from app.edges.backend import HttpBackend, RecordingBackend, RoutedBackend, call_budget
from app.edges.events import EventSender
from app.metrics import Metrics
from app.otp.codes import CodeHasher
from app.otp.fraud import FraudStore
from app.otp.insights import InsightsStore
from app.otp.service import OtpService
from app.store import keys
from app.store.api_keys import ApiKeyStore
from app.store.audit import AuditTrail
from app.store.connection import RedisClient, connect_settings, jobs_connection
from app.store.customer_index import CustomerIndex
from app.store.customers import CustomerKeys
from app.store.fraud import RedisFraudStore
from app.store.handoffs import RedisHandoffIndex
from app.store.insights import RedisInsightsStore
from app.store.login_limits import LoginLimiter
from app.store.outbox import OutboxStore
from app.store.persistence import check_persistence
from app.store.records import RedisRecordStore
from app.store.staff import StaffUsers
from app.store.tracking import FallbackSteps
from app.store.turns import RedisTurnStore, TurnSettings
from app.store.verify_services import VerifyServiceStore
from app.wiring.checks import restart_impact, version_checks
from app.wiring.customers import CustomerData
from app.wiring.inbox import Events, HandoffHooks, Inbox
from app.wiring.jobs import JobSettings, RqJobs
from app.wiring.otp_build import build_otp
from app.wiring.otp_glue import ChatOtp, FallbackOtp

log = logging.getLogger(__name__)


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
    #: The staff inbox: the handoffs, staff replies, releases, their timers and events.
    inbox: Inbox
    events: Events
    records: RedisRecordStore
    conversation: ConversationSettings
    #: Twilio Verify services for the /v2 API (configuration, kept in Redis).
    verify_services: VerifyServiceStore
    #: Staff accounts and sessions, their failed-login windows, the audit trail.
    staff: StaffUsers
    login_limits: LoginLimiter
    audit: AuditTrail
    #: Background jobs (fallback sends, "no receipt yet" checks) on rq.
    jobs: RqJobs | None
    #: The keyed hash Redis knows numbers and e-mail addresses by.
    hasher: CodeHasher
    #: A customer's data: export and erasure (docs/privacy.md).
    customers: CustomerData
    #: The fraud guard's counts, blocks and lists, and the OTP insights' buckets.
    fraud: FraudStore
    insights: InsightsStore
    #: The flows' back end; conversation tests route their own conversation elsewhere.
    backend: RoutedBackend


def build(
    settings: Settings,
    clock: Callable[[], datetime] = utc_now,
    otp: OtpPort | None = None,
    *,
    twilio_http_client: HttpClientFactory | None = None,
) -> Services:
    """Wire one app. ``otp`` replaces the chat flows' OTP port (tests only)."""
    # OTP messages render from the serving version's templates once the flow
    # registry exists (built below, after the channels it needs).
    started_with = Templates(settings.templates_dir, locales=settings.locales)
    templates = LiveTemplates(lambda: started_with)
    redis = connect_settings(settings)
    if settings.production:
        check_persistence(redis, settings.raw)
    metrics = Metrics()
    retention = settings.retention
    # One keyed hash of numbers and e-mail addresses for every key that must not
    # name them (OTP tags, send limits, opt-outs, the audit trail).
    hasher = CodeHasher(settings.secret_key)
    outbox = OutboxStore(redis, retention.outbox)
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
        digest=hasher.destination,
        retention=retention,
    )
    otp_service = build_otp(settings, redis, clock, channels, metrics, hasher)
    jobs = _jobs(settings)
    delivery_status = DeliveryStatus(
        channels.log,
        FallbackSteps(redis),
        channels.opt_outs,
        channel_settings.fallback,
        metrics,
        waits=dict(channel_settings.fallback_waits),
        jobs=jobs,
        target=FallbackOtp(otp_service),
        # No receipts ever come without a status callback URL, nor in the sandbox:
        # waiting for one there would fall back every time.
        watching=bool(channel_settings.public_url) and not channel_settings.sandbox,
    )
    channels.watch = delivery_status.sent
    turn_store = RedisTurnStore(
        redis,
        TurnSettings(
            session_ttl=settings.session_ttl,
            lease_ms=int(settings.lock_timeout * 1000),
            wait_s=min(13.0, settings.lock_timeout + 2),
            seen_ttl=retention.replies,
            profile_ttl=retention.profile,
        ),
        clock=lambda: clock().timestamp(),
    )
    conversation = ConversationSettings.from_mapping(settings.raw)
    records = RedisRecordStore(redis, retention.backend_record)
    handoff_index = RedisHandoffIndex(redis)
    # The engine tells the inbox of each handoff's start and end (built below, late bound).
    hooks = HandoffHooks(
        handoff_index,
        started=lambda cid, until, handoff: inbox.started(cid, until, handoff),
        ended=lambda cid: inbox.ended_by_bot(cid),
    )
    backend = RoutedBackend(_backend(settings, conversation, records, clock))
    customer_index = CustomerIndex(redis)

    def link(customer: str, address: str) -> None:
        key = keys.customer_emails(hasher.destination(customer))
        customer_index.add(key, retention.delivery, address)

    chat_otp = otp if otp is not None else ChatOtp(otp_service, link)
    engine_settings = EngineSettings(
        session_ttl=settings.session_ttl,
        default_locale=settings.default_locale,
        handoff_timeout=conversation.handoff_timeout,
        reply_timeout=conversation.reply_timeout,
    )

    def build_bot(flowset: FlowSet, flow_templates: Templates, version: str) -> FlowBot:
        return FlowBot(
            flowset,
            flow_templates,
            backend=backend,
            otp=chat_otp,
            handoffs=hooks,
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
        checks=version_checks(channel_settings.brand, otp_service.settings),
        locales=settings.locales,
        impact=restart_impact(redis),
    )
    templates.follow(lambda: flows.current.templates)
    audit = AuditTrail(redis, retention.audit)
    events = Events(_event_sender(settings, conversation, clock), redis, jobs, clock)
    if events.on:
        otp_service.on_checked = events.verification
    desk = HandoffDesk(turn_store, handoff_index, clock, bot=lambda: flows.current.bot)
    inbox = Inbox(
        desk,
        ChatMessages(channels),
        events,
        jobs,
        hasher.destination,
        conversation.reply_timeout,
    )
    customers = CustomerData(
        CustomerKeys(redis), hasher, turn_store, channels.opt_outs, audit, clock
    )
    return Services(
        settings=settings,
        redis=redis,
        clock=clock,
        metrics=metrics,
        templates=templates,
        outbox=outbox,
        turns=TurnRunner(
            turn_store, ServingBot(lambda: flows.current.bot), clock, retention.history
        ),
        turn_store=turn_store,
        channels=channels,
        delivery_status=delivery_status,
        otp=otp_service,
        api_keys=ApiKeyStore(redis, (settings.raw.get("SANDI_API_KEYS") or "").split(",")),
        flows=flows,
        handoffs=desk,
        inbox=inbox,
        events=events,
        records=records,
        conversation=conversation,
        verify_services=VerifyServiceStore(redis),
        staff=StaffUsers(redis),
        login_limits=LoginLimiter(redis, settings.raw, settings.redis_url),
        audit=audit,
        jobs=jobs,
        hasher=hasher,
        customers=customers,
        fraud=RedisFraudStore(redis),
        insights=RedisInsightsStore(redis),
        backend=backend,
    )


def _event_sender(
    settings: Settings, conversation: ConversationSettings, clock: Callable[[], datetime]
) -> EventSender | None:
    if not conversation.events_url:
        return None
    secret = (settings.raw.get("SANDI_EVENTS_SECRET") or "").strip() or settings.secret_key
    return EventSender(conversation.events_url, secret, clock=lambda: clock().timestamp())


def _jobs(settings: Settings) -> RqJobs | None:
    """rq on the same Redis; None (with an error logged) where rq cannot run."""
    connection = jobs_connection(settings)
    if connection is None:
        # Production refuses this at start (app.config.production_refusals); here it is
        # development, which keeps running without background jobs.
        problem = jobs_cluster_problem(settings.redis_url, settings.raw.get("SANDI_JOBS_REDIS_URL"))
        log.warning("%s (development keeps running without a job queue)", problem)
        return None
    return RqJobs(connection, JobSettings.from_settings(settings))


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
