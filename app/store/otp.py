"""Verification state in Redis: every change is one Lua script.

A verification is a hash ``sandi:{otp:<tag>}:v:<id>``; the destination's
``sandi:{otp:<tag>}:open`` hash maps ``<purpose>:<digest>`` to the id still
open for it. Both share the destination's hash tag, so each script runs on one
Redis Cluster slot. The rules live inside the scripts, so they hold under any
concurrency: a check reads the failure count, compares the code and counts the
failure in one step (100 parallel wrong guesses are 5 evaluated failures and
95 refusals), and an approval clears the code hash so it can only happen once.

Times are milliseconds from the service's injected clock, passed in ARGV, so
tests move time without sleeping. Redis TTLs only collect garbage: a key lives
until its code expires plus a day, for ``GET /v1/verifications/<id>``.
Codes are compared by HMAC in constant time (a bitwise OR of XORs over the
whole hex digest), never by ``==``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.otp.ports import CLAIM_LEASE_MS, CheckOutcome, StartCommand, StartOutcome
from app.store import keys, later, trip
from app.store import otp_scripts as lua
from app.store.connection import RedisClient

__all__ = ["CLAIM_LEASE_MS", "RedisVerificationStore", "tag_of"]


def _start_outcome(replies: list[Any]) -> StartOutcome:
    reply = replies[0]
    if isinstance(reply, Exception):
        raise reply
    kind, wait, gen, current, sends, left, created = list(reply) + [0] * (7 - len(reply))
    return StartOutcome(
        kind=str(kind),
        wait_ms=int(wait),
        gen=int(gen),
        open_id=str(current or ""),
        sends=int(sends or 0),
        attempts_left=int(left or 0),
        created_ms=int(created or 0),
    )


def tag_of(verification_id: str) -> str:
    """``VE`` + 16 hex of destination tag + 16 random hex -> the tag."""
    return verification_id[2:18]


class RedisVerificationStore:
    """The :class:`app.otp.ports.VerificationStore` Sandi runs on."""

    def __init__(self, redis: RedisClient, delivery_ttl: int = keys.DELIVERY_TTL) -> None:
        self.redis = redis
        #: How long the delivery records it lists in the destination's index live.
        self.delivery_ttl = delivery_ttl
        self._start = redis.register_script(lua.START)
        self._release = redis.register_script(lua.RELEASE)
        self._check = redis.register_script(lua.CHECK)
        self._cancel = redis.register_script(lua.CANCEL)
        self._redeliver = redis.register_script(lua.REDELIVER)
        self._record_delivery = redis.register_script(lua.RECORD_DELIVERY)
        self._delivery_status = redis.register_script(lua.DELIVERY_STATUS)

    @staticmethod
    def _keys(verification_id: str) -> list[str]:
        tag = tag_of(verification_id)
        return [keys.otp_verification(tag, verification_id), keys.otp_open(tag)]

    def open_id(self, tag: str, open_field: str) -> str | None:
        value: Any = self.redis.hget(keys.otp_open(tag), open_field)
        return str(value) if value else None

    def start(self, command: StartCommand, *, claim: bool) -> StartOutcome:
        return self._start_soon(command, "claim" if claim else "commit")()

    def claim_soon(self, command: StartCommand) -> Callable[[], StartOutcome]:
        """Claim, and write a new verification at once (``created``) when there is none
        to resend; answered with the next round trip (:func:`app.store.trip.soon`)."""
        return self._start_soon(command, "create")

    def _start_soon(self, command: StartCommand, mode: str) -> Callable[[], StartOutcome]:
        c = command
        new_key = keys.otp_verification(c.tag, c.new_id)
        old_key = keys.otp_verification(c.tag, c.existing_id) if c.existing_id else new_key
        args: list[str | int] = [
            c.open_field, c.existing_id, c.new_id, c.now_ms, mode,
            c.expect, c.code_hash, c.digits, c.ttl, c.max_checks, c.max_sends, c.cooldown,
            c.retention, c.to, c.channel, c.purpose, c.locale, c.amount, c.payee,
            c.token, CLAIM_LEASE_MS, c.brand, c.service, c.sealed,
        ]  # fmt: skip
        script_keys = [keys.otp_open(c.tag), old_key, new_key, keys.destination_index(c.tag)]
        if c.windows and mode != "commit":
            args += [c.windows_now_ms, *c.windows]
            script_keys.append(keys.otp_send_log(c.tag))
        call = trip.script(self._start, script_keys, args)
        return trip.soon(self.redis, [call], _start_outcome)

    def release(self, command: StartCommand, *, discard: bool = False) -> None:
        tag = command.tag
        script_keys = [keys.otp_open(tag)]
        if discard:
            script_keys += [keys.otp_verification(tag, command.new_id), keys.destination_index(tag)]
        args = [command.open_field, command.token, command.new_id if discard else ""]
        trip.call(self.redis, self._release, script_keys, args)

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
        args: list[str | int] = [
            now_ms,
            code_hash,
            code_length,
            "1" if has_binding else "0",
            purpose,
            retention,
            "0" if service is None else "1",
            service or "",
        ]
        # The insights' trace shares the verification's hash tag: an approval
        # returns it, so counting the approval reads nothing more.
        check_keys = [*self._keys(verification_id), keys.otp_trace(verification_id)]
        answer = trip.call(self.redis, self._check, check_keys, args)
        kind, left, status, digits, wait = answer[:5]
        to, purpose = (str(answer[5]), str(answer[6])) if len(answer) > 6 else ("", "")
        trace = None
        if kind == "approved" and len(answer) > 7:
            flat = [str(x) for x in answer[7]]
            trace = dict(zip(flat[::2], flat[1::2], strict=True))
        return CheckOutcome(
            str(kind), int(left), str(status), int(digits), int(wait), to=to, purpose=purpose,
            trace=trace,
        )  # fmt: skip

    def cancel(self, verification_id: str, *, now_ms: int, retention: int) -> CheckOutcome:
        kind, left, status, digits, wait = self._cancel(
            keys=self._keys(verification_id), args=[now_ms, retention]
        )
        return CheckOutcome(str(kind), int(left), str(status), int(digits), int(wait))

    def get(self, verification_id: str) -> Mapping[str, str] | None:
        tag = tag_of(verification_id)
        record: Any = self.redis.hgetall(keys.otp_verification(tag, verification_id))
        return dict(record) if record else None

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
        args: list[str | int] = [
            now_ms,
            code_hash,
            digits,
            ttl,
            channel,
            max_redeliveries,
            retention,
            sealed,
        ]
        kind, wait, gen = self._redeliver(keys=self._keys(verification_id), args=args)
        return StartOutcome(str(kind), int(wait), int(gen))

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
        tag = tag_of(verification_id)
        record = keys.delivery(message_id) if message_id else ""
        args: list[str | int] = [
            gen, channel, message_id, status, error_code, code_hash, digits,
            record, self.delivery_ttl,
        ]  # fmt: skip
        script_keys = [keys.otp_verification(tag, verification_id), keys.destination_index(tag)]
        if later.active():
            # Nobody waits for the answer on a start: it joins the request's batch.
            later.script(self.redis, self._record_delivery, script_keys, args)
            return True
        return bool(int(trip.call(self.redis, self._record_delivery, script_keys, args)))

    def delivery_status(
        self, verification_id: str, *, message_id: str, status: str, error_code: str
    ) -> bool:
        tag = tag_of(verification_id)
        done = self._delivery_status(
            keys=[keys.otp_verification(tag, verification_id)],
            args=[message_id, status, error_code],
        )
        return bool(int(done))
