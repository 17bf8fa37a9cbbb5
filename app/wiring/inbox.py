"""The staff inbox behind ``/inbox``, ``sandi handoff`` and ``/v1/handoffs``: one door.

:class:`Inbox` joins the handoff desk (the state, under the conversation's
lock) to the world: a staff reply goes to the customer by REST
(:class:`app.channels.chat_messages.ChatMessages`) before it is recorded, so a
refusal (outside WhatsApp's 24-hour window) is shown to the staff member and
never logged as answered; a release tells the customer in their language; the
timers (no staff reply in time, the handoff's end) and the events webhook run
as rq jobs. Jobs carry a keyed digest of the conversation, never the number:
the job finds the conversation again in the handoff list.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from app.channels.chat_messages import ChatMessages, ChatSend
from app.content.messages import Channel, Reply
from app.conversation.handoff import (
    HandoffDesk,
    Resumed,
    Waiting,
    parse_conversation_id,
    view_of,
)
from app.conversation.ports import HandoffIndex
from app.edges.events import EventSender, new_event
from app.logs import mask
from app.otp.model import CheckResult
from app.store import keys
from app.store.connection import RedisClient
from app.wiring.jobs import RqJobs

log = logging.getLogger(__name__)


def reply_text(reply: Reply) -> str:
    """A reply as one REST message: its choices as a numbered list (typing the number works)."""
    if not reply.buttons:
        return reply.text
    lines = "\n".join(f"{i}. {b.title}" for i, b in enumerate(reply.buttons, 1))
    return f"{reply.text}\n\n{lines}" if reply.text else lines


class Events:
    """Events as durable rq jobs; none at all when ``SANDI_EVENTS_URL`` is unset."""

    def __init__(
        self,
        sender: EventSender | None,
        redis: RedisClient,
        jobs: RqJobs | None,
        clock: Callable[[], datetime],
        ttl: int = keys.EVENT_TTL,
    ) -> None:
        self.sender = sender
        self.redis = redis
        self.jobs = jobs
        self.clock = clock
        self.ttl = ttl

    @property
    def on(self) -> bool:
        return self.sender is not None and self.jobs is not None

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        if not self.on or self.jobs is None:
            return
        event = new_event(kind, data, self.clock())
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
        self.redis.set(keys.event_payload(event["id"]), body, ex=self.ttl)
        self.jobs.event(event["id"])

    def deliver(self, event_id: str) -> str:
        """The job's work: post the stored event (raises so rq retries), then forget it."""
        raw = self.redis.get(keys.event_payload(event_id))
        if raw is None or self.sender is None:
            return "gone"
        self.sender.post(json.loads(raw))
        self.redis.delete(keys.event_payload(event_id))
        return "delivered"

    def verification(self, result: CheckResult) -> None:
        kind = "verification.approved" if result.valid else "verification.failed"
        self.emit(
            kind,
            {"id": result.id, "status": result.status, "to": result.to, "purpose": result.purpose},
        )


def _conversation(w: Waiting | Resumed) -> dict[str, Any]:
    return {"conversation": w.conversation, "channel": w.channel.value, "number": w.number}


class HandoffHooks:
    """The engine's :class:`HandoffIndex`: the list, plus the inbox told of starts and ends."""

    def __init__(
        self,
        index: HandoffIndex,
        started: Callable[[str, float, Mapping[str, Any] | None], None],
        ended: Callable[[str], None],
    ) -> None:
        self.index = index
        self.started = started
        self.ended = ended

    def add(
        self, conversation_id: str, until: float, handoff: Mapping[str, Any] | None = None
    ) -> None:
        self.index.add(conversation_id, until)
        try:
            self.started(conversation_id, until, handoff)
        except RedisError:
            raise  # the turn answers 503 and Twilio retries it
        except Exception:
            # Never a 500 for Twilio: the customer is handed over, only a timer or event is lost.
            log.exception("the inbox could not note the handoff of %s", mask(conversation_id))

    def remove(self, conversation_id: str) -> None:
        self.index.remove(conversation_id)
        try:
            self.ended(conversation_id)
        except RedisError:
            raise
        except Exception:
            log.exception("the inbox could not note the end of %s", mask(conversation_id))

    def active(self, now: float) -> list[tuple[str, float]]:
        return self.index.active(now)


