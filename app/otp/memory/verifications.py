"""The verification store in memory: :mod:`app.store.otp`'s Lua scripts as plain Python.

See :mod:`app.otp.memory` for what these fakes are for (and what they are not).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Mapping

from app.otp.memory.expiring import Expiring
from app.otp.ports import (
    CLAIM_LEASE_MS,
    CheckOutcome,
    StartCommand,
    StartOutcome,
)

_RETRY = StartOutcome("retry")
#: A provider status's rank: a callback may only move a delivery forwards.
_RANK = {
    "queued": 1, "accepted": 1, "scheduled": 1, "sending": 2, "sent": 3,
    "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5,
}  # fmt: skip
_CLEARED_DELIVERY = {"delivery_channel": "", "message_id": "", "delivery_status": ""}


def _same(stored: str | None, candidate: str) -> bool:
    """Constant-time, and an empty (cleared) hash never matches: single use."""
    if not stored or not candidate:
        return False
    return hmac.compare_digest(stored.encode(), candidate.encode())


class MemoryVerificationStore:
    """:class:`app.otp.ports.VerificationStore` in memory (tests only, never the product)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records = Expiring()  # verification id -> its fields
        self._open = Expiring()  # destination tag -> open field -> id (and claims)
        self._tags: dict[str, str] = {}  # verification id -> its destination's tag

    def open_id(self, tag: str, open_field: str) -> str | None:
        with self._lock:
            return (self._open.get(tag) or {}).get(open_field) or None

    def get(self, verification_id: str) -> Mapping[str, str] | None:
        with self._lock:
            record = self._records.get(verification_id)
            return dict(record) if record else None

    def start(self, command: StartCommand, *, claim: bool) -> StartOutcome:
        with self._lock:
            self._tick(command.now_ms)
            return self._start(command, commit=not claim)

    def claim_soon(self, command: StartCommand) -> Callable[[], StartOutcome]:
        with self._lock:
            self._tick(command.now_ms)
            outcome = self._start(command, commit=False, create=True)
        return lambda: outcome

    def _start(self, c: StartCommand, *, commit: bool, create: bool = False) -> StartOutcome:
        now, ttl, keep = c.now_ms, c.ttl * 1000, c.retention * 1000
        cooldown = c.cooldown * 1000
        open_ = self._open.hash(c.tag)
        claim_field = f"claim:{c.open_field}"
        held = open_.get(claim_field)
        if held:
            token, _, until = held.rpartition(":")
            if token != c.token and int(until) > now:
                return StartOutcome("cooldown", max(cooldown, 1000))
            if commit and token != c.token:
                return _RETRY
        elif commit:
            return _RETRY
        current = open_.get(c.open_field, "")
        if current != c.existing_id:
            return StartOutcome("retry", open_id=current)
        if current:
            s = self._records.get(current) or {}
            status, expires = s.get("status"), int(s.get("expires_at") or 0)
            if status in ("pending", "max_attempts_reached") and now < expires:
                if status == "max_attempts_reached":
                    return StartOutcome("locked", expires - now)
                if (s.get("amount") or "") != c.amount or (s.get("payee") or "") != c.payee:
                    return StartOutcome("binding_conflict")
                if int(s["sends"]) >= c.max_sends:
                    return StartOutcome("max_sends", expires - now)
                wait = int(s["last_sent"]) + cooldown - now
                if wait > 0:
                    return StartOutcome("cooldown", wait)
                if not commit:
                    return self._reserve(c, "resend")
                if c.expect not in ("resend", "same"):
                    return _RETRY
                if c.expect == "same" and s.get("sealed") != c.sealed:
                    return StartOutcome("retry", open_id=current)  # the code changed since
                return self._resend(c, current, s)
            if commit or create:
                if status == "pending":
                    s.update(status="expired", ended_at=str(expires), hash="", sealed="")
                open_.pop(c.open_field, None)
        if not commit and not create:
            return self._reserve(c, "new")
        if c.expect != "new":
            return _RETRY
        return self._create(c, ttl + keep)

    def _reserve(self, c: StartCommand, kind: str) -> StartOutcome:
        claim = f"{c.token}:{c.now_ms + CLAIM_LEASE_MS}"
        self._open.hash(c.tag)[f"claim:{c.open_field}"] = claim
        self._open.extend(c.tag, (c.ttl + c.retention) * 1000)
        return StartOutcome(kind)

    def _resend(self, c: StartCommand, vid: str, s: dict[str, str]) -> StartOutcome:
        """``resend``: a new code and expiry; ``same``: the code and expiry kept."""
        self._open.hash(c.tag).pop(f"claim:{c.open_field}", None)
        gen = int(s["gen"]) + 1
        # A resend never raises the tries left, and a flash call's fewer tries apply at once.
        cap = min(int(s["max_checks"]), c.max_checks)
        s.update(gen=str(gen), sends=str(int(s["sends"]) + 1), max_checks=str(cap))
        life = (c.ttl + c.retention) * 1000
        if c.expect == "resend":
            s.update(
                hash=c.code_hash, digits=str(c.digits), expires_at=str(c.now_ms + c.ttl * 1000),
                code_length=str(c.digits), sealed=c.sealed,
            )  # fmt: skip
            self._records.expire(vid, life)
        s.update(last_sent=str(c.now_ms), channel=c.channel, locale=c.locale, brand=c.brand)
        s[f"attempt:{gen}"] = f"{c.now_ms}|{c.channel}"
        s.update(_CLEARED_DELIVERY, delivery_error="")
        self._open.extend(c.tag, life)
        left = int(s["max_checks"]) - int(s["failures"])
        return StartOutcome("resent", 0, gen, "", int(s["sends"]), left, int(s["created_at"]))

    def _create(self, c: StartCommand, life: int) -> StartOutcome:
        self._open.hash(c.tag).pop(f"claim:{c.open_field}", None)
        bound = "1" if c.amount or c.payee else "0"
        record = self._records.hash(c.new_id)
        record.update(
            id=c.new_id, to=c.to, channel=c.channel, purpose=c.purpose, locale=c.locale,
            status="pending", hash=c.code_hash, digits=str(c.digits),
            created_at=str(c.now_ms), last_sent=str(c.now_ms),
            expires_at=str(c.now_ms + c.ttl * 1000), sends="1", failures="0",
            max_checks=str(c.max_checks), gen="1", redeliveries="0", amount=c.amount,
            payee=c.payee, bound=bound, open_field=c.open_field, code_length=str(c.digits),
            brand=c.brand, service=c.service, sealed=c.sealed,
        )  # fmt: skip
        record["attempt:1"] = f"{c.now_ms}|{c.channel}"
        record.update(_CLEARED_DELIVERY, delivery_error="")
        self._records.expire(c.new_id, life)
        self._tags[c.new_id] = c.tag
        self._open.hash(c.tag)[c.open_field] = c.new_id
        self._open.extend(c.tag, life)
        return StartOutcome("created", 0, 1, "", 1, c.max_checks, c.now_ms)

    def release(self, command: StartCommand, *, discard: bool = False) -> None:
        with self._lock:
            open_ = self._open.get(command.tag) or {}
            field = f"claim:{command.open_field}"
            if open_.get(field, "").startswith(f"{command.token}:"):
                del open_[field]
            if discard:
                if open_.get(command.open_field) == command.new_id:
                    del open_[command.open_field]
                self._records.delete(command.new_id)
                self._tags.pop(command.new_id, None)

    def check(
        self,
        verification_id: str,
        *,
        now_ms: int,
        code_hash: str,
        code_length: int,
        has_binding: bool,
        purpose: str,
        retention: int,
        service: str | None = None,
    ) -> CheckOutcome:
        with self._lock:
            self._tick(now_ms)
            s = self._records.get(verification_id)
            if not s or (purpose and s.get("purpose") != purpose):
                return CheckOutcome("not_found")
            if service is not None and s.get("service", "") != service:
                return CheckOutcome("not_found")
            return self._check(s, now_ms, code_hash, code_length, has_binding, retention * 1000)

    def _check(
        self, s: dict[str, str], now: int, candidate: str, length: int, bound: bool, keep: int
    ) -> CheckOutcome:
        status, expires = s["status"], int(s["expires_at"])
        if status == "pending" and now >= expires:
            self._finish(s, "expired", expires, keep)
            return CheckOutcome("expired", 0, "expired")
        if status == "max_attempts_reached" and now < expires:
            return CheckOutcome("max_attempts_reached", 0, status, 0, expires - now)
        if status != "pending":
            return CheckOutcome("not_pending", 0, status)
        if length != int(s["digits"]):
            return CheckOutcome("bad_length", 0, status, int(s["digits"]))
        if s["bound"] == "1" and not bound:
            return CheckOutcome("binding_required", 0, status)
        if s["bound"] != "1" and bound:
            return CheckOutcome("binding_unexpected", 0, status)
        failures, most = int(s["failures"]), int(s["max_checks"])
        if failures >= most:
            s.update(status="max_attempts_reached", hash="", sealed="")
            return CheckOutcome("max_attempts_reached", 0, "max_attempts_reached", 0, expires - now)
        to, purpose = s["to"], s["purpose"]  # answered once the code was compared
        if _same(s.get("hash"), candidate):
            self._finish(s, "approved", now, keep)
            return CheckOutcome("approved", most - failures, "approved", to=to, purpose=purpose)
        failures += 1
        s["failures"] = str(failures)
        if failures >= most:
            # Locked; the open field keeps pointing here until the code would have expired.
            s.update(status="max_attempts_reached", ended_at=str(now), hash="", sealed="")
            return CheckOutcome(
                "locked_now", 0, "max_attempts_reached", 0, expires - now, to=to, purpose=purpose
            )
        return CheckOutcome("wrong", most - failures, "pending", to=to, purpose=purpose)

    def cancel(self, verification_id: str, *, now_ms: int, retention: int) -> CheckOutcome:
        with self._lock:
            self._tick(now_ms)
            s = self._records.get(verification_id)
            if not s:
                return CheckOutcome("not_found")
            if s["status"] == "pending" and now_ms >= int(s["expires_at"]):
                self._finish(s, "expired", int(s["expires_at"]), retention * 1000)
                return CheckOutcome("not_pending", 0, "expired")
            if s["status"] != "pending":
                return CheckOutcome("not_pending", 0, s["status"])
            self._finish(s, "canceled", now_ms, retention * 1000)
            return CheckOutcome("canceled", 0, "canceled")

    def redeliver(
        self,
        verification_id: str,
        *,
        now_ms: int,
        code_hash: str,
        digits: int,
        ttl: int,
        channel: str,
        max_redeliveries: int,
        retention: int,
        sealed: str = "",
    ) -> StartOutcome:
        with self._lock:
            self._tick(now_ms)
            s = self._records.get(verification_id)
            if not s:
                return StartOutcome("not_found")
            if s["status"] == "pending" and now_ms >= int(s["expires_at"]):
                self._finish(s, "expired", int(s["expires_at"]), retention * 1000)
                return StartOutcome("not_pending")
            if s["status"] != "pending":
                return StartOutcome("not_pending")
            if int(s["redeliveries"]) >= max_redeliveries:
                return StartOutcome("max_redeliveries")
            gen = int(s["gen"]) + 1
            s.update(_CLEARED_DELIVERY, delivery_error="")
            s.update(
                redeliveries=str(int(s["redeliveries"]) + 1), gen=str(gen), hash=code_hash,
                digits=str(digits), last_sent=str(now_ms), expires_at=str(now_ms + ttl * 1000),
                sealed=sealed, channel=channel,
            )  # fmt: skip
            s[f"attempt:{gen}"] = f"{now_ms}|{channel}"
            self._records.expire(verification_id, (ttl + retention) * 1000)
            return StartOutcome("resent", 0, gen)

    def record_delivery(
        self,
        verification_id: str,
        *,
        gen: int,
        channel: str,
        message_id: str,
        status: str,
        error_code: str,
        code_hash: str,
        digits: int,
    ) -> bool:
        with self._lock:
            s = self._records.get(verification_id)
            if not s or s.get("gen") != str(gen):
                return False
            s.update(
                channel=channel, delivery_channel=channel, message_id=message_id,
                delivery_status=status, delivery_error=error_code,
            )  # fmt: skip
            attempt = s.get(f"attempt:{gen}")
            if attempt:  # the send's log names the channel actually used ("auto" resolved)
                s[f"attempt:{gen}"] = f"{attempt.split('|', 1)[0]}|{channel}"
            if code_hash and s["status"] == "pending":
                # A channel-dictated code (a flash call's caller id) is not one a resend can repeat.
                s.update(hash=code_hash, digits=str(digits), sealed="")
            return True

    def delivery_status(
        self, verification_id: str, *, message_id: str, status: str, error_code: str
    ) -> bool:
        with self._lock:
            s = self._records.get(verification_id)
            if not s or not s.get("message_id") or s["message_id"] != message_id:
                return False
            current = s.get("delivery_status") or ""
            rc, rn = _RANK.get(current, 0), _RANK.get(status)
            if rn is None:
                return False
            if rc >= 4 and not (current == "delivered" and status == "read"):
                return False
            if rn <= rc:
                return False
            s.update(delivery_status=status, delivery_error=error_code)
            return True

    def _finish(self, s: dict[str, str], status: str, at: int, keep: int) -> None:
        """End a verification: no code matches any more, the destination may start anew."""
        s.update(status=status, ended_at=str(at), hash="", sealed="")
        vid = s["id"]
        open_ = self._open.get(self._tags.get(vid, "")) or {}
        if open_.get(s["open_field"]) == vid:
            del open_[s["open_field"]]
        self._records.expire(vid, keep)

    def _tick(self, now_ms: int) -> None:
        self._records.tick(now_ms)
        self._open.tick(now_ms)
