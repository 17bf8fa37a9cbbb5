"""The one handoff state: ``profile["handoff"]`` of a conversation, and what it holds.

The profile is read and written with every turn under the conversation's lock,
so keeping the handoff there costs the webhook no extra Redis round trip, and a
turn, a staff reply and a release can never disagree about it: whoever holds
the lock sees the truth. The handoff list (``HandoffIndex``) only says which
profiles to look at; a conversation is *waiting* when its profile has a handoff
whose ``until`` is still ahead (:func:`active`), for the list, the release, the
inbox and the API alike.

The dict holds what staff need for the handoff's life and no longer (it is
removed when the handoff ends): ``since``, ``until``, ``flow``, ``on_timeout``
(the step the bot runs when nobody answered in time), ``locale``, ``name`` (the
WhatsApp profile name), ``assigned``, ``notes`` (internal, never sent),
``replied_at`` (the last staff reply) and ``log``: the handoff's own transcript
(customer, bot and staff messages since the handoff began, plus the session
history when the operator keeps one), bounded, with code-like numbers masked.
"""

from __future__ import annotations

import re
from typing import Any

#: Transcript entries kept per handoff, and characters per entry.
LOG_LIMIT = 40
LOG_CHARS = 500
NOTES_LIMIT = 20
#: A standalone run of 6-8 digits: what Sandi's codes look like (NIST: at least 6
#: digits); phone numbers are longer, order numbers usually shorter.
_CODE = re.compile(r"(?<![\d+])\d{6,8}(?!\d)")


def mask_codes(text: str) -> str:
    """``"kode 123456"`` -> ``"kode ••••••"``: staff never read a customer's code."""
    return _CODE.sub(lambda m: "\u2022" * len(m.group()), text)


def active(profile: dict[str, Any], now: float) -> dict[str, Any] | None:
    """The profile's handoff if it still mutes the bot at ``now``, else None."""
    handoff = profile.get("handoff")
    if not isinstance(handoff, dict):
        return None
    try:
        until = float(handoff.get("until") or 0)
    except (TypeError, ValueError):
        return None
    return handoff if now < until else None


def append_log(handoff: dict[str, Any], at: float, who: str, text: str) -> None:
    """Add one message to the transcript (masked, cut, the oldest dropped)."""
    log = handoff.setdefault("log", [])
    if not isinstance(log, list):
        log = handoff["log"] = []
    log.append({"at": round(at, 3), "who": who, "text": mask_codes(text)[:LOG_CHARS]})
    del log[:-LOG_LIMIT]


def add_note(handoff: dict[str, Any], at: float, by: str, text: str) -> None:
    notes = handoff.setdefault("notes", [])
    if not isinstance(notes, list):
        notes = handoff["notes"] = []
    notes.append({"at": round(at, 3), "by": by, "text": mask_codes(text)[:LOG_CHARS]})
    del notes[:-NOTES_LIMIT]


def history_entries(session: dict[str, Any]) -> list[dict[str, Any]]:
    """The session history (kept only when ``SANDI_HISTORY_TTL`` is on) as log entries."""
    history = session.get("history")
    if not isinstance(history, list):
        return []
    return [
        {"at": float(h.get("at", 0)), "who": "customer", "text": mask_codes(str(h["in"]))}
        for h in history
        if isinstance(h, dict) and "in" in h
    ]
