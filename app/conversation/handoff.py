"""The staff side of a handoff: who waits, replies, notes, and giving it back to the bot.

A handoff step mutes the bot for one conversation (``profile["handoff"]``, see
:mod:`app.conversation.handoff_state`) until a staff member releases it, its
timeout passes, or nobody answered in time and the flow's ``on_timeout`` runs.
Every change here goes through the same per-conversation lock as a customer's
message, so it never races a turn. The list of waiting conversations is the
index filtered by the profiles (the truth): ``sandi handoff list``, the release,
``/v1/handoffs`` and ``/inbox`` all judge "waiting" by :func:`active`, so they
cannot disagree (an index entry whose profile no longer waits — the simulator
reset it, a customer erasure, a turn that never saved — is not listed, and its
handoff's end job removes it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from app.content.messages import Channel, Conversation, InboundMessage, Reply, conversation_id
from app.conversation.handoff_state import active, add_note, append_log
from app.conversation.ports import HandoffIndex, HeldTurn, TurnStore


class Resumer(Protocol):
    """The bot, as far as taking a conversation back goes (``FlowBot.resume``)."""

    def resume(
        self,
        message: InboundMessage,
        conversation: Conversation,
        now: datetime,
        step: str | None = None,
    ) -> tuple[Reply, ...]: ...


def parse_conversation_id(cid: str) -> tuple[Channel, str]:
    """``wa:+62...`` -> (WhatsApp, ``+62...``); raises ValueError on anything else."""
    prefix, _, number = cid.partition(":")
    for channel in Channel:
        if channel.short == prefix and number.startswith("+") and number[1:].isdigit():
            return channel, number
    raise ValueError(f"not a conversation id: {cid[:40]!r}")


@dataclass(frozen=True, slots=True)
class Waiting:
    """One conversation waiting for a person, as staff see it."""

    conversation: str
    channel: Channel
    number: str
    since: float
    until: float
    locale: str
    name: str
    assigned: str | None
    replied_at: float | None
    log: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Resumed:
    """A conversation the bot took back, and what it says to the customer now."""

    conversation: str
    channel: Channel
    number: str
    replies: tuple[Reply, ...]
    handoff: Waiting


def view_of(cid: str, handoff: dict[str, Any]) -> Waiting:
    channel, number = parse_conversation_id(cid)
    replied = handoff.get("replied_at")
    return Waiting(
        conversation=cid,
        channel=channel,
        number=number,
        since=float(handoff.get("since") or 0),
        until=float(handoff.get("until") or 0),
        locale=str(handoff.get("locale") or ""),
        name=str(handoff.get("name") or ""),
        assigned=str(handoff["assigned"]) if handoff.get("assigned") else None,
        replied_at=float(replied) if isinstance(replied, int | float) else None,
        log=[e for e in handoff.get("log") or [] if isinstance(e, dict)],
        notes=[n for n in handoff.get("notes") or [] if isinstance(n, dict)],
    )


class HandoffDesk:
    def __init__(
        self,
        store: TurnStore,
        index: HandoffIndex | None,
        clock: Callable[[], datetime],
        bot: Callable[[], Resumer] | None = None,
    ) -> None:
        self.store = store
        self.index = index
        self.clock = clock
        #: The serving bot (a reload may swap it between calls).
        self.bot = bot

    # -- reading ---------------------------------------------------------------

    def waiting(self) -> list[Waiting]:
        """Every conversation waiting for a person, the longest-waiting first."""
        if self.index is None:
            return []
        now = self.clock().timestamp()
        listed = [cid for cid, _ in self.index.active(now)]
        found = []
        for cid, profile in zip(listed, self.store.profiles(listed), strict=True):
            try:
                handoff = active(profile, now)
                view = view_of(cid, handoff) if handoff is not None else None
            except ValueError:
                view = None
            if view is not None:  # else reset, erased, or a turn still saving: not waiting
                found.append(view)
        return sorted(found, key=lambda w: (w.since, w.conversation))

    def get(self, cid: str) -> Waiting | None:
        handoff = active(self.store.peek(cid).profile, self.clock().timestamp())
        return view_of(cid, handoff) if handoff is not None else None

    # -- staff actions (each under the conversation's lock) ---------------------

    @contextmanager
    def _held(self, cid: str) -> Iterator[tuple[HeldTurn, dict[str, Any] | None, float]]:
        with self.store.hold(cid, f"desk-{secrets.token_hex(8)}") as held:
            now = self.clock().timestamp()
            yield held, active(held.conversation.profile, now), now

    def reply(self, cid: str, by: str, text: str) -> Waiting | None:
        """Note a staff reply that went out (the handoff is assigned to its sender if it was not)."""
        with self._held(cid) as (held, handoff, now):
            if handoff is None:
                return None
            append_log(handoff, now, f"staff:{by}", text)
            handoff["replied_at"] = now
            handoff.setdefault("assigned", by)
            held.save(())
            return view_of(cid, handoff)

    def assign(self, cid: str, by: str) -> Waiting | None:
        with self._held(cid) as (held, handoff, _):
            if handoff is None:
                return None
            handoff["assigned"] = by
            held.save(())
            return view_of(cid, handoff)

    def note(self, cid: str, by: str, text: str) -> Waiting | None:
        """An internal note: staff only, never sent to the customer."""
        with self._held(cid) as (held, handoff, now):
            if handoff is None:
                return None
            add_note(handoff, now, by, text)
            held.save(())
            return view_of(cid, handoff)

    # -- giving the conversation back --------------------------------------------

    def release(self, number: str, channel: Channel | None = None) -> list[Resumed]:
        """Release ``number`` on one channel or both; what the bot now tells each."""
        released = []
        for ch in [channel] if channel else list(Channel):
            done = self._resume(conversation_id(ch, number), None, "release")
            if done is not None:
                released.append(done)
        return released

    def no_reply(self, cid: str, until: float) -> Resumed | None:
        """Nobody replied in time: the flow's ``on_timeout`` step, if it has one.

        ``until`` names the handoff (a later handoff of the same customer has
        another), so a job scheduled for an earlier one does nothing.
        """
        return self._resume(cid, until, "no_reply")

    def expire(self, cid: str, until: float) -> Resumed | None:
        """The handoff's time ran out with nobody writing: the bot is back, and says so."""
        return self._resume(cid, until, "expire")

    def mark_over(self, cid: str) -> None:
        """The customer could not be told the handoff ended: the bot says it on their next message."""
        with self.store.hold(cid, f"desk-{secrets.token_hex(8)}") as held:
            if not isinstance(held.conversation.profile.get("handoff"), dict):
                held.conversation.profile["handoff_over"] = True
                held.save(())

    def _resume(self, cid: str, until: float | None, why: str) -> Resumed | None:
        with self.store.hold(cid, f"desk-{secrets.token_hex(8)}") as held:
            profile = held.conversation.profile
            raw = profile.get("handoff")
            if not isinstance(raw, dict) or self.bot is None:
                return None
            now_dt = self.clock()
            live = active(profile, now_dt.timestamp())
            if until is not None and float(raw.get("until") or 0) != until:
                return None
            step: str | None = None
            if why == "no_reply":
                step = str(raw.get("on_timeout") or "")
                if live is None or raw.get("replied_at") or not step:
                    return None
            elif (live is None) == (why == "release"):
                return None  # a release needs a live handoff, an expiry a finished one
            view = view_of(cid, raw)
            message = InboundMessage(
                channel=view.channel,
                sender=view.number,
                recipient="",
                body="",
                message_sid=f"desk-{secrets.token_hex(8)}",
                received_at=now_dt,
                profile_name=view.name or None,
            )
            replies = self.bot().resume(message, held.conversation, now_dt, step)
            held.save(())
        if self.index is not None:
            self.index.remove(cid)
        return Resumed(cid, view.channel, view.number, replies, view)
