"""A customer's rights under Indonesia's PDP law: see (export) and erase what Sandi holds.

``sandi customers export|forget`` and ``GET|DELETE /v1/customers/<number>``
both call :class:`CustomerData`. It names the customer's keys from the
registry in :mod:`app.store.keys` (their conversations on WhatsApp and SMS,
their number's and linked e-mail addresses' verifications, deliveries and
outbox), reads or erases them through :mod:`app.store.customers`, and writes
the request to the audit trail under the number's keyed digest.

What survives an erasure holds no number in clear: opt-outs (a STOP keeps
blocking sends, under the keyed digest), send-limit windows (named by the
digest), and the audit entry of the erasure itself.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from app.content.messages import Channel, conversation_id
from app.numbers import national_digits, to_e164
from app.otp.codes import CodeHasher
from app.otp.destinations import parse_destination
from app.otp.errors import OtpError
from app.store import keys
from app.store.audit import AuditTrail
from app.store.customers import CustomerKeys, Subject
from app.store.tracking import OptOuts
from app.store.turns import LostLock, RedisTurnStore

#: Fields that hold a code, a code's hash or a digest: never in an export.
SECRET_FIELDS = frozenset({"hash", "code", "code_hash", "open_field", "html", "twilio"})
#: What an export shows of a sandbox outbox entry.
OUTBOX_FIELDS = ("sid", "channel", "to", "created_at")
#: Facet of an indexed key -> the export section it belongs to.
_SECTIONS = (("seen:", "replies"), ("backend:", "backend_requests"), ("v:", "verifications"))


class NotACustomer(ValueError):
    """The identifier is neither a phone number nor an e-mail address."""


def normalise(raw: str, region: str = "ID") -> str:
    """``+62812...``, ``62812...``, ``0812...``, ``whatsapp:+62...`` or an e-mail -> one form.

    Any number that could be written from (the ``possible`` rule, as for webhook
    senders): a customer's data may belong to a test or foreign number.
    """
    text = raw.strip().removeprefix("whatsapp:").strip()
    if "@" in text:
        try:
            return parse_destination(text, "email").address
        except OtpError as err:
            raise NotACustomer(err.message) from None
    if text[:1].isdigit() and not text.startswith("0"):
        text = "+" + text  # 62812...: the country code without its plus
    e164 = to_e164(text, "possible", region)
    if e164 is None:
        raise NotACustomer("give a phone number (e.g. +6281234567890) or an e-mail address")
    return e164


def spellings(address: str) -> tuple[str, ...]:
    """Every way the address may be written in a value, longest first."""
    if "@" in address:
        return (address,)
    national = "0" + national_digits(address)
    return (f"whatsapp:{address}", address, address.lstrip("+"), national)


class CustomerData:
    def __init__(
        self,
        customers: CustomerKeys,
        hasher: CodeHasher,
        turn_store: RedisTurnStore,
        opt_outs: OptOuts,
        audit: AuditTrail,
        clock: Callable[[], datetime],
    ) -> None:
        self.customers = customers
        self.hasher = hasher
        self.turn_store = turn_store
        self.opt_outs = opt_outs
        self.audit = audit
        self.clock = clock

    def subject(self, address: str) -> Subject:
        """The keys' names for ``address`` (normalised) and the e-mails linked to it."""
        addresses = [address]
        conversations: tuple[str, ...] = ()
        outbox = [address]
        if "@" not in address:
            addresses += self.customers.linked(self.hasher.destination(address))
            conversations = tuple(conversation_id(c, address) for c in Channel)
            outbox += [f"whatsapp:{address}", *addresses[1:]]
        names = tuple(s for a in addresses for s in spellings(a))
        return Subject(
            conversations=conversations,
            digests={a: self.hasher.destination(a) for a in addresses},
            outbox=tuple(outbox),
            spellings=tuple(sorted(set(names), key=len, reverse=True)),
        )

    # -- see -----------------------------------------------------------------

    def export(self, address: str, actor: str) -> dict[str, Any]:
        """Everything held about the customer, as JSON-able data, without codes or hashes."""
        subject = self.subject(address)
        c = self.customers
        registered = c.registered(subject)
        members = [m for cid in subject.conversations for m in self._indexed(cid)]
        members += [m for a in subject.digests for m in self._owned(subject, a)]
        values = c.read([k for _, k in registered] + members)
        out: dict[str, Any] = {
            "customer": address,
            "exported_at": self.clock().isoformat(),
            "addresses": list(subject.digests),
            "conversations": {},
            "verifications": [],
            "deliveries": [],
            "outbox": [],
            "opt_outs": {},
        }
        for kind, key in registered:
            if key in values:
                self._place(out, kind, key, values[key], subject)
        for key in members:
            if key in values:
                self._place(out, _section(key), key, values[key], subject)
        out.update(c.shared_entries(subject))
        self._audit(actor, "customer.exported", address)
        scrubbed: dict[str, Any] = _scrubbed(out)
        return scrubbed

    def _place(self, out: dict[str, Any], kind: str, key: str, value: Any, s: Subject) -> None:
        if kind in {"session", "profile", "replies", "backend_requests"}:
            cid = key[key.find("{") + 1 : key.find("}")]
            channel = Channel.WHATSAPP.value if cid.startswith("wa:") else Channel.SMS.value
            conv = out["conversations"].setdefault(channel, {})
            if kind in {"session", "profile"}:
                conv[kind] = value
            else:
                conv.setdefault(kind, []).append(value)
        elif kind == "verifications":
            out["verifications"].append(value)
        elif kind == "deliveries":
            out["deliveries"].append(value)
        elif kind == "outbox":
            # What was sent, not its text: the text of a code message is the code.
            out["outbox"].extend({k: e.get(k) for k in OUTBOX_FIELDS} for e in value)
        elif kind == "opt_out":
            address = next(a for a, d in s.digests.items() if keys.opt_out(d) == key)
            out["opt_outs"].setdefault(address, {}).update(value)
        elif kind == "opt_out_legacy":
            address = next(a for a in s.digests if keys.legacy_opt_out(a) == key)
            out["opt_outs"].setdefault(address, {}).update(value)
        elif kind == "emails":
            out["verified_emails"] = value
        elif kind == "verifications_open":
            mine = {d for d in s.digests.values()}
            out["open_verifications"] = {
                f.partition(":")[0]: v
                for f, v in value.items()
                if not f.startswith("claim:") and f.partition(":")[2] in mine
            }

    # -- erase ---------------------------------------------------------------

    def forget(self, address: str, actor: str) -> dict[str, Any]:
        """Erase the customer; returns what was done (no number in it)."""
        subject = self.subject(address)
        c = self.customers
        for own in subject.digests:
            self.opt_outs.move_legacy(own)
        kept_out: list[str] = []
        for cid in subject.conversations:
            mine = [k for _, k in c.registered(subject, kept=False, only=("conversation", cid))]
            kept_out += self._forget_conversation(cid, address, mine)
        for own, digest in subject.digests.items():
            mine = [k for _, k in c.registered(subject, kept=False, only=("destination", digest))]
            members = self._owned(subject, own)
            fallbacks = [keys.fallback_steps(m.rsplit(":v:", 1)[1]) for m in members if ":v:" in m]
            opened = keys.destination_open(digest)
            c.erase_destination(digest, [k for k in mine if k != opened] + members + fallbacks)
        for own in subject.outbox:
            c.delete(k for _, k in c.registered(subject, kept=False, only=("address", own)))
        reference = self.hasher.destination(address)
        c.erase_shared(subject, f"customer:{reference}")
        self._audit(actor, "customer.erased", address)
        return {"customer": reference, "erased": True, "opt_outs_kept": sorted(set(kept_out))}

    def _forget_conversation(self, cid: str, number: str, mine: list[str]) -> list[str]:
        """Under the conversation's lock: carry an opt-out over (hashed), delete the rest."""
        lock_keys = [keys.lock_queue(cid), keys.lock_leases(cid)]
        for _ in range(3):
            token = secrets.token_hex(8)
            _, raw_profile = self.turn_store.acquire(
                lock_keys, token, [keys.session(cid), keys.profile(cid)]
            )
            members = self._indexed(cid)
            channel = Channel.WHATSAPP.value if cid.startswith("wa:") else Channel.SMS.value
            profile = json.loads(raw_profile) if raw_profile else {}
            opted = isinstance(profile, dict) and bool(profile.get("opted_out"))
            if opted:
                self.opt_outs.add(number, channel)
            if self.customers.erase_conversation(lock_keys, token, mine + members):
                return [channel] if opted or self.opt_outs.has(number, channel) else []
        raise LostLock("the conversation stayed busy; nothing of it was erased, try again")

    def _indexed(self, cid: str) -> list[str]:
        index = keys.conversation_index(cid)
        return self.customers.indexed([index])[index]

    def _owned(self, subject: Subject, address: str) -> list[str]:
        """The keys the address's index lists that are the address's (the index is
        shared by the rare destinations whose digests begin alike)."""
        index = keys.destination_index(subject.digests[address])
        return self.customers.owned(self.customers.indexed([index])[index], address)

    def _audit(self, actor: str, action: str, address: str) -> None:
        digest = self.hasher.destination(address)
        self.audit.record(self.clock(), actor, action, "", "-", customer=digest)


def _section(key: str) -> str:
    facet = key.rsplit("}:", 1)[1]
    for prefix, section in _SECTIONS:
        if facet.startswith(prefix):
            return section
    return "deliveries" if facet == "delivery" else facet


def _scrubbed(value: Any) -> Any:
    """Drop every field that could hold a code or a hash, at any depth."""
    if isinstance(value, dict):
        return {k: _scrubbed(v) for k, v in value.items() if k not in SECRET_FIELDS}
    if isinstance(value, list):
        return [_scrubbed(v) for v in value]
    return value