class Inbox:
    def __init__(
        self,
        desk: HandoffDesk,
        messages: ChatMessages,
        events: Events,
        jobs: RqJobs | None,
        digest: Callable[[str], str],
        reply_timeout: int,
    ) -> None:
        self.desk = desk
        self.messages = messages
        self.events = events
        self.jobs = jobs
        self.digest = digest
        self.reply_timeout = reply_timeout

    # -- reading ---------------------------------------------------------------

    def waiting(self) -> list[Waiting]:
        return self.desk.waiting()

    def get(self, cid: str) -> Waiting | None:
        return self.desk.get(cid)

    # -- staff actions -----------------------------------------------------------

    def reply(self, cid: str, by: str, text: str) -> tuple[ChatSend, Waiting | None]:
        """Send ``text`` to the customer, then record it; a refusal records nothing."""
        view = self.desk.get(cid)
        if view is None:
            return ChatSend(None, None, "this conversation is no longer waiting for a person"), None
        sent = self.messages.send(view.channel.value, view.number, text)
        if not sent.sent:
            log.info("staff reply to %s refused: %s", mask(cid), sent.refusal)
            return sent, view
        after = self.desk.reply(cid, by, text)
        self.events.emit(
            "handoff.staff_reply",
            {
                **_conversation(view),
                "by": by,
                "text": text,
                "message_sid": sent.sid,
                "via": sent.how,
            },
        )
        return sent, after

    def assign(self, cid: str, by: str) -> Waiting | None:
        return self.desk.assign(cid, by)

    def note(self, cid: str, by: str, text: str) -> Waiting | None:
        return self.desk.note(cid, by, text)

    def release(self, number: str, channel: Channel | None, by: str) -> list[Resumed]:
        """Give the conversation back to the bot, and tell the customer now."""
        released = self.desk.release(number, channel)
        for done in released:
            told = self._tell(done)
            self.events.emit(
                "handoff.ended",
                {**_conversation(done), "reason": "released", "by": by, "customer_told": told},
            )
        return released

    # -- what the engine and the jobs tell the inbox ------------------------------

    def started(self, cid: str, until: float, handoff: Mapping[str, Any] | None) -> None:
        """A handoff began (in a webhook turn, not yet saved): its timers, its event."""
        if self.jobs is not None:
            tag = self.digest(cid)
            self.jobs.handoff_timers(tag, until, self.reply_timeout)
        view = view_of(cid, dict(handoff)) if handoff is not None else None
        data: dict[str, Any] = {"conversation": cid, "until": until}
        if view is not None:
            data = {**_conversation(view), "name": view.name, "locale": view.locale,
                    "since": view.since, "until": view.until}  # fmt: skip
        self.events.emit("handoff.started", data)

    def ended_by_bot(self, cid: str) -> None:
        """The engine took a conversation back (STOP, or the customer wrote after the timeout)."""
        if not self.events.on:
            return  # the webhook's turn pays nothing for events nobody receives
        channel, number = parse_conversation_id(cid)
        self.events.emit(
            "handoff.ended",
            {"conversation": cid, "channel": channel.value, "number": number, "reason": "bot"},
        )

    def timer(self, tag: str, until: float, kind: str) -> str:
        """A timer job: ``no_reply`` runs the flow's ``on_timeout``, ``expire`` ends the handoff."""
        for cid, listed_until in self.desk.index.active(0) if self.desk.index else []:
            if listed_until != until or self.digest(cid) != tag:
                continue
            done = (
                self.desk.no_reply(cid, until)
                if kind == "no_reply"
                else self.desk.expire(cid, until)
            )
            if done is None:
                if kind == "expire" and self.desk.get(cid) is None and self.desk.index:
                    self.desk.index.remove(cid)  # its profile ended it some other way
                return "nothing to do"
            told = self._tell(done)
            self.events.emit(
                "handoff.ended",
                {**_conversation(done), "reason": kind, "customer_told": told},
            )
            return "resumed"
        return "not waiting"

    def _tell(self, done: Resumed) -> bool:
        texts = [reply_text(r) for r in done.replies if r.text or r.buttons]
        if not texts:
            return True
        sent = self.messages.send(done.channel.value, done.number, "\n\n".join(texts))
        if not sent.sent:
            # Not told now (outside the window): the bot says it on their next message.
            log.info(
                "could not tell %s the handoff ended: %s", mask(done.conversation), sent.refusal
            )
            self.desk.mark_over(done.conversation)
        return sent.sent
