"""What an operator does to the fraud guard: lists, blocks, unblocking.

Shared by ``sandi fraud`` and the staff page, so both name things alike. A
block is named by what the operator knows — a number or prefix (``+62812``
... or a whole number: its prefix is lifted), a country code — or by the
id ``sandi fraud list`` shows (``prefix:<digest>``), since a blocked prefix
is stored only as a keyed digest.
"""

from __future__ import annotations

from datetime import datetime

from app.otp.codes import CodeHasher
from app.otp.errors import invalid
from app.otp.fraud import Block, FraudStore, prefix_of
from app.otp.fraud_lists import ACTIONS, KINDS, ListEntry, normalise

#: A whole E.164 number has at least this many characters ("+" and 7 digits).
_MIN_NUMBER = 8


def set_entry(
    store: FraudStore, kind: str, value: str, action: str, note: str, now: datetime
) -> ListEntry:
    if kind not in KINDS:
        raise invalid("kind", f"must be one of {', '.join(KINDS)}")
    if action not in ACTIONS:
        raise invalid("action", f"must be one of {', '.join(ACTIONS)}")
    entry = ListEntry(
        kind, normalise(kind, value), action, note.strip()[:200],
        now.isoformat(timespec="seconds"),
    )  # fmt: skip
    store.set_entry(entry)
    return entry


def remove_entry(store: FraudStore, kind: str, value: str) -> bool:
    return store.remove_entry(kind, normalise(kind, value))


def unblock_target(target: str) -> tuple[str, str]:
    """(scope, id) of the block an operator names."""
    text = target.strip()
    if text.startswith(("prefix:", "country:")):
        scope, _, scope_id = text.partition(":")
        return scope, scope_id
    if len(text) == 2 and text.isalpha():
        return "country", text.upper()
    number = normalise("prefix", text)
    if len(number) < _MIN_NUMBER + 1:
        raise invalid("target", "give a whole number, its prefix with 4 digits cut, or an id")
    # A whole number (11+ digits) or a prefix as the list shows it: try both readings.
    return "prefix", number


def unblock(store: FraudStore, hasher: CodeHasher, target: str) -> bool:
    """Lift a block and forget its counts; True if there was something to lift."""
    scope, scope_id = unblock_target(target)
    if scope == "prefix" and scope_id.startswith("+"):
        number = scope_id
        candidates = {hasher.scope("prefix", prefix_of(number)), hasher.scope("prefix", number)}
        return any([store.unblock("prefix", digest) for digest in sorted(candidates)])
    return store.unblock(scope, scope_id)


def active_blocks(store: FraudStore, now_ms: int) -> list[Block]:
    return store.blocks(now_ms)
