"""The two cores on in-memory stores: no Flask app, no Redis, no channels.

:class:`OtpBench` is :class:`OtpService` on the in-memory verification store,
send limiter and delivery. :class:`ChatBench` adds the bundled demo flows'
:class:`FlowBot` and a :class:`TurnRunner` on the in-memory turn store, wired
as :func:`app.wiring.services.build` wires them (the real ``ChatOtp`` and
``RecordingBackend`` adapters), so a unit test exercises the same engine the
webhook does, in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

from app.config import ROOT
from app.content.flows import FlowSet
from app.content.messages import Channel, InboundMessage, Reply
from app.content.registry import FlowRegistry
from app.content.render import Templates
from app.conversation.engine import FlowBot
from app.conversation.handoff import HandoffDesk
from app.conversation.memory import MemoryHandoffIndex, MemoryRecordStore, MemoryTurnStore
from app.conversation.turns import TurnRunner
from app.edges.backend import RecordingBackend
from app.otp.codes import CodeHasher
from app.otp.memory import MemoryDelivery, MemorySendLimiter, MemoryVerificationStore
from app.otp.policy import OtpSettings
from app.otp.sealing import CodeSealer
from app.otp.service import OtpService
from app.wiring.otp_glue import ChatOtp
from tests.support.clock import FakeClock

CUSTOMER = "+6281234567890"
BUSINESS = "+14155238886"


class OtpBench:
    def __init__(self, clock: FakeClock, settings: OtpSettings | None = None) -> None:
        self.clock = clock
        self.settings = settings or OtpSettings()
        self.store = MemoryVerificationStore()
        self.delivery = MemoryDelivery()
        self.limiter = MemorySendLimiter(
            destination=self.settings.destination_limits,
            api_key=self.settings.api_key_limits,
            client_ip=self.settings.ip_limits,
            sender=self.settings.sender_limits,
            server=self.settings.server_limits,
            clock=lambda: clock().timestamp(),
        )
        self.otp = OtpService(
            store=self.store,
            limiter=self.limiter,
            delivery=self.delivery,
            settings=self.settings,
            hasher=CodeHasher("unit-test-secret"),
            sealer=CodeSealer("unit-test-secret"),  # as the server: a resend repeats the code
            clock=clock,
        )


class ChatBench(OtpBench):
    def __init__(
        self,
        clock: FakeClock,
        flows_dir: Path = ROOT / "flows",
        templates_dir: Path = ROOT / "templates",
        history_ttl: int = 0,
    ) -> None:
        """``history_ttl``: ``SANDI_HISTORY_TTL`` (0, the server's default: no history)."""
        super().__init__(clock)
        self.turn_store = MemoryTurnStore(lambda: clock().timestamp(), wait_s=1.0)
        self.handoffs = MemoryHandoffIndex()
        self.records = MemoryRecordStore()
        self.registry = FlowRegistry(flows_dir, templates_dir, self._bot)
        self.runner = TurnRunner(self.turn_store, self.registry.current.bot, clock, history_ttl)
        self.desk = HandoffDesk(
            self.turn_store, self.handoffs, clock, bot=lambda: self.registry.current.bot
        )
        self._sids = 0

    def _bot(self, flowset: FlowSet, templates: Templates, version: str) -> FlowBot:
        return FlowBot(
            flowset,
            templates,
            backend=RecordingBackend(self.records),
            otp=ChatOtp(self.otp),
            handoffs=self.handoffs,
            version=version,
        )

    def send(
        self,
        body: str,
        sender: str = CUSTOMER,
        channel: Channel = Channel.WHATSAPP,
        payload: str | None = None,
        sid: str | None = None,
    ) -> tuple[Reply, ...]:
        self._sids += 1
        message = InboundMessage(
            channel=channel,
            sender=sender,
            recipient=BUSINESS,
            body=body,
            message_sid=sid or f"SM{self._sids:032d}",
            received_at=self.clock(),
            profile_name="Budi" if channel is Channel.WHATSAPP else None,
            button_payload=payload,
        )
        return self.runner.run(message).replies

    def say(self, body: str, **kw: object) -> str:
        """Everything said back, one text (buttons as the numbered lines SMS would show)."""
        return "\n\n".join(_text(r) for r in self.send(body, **kw))  # type: ignore[arg-type]


def _text(reply: Reply) -> str:
    lines = [f"{i}. {b.title}" for i, b in enumerate(reply.buttons, 1)]
    return "\n".join([reply.text, *lines]) if lines else reply.text
