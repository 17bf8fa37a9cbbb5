"""The flow engine: the :class:`~app.conversation.turns.Bot` Sandi runs.

Each message goes through the same order, first match wins:

1. opted out: silence, unless the message is START/MULAI;
2. handed off to a person: silence (STOP still works) until released or timed out;
3. the session went idle past its expiry: a friendly note, then a fresh start;
4. global commands (menu, batal/cancel, bantuan/help, a language, STOP, cs/agent,
   and any a marketer adds), whole message, any case — they win over any flow;
5. the step waiting for an answer takes it;
6. otherwise: a button or number from the last reply, a flow trigger, an FAQ
   answer, the welcome menu for a first message, or "I didn't understand"
   with a way to the menu or a person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.content import flows as f
from app.content.messages import Conversation, InboundMessage, Reply, Turn
from app.content.render import Templates
from app.content.text import normalise
from app.conversation.dialogue import Dialogue, merge
from app.conversation.faq import FaqIndex
from app.conversation.handoff_state import append_log
from app.conversation.language import country_locale, detect
from app.conversation.otp_steps import OtpSteps
from app.conversation.ports import Backend, HandoffIndex, OtpPort
from app.conversation.routing import Router
from app.conversation.steps import DEFAULT_HANDOFF, Steps
from app.logs import mask

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    session_ttl: int = 30 * 60
    default_locale: str = "id"
    handoff_timeout: int = DEFAULT_HANDOFF
    #: Seconds without a staff reply before a handoff step's ``on_timeout`` runs.
    reply_timeout: int = 600


class FlowBot:
    def __init__(
        self,
        flowset: f.FlowSet,
        templates: Templates,
        *,
        backend: Backend,
        otp: OtpPort | None = None,
        handoffs: HandoffIndex | None = None,
        settings: EngineSettings | None = None,
        passthrough: tuple[type[BaseException], ...] = (),
        version: str = "",
    ) -> None:
        self.flowset = flowset
        #: The content hash of the flows and templates this bot runs (see snapshot.py).
        self.version = version
        self.templates = templates
        self.settings = settings or EngineSettings()
        self.handoffs = handoffs
        #: Errors that must reach the web layer (Redis down -> 503, so Twilio retries).
        self.passthrough = passthrough
        self.faq = FaqIndex(flowset.faq)
        self.steps = Steps(
            self.faq,
            OtpSteps(otp, flowset.commands.words.get("resend", ())),
            backend,
            self.settings.handoff_timeout,
        )
        self.router = Router(self.steps, self.faq)

    def handle(self, message: InboundMessage, conversation: Conversation, now: datetime) -> Turn:
        d = Dialogue(self.flowset, self.templates, message, conversation, now)
        try:
            self._handle(d)
        except self.passthrough:
            raise
        except Exception:
            # Never a 500 for Twilio, never a conversation stuck in a broken step.
            log.exception(
                "turn failed for %s; starting the conversation afresh", mask(conversation.id)
            )
            d.replies.clear()
            d.reset_session()
            d.say("common/error", d.offer(d.escape_buttons()))
        if d.replies or not self._silent(d):
            d.session["last_at"] = d.ts
            d.session["locale"] = d.locale
        self._remember_open_flow(d)
        if d.flow_id:
            d.session["flow_version"] = self.version
        return Turn(replies=merge(d.replies))

    def resume(
        self,
        message: InboundMessage,
        conversation: Conversation,
        now: datetime,
        step: str | None = None,
    ) -> tuple[Reply, ...]:
        """Take a handed-off conversation back with no customer message to answer.

        A release (staff, CLI, API) says ``common/handoff_over``; nobody answering
        in time runs the handoff step's ``on_timeout`` step (``step``) instead. The
        replies are the customer's to be sent by REST (``message`` is synthetic:
        the caller's clock, the handoff's profile name). In the handoff's language.
        """
        d = Dialogue(self.flowset, self.templates, message, conversation, now)
        handoff = d.profile.pop("handoff", None)
        d.profile.pop("handoff_over", None)
        self._take_back(d, handoff if isinstance(handoff, dict) else {}, step)
        d.session["last_at"], d.session["locale"] = d.ts, d.locale
        self._remember_open_flow(d)
        return merge(d.replies)

    def _take_back(self, d: Dialogue, handoff: dict[str, Any], step: str | None) -> None:
        """The bot speaks again, in the handoff's language: ``step`` of the handoff's
        flow (its ``on_timeout``), or that the chat with staff has ended."""
        saved = handoff.get("locale")
        d.locale = str(saved) if saved in d.flowset.locales else self.locale(d, None)
        flow_id = handoff.get("flow")
        d.reset_session()
        flow = self.flowset.flows.get(flow_id) if isinstance(flow_id, str) else None
        if step and flow is not None and flow.step(step) is not None:
            self.steps.run(d, flow.id, step)
        else:
            d.say("common/handoff_over")

    def _handle(self, d: Dialogue) -> None:
        message, profile = d.message, d.profile
        text = message.body or ""
        command = self.command(text, message.button_payload)
        if profile.get("opted_out"):
            if command != "start":
                return
            profile.pop("opted_out", None)
            d.reset_session()
            d.locale = self.locale(d, None)
            d.say("common/opted_in")
            self.steps.start(d, self.flowset.menu_flow)
            return
        if not self._handoff_allows(d, command):
            return
        self._expire(d)
        d.locale = self.locale(d, command)
        if command:
            self.router.command(d, command)
            return
        step = self.steps.waiting_step(d)
        if step is None and d.flow_id:
            self._flow_changed(d)
            return
        if step is not None:
            outcome = self._step_timeout(d, step)
            if outcome == "answer":
                self.router.answer(d, step, text, message.button_payload)
                return
            if outcome == "handled":
                return
        self.router.route(d, text, message.button_payload)

    # -- the order above, piece by piece --------------------------------------

    def command(self, text: str, payload: str | None) -> str | None:
        if payload and payload.startswith("cmd:"):
            name = payload.removeprefix("cmd:")
            return name if name in self.flowset.commands.words else None
        norm = normalise(text)
        if not norm or len(norm) > 40:
            return None
        return self.flowset.commands.anywhere(norm)

    def _handoff_allows(self, d: Dialogue, command: str | None) -> bool:
        handoff = d.profile.get("handoff")
        if not isinstance(handoff, dict):
            if d.profile.pop("handoff_over", None):
                d.locale = self.locale(d, None)
                d.say("common/handoff_over")
            return True
        if command == "stop":
            d.profile.pop("handoff", None)
            self._unlist(d)
            return True
        if d.ts < float(handoff.get("until") or 0):
            step = self._unanswered(handoff, d.ts)
            if step:
                # Nobody replied in time and the timer job has not run (no worker?): now.
                d.profile.pop("handoff", None)
                self._unlist(d)
                self._take_back(d, handoff, step)
                return False
            # Muted: the message is kept for staff in the handoff's own transcript.
            append_log(handoff, d.ts, "customer", d.message.body or "")
            return False
        # The person's time ran out: the bot is back, and says so.
        d.profile.pop("handoff", None)
        self._unlist(d)
        d.reset_session()
        d.locale = self.locale(d, None)
        d.say("common/handoff_over")
        return True

    def _unanswered(self, handoff: dict[str, Any], now: float) -> str | None:
        """The ``on_timeout`` step due when no staff member replied in time, else None."""
        step = handoff.get("on_timeout")
        since = handoff.get("since")
        if not step or handoff.get("replied_at") or not isinstance(since, int | float):
            return None
        return str(step) if now - float(since) >= self.settings.reply_timeout else None

    def _unlist(self, d: Dialogue) -> None:
        if self.handoffs is not None:
            self.handoffs.remove(d.conversation.id)

    def _expire(self, d: Dialogue) -> None:
        """Idle past SANDI_SESSION_TTL: start afresh, and say so if a flow was open."""
        last = d.session.get("last_at")
        idle = isinstance(last, int | float) and d.ts - float(last) > self.settings.session_ttl
        # Redis dropped the session itself (real time passed): the profile remembers the flow.
        dropped = last is None and bool(d.profile.get("open_flow"))
        if not idle and not dropped:
            return
        was_in_flow = bool(d.session.get("flow")) or dropped
        d.reset_session()
        d.profile.pop("open_flow", None)
        if was_in_flow:
            d.locale = self.locale(d, None)
            d.say("common/session_expired")

    def _flow_changed(self, d: Dialogue) -> None:
        """The step the customer waits in is gone from the flows now running.

        A reload replaced the flows since the customer got here; their answer
        belongs to a question that no longer exists. Say so, and start the
        flow again (or the menu, if the flow itself is gone).
        """
        flow_id = d.flow_id or ""
        log.info(
            "%s waited in %s/%s (flows %s), which flows %s no longer have; restarting",
            mask(d.conversation.id),
            flow_id,
            d.step_id,
            d.session.get("flow_version") or "?",
            self.version or "?",
        )
        d.end_flow()
        d.say("common/flow_changed")
        self.steps.start(d, flow_id if flow_id in self.flowset.flows else self.flowset.menu_flow)

    def _step_timeout(self, d: Dialogue, step: f.Step) -> str:
        """``answer`` (in time), ``handled`` (on_timeout ran) or ``fresh`` (flow closed)."""
        timeout = getattr(step, "timeout", None)
        since = d.session.get("waiting_since")
        if not timeout or not isinstance(since, int | float) or d.ts - float(since) <= timeout:
            return "answer"
        on_timeout = getattr(step, "on_timeout", None)
        if on_timeout and d.flow_id:
            self.steps.run(d, d.flow_id, on_timeout)
            return "handled"
        d.end_flow()
        d.say("common/session_expired")
        return "fresh"

    def locale(self, d: Dialogue, command: str | None) -> str:
        """The language to answer in (the order is in app.conversation.language)."""
        locales = d.flowset.locales
        chosen = f.command_locale(command, locales)
        if chosen:
            return chosen
        for source in (d.profile.get("locale"), d.session.get("locale")):
            if source in locales:
                return str(source)
        return (
            detect(d.message.body or "", locales)
            or country_locale(d.message.sender, locales)
            or self.settings.default_locale
        )

    def _silent(self, d: Dialogue) -> bool:
        return bool(d.profile.get("opted_out")) or isinstance(d.profile.get("handoff"), dict)

    def _remember_open_flow(self, d: Dialogue) -> None:
        handoff = d.profile.get("handoff")
        if (
            isinstance(handoff, dict)
            and self.handoffs is not None
            and handoff.get("listed") is None
        ):
            self.handoffs.add(d.conversation.id, float(handoff["until"]), handoff)
            handoff["listed"] = True
        if d.flow_id:
            d.profile["open_flow"] = d.flow_id
        else:
            d.profile.pop("open_flow", None)
