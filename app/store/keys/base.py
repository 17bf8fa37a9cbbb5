"""The shape of every key (``sandi:{<tag>}:<facet>``) and the registry of one customer's keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

PREFIX = "sandi"

# --- One customer's data: the registry export and erasure read ----------------
# Every key that holds something about one customer is registered here, with
# the scope that names it: a conversation id (``wa:+62...``, ``sms:+62...``), a
# destination digest (the keyed hash of a number or e-mail address, see
# app.otp.codes.CodeHasher.destination) or an address in clear. Keys whose names
# are not known in advance (one per MessageSid, per verification, per provider
# message) are listed in an index set under the same hash tag as their owner
# (conversation_index, destination_index), by the code that writes them.
# app.store.customers finds, exports and erases a customer from this list alone:
# a new kind of customer data registers its builder here and nothing else.

Scope = Literal["conversation", "destination", "address"]


@dataclass(frozen=True, slots=True)
class CustomerKey:
    kind: str  # the section of the export it appears in
    scope: Scope
    build: Callable[[str], str]
    #: Kept by an erasure (it holds no personal data in clear, e.g. a hashed opt-out).
    kept: bool = False


CUSTOMER_KEYS: list[CustomerKey] = []


def customer_key(
    kind: str, scope: Scope, *, kept: bool = False
) -> Callable[[Callable[[str], str]], Callable[[str], str]]:
    """Register a key builder of one customer's data (see the block above)."""

    def register(build: Callable[[str], str]) -> Callable[[str], str]:
        CUSTOMER_KEYS.append(CustomerKey(kind, scope, build, kept))
        return build

    return register


def key(tag: str, facet: str) -> str:
    """The key of one facet of what ``tag`` owns (the hash tag keeps them on one slot)."""
    return f"{PREFIX}:{{{tag}}}:{facet}"


@dataclass(frozen=True, slots=True)
class SharedKey:
    """A key many customers share (see ``SHARED_CUSTOMER_KEYS``)."""

    kind: str
    build: Callable[[], str]
    holds: Literal["conversation_ids", "entries"]
