"""Handing codes to the channels, and what they report back.

The part of :class:`app.otp.service.OtpService` that talks to a
:class:`CodeDelivery`: the first send's bookkeeping, fallback redeliveries
over another channel, and status callbacks for the current code's message.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime

from app.logs import mask
from app.otp import ports
from app.otp import request_checks as req
from app.otp.codes import CodeGenerator, CodeHasher, normalize_code
from app.otp.destinations import parse_destination
from app.otp.errors import OtpError, invalid
from app.otp.metrics import OtpMetrics
from app.otp.model import Verification, to_ms
from app.otp.policy import CHANNELS, OtpSettings, purpose_label
from app.otp.ports import (
    CodeDelivery,
    CodeMessage,
    DeliveryError,
    DeliveryReceipt,
    VerificationStore,
)
from app.otp.sealing import CodeSealer
from app.otp.watch import OtpWatch

log = logging.getLogger(__name__)

DELIVERY_STATUSES = frozenset(
    {"queued", "accepted", "scheduled", "sending", "sent", "delivered", "undelivered",
     "failed", "canceled", "read"}
)  # fmt: skip


class Deliveries:
    """Delivery and reads of verifications; :class:`OtpService` sets the attributes."""

    store: VerificationStore
    delivery: CodeDelivery
    settings: OtpSettings
    hasher: CodeHasher
    clock: Callable[[], datetime]
    codes: CodeGenerator
    metrics: OtpMetrics | None
    sealer: CodeSealer | None
    watch: OtpWatch | None
    batch: Callable[[], AbstractContextManager[object]]

    def get(self, verification_id: str) -> Verification:
        vid = req.verification_id_of(verification_id)
        record = self.store.get(vid)
        if record is None:
            raise OtpError("not_found", "no verification with this id", field="id")
        return Verification.from_record(record, to_ms(self.clock()))

    def _sealed_code(self, verification_id: str) -> str | None:
        """The pending code, opened from the seal its verification keeps (None: none)."""
        record = self.store.get(verification_id)
        if record is None or self.sealer is None:
            return None
        return self.sealer.unseal(verification_id, record.get("sealed", ""))

    def _deliver(self, message: CodeMessage, gen: int) -> DeliveryReceipt:
        """Hand the code to its channel and note how it went (the hash of a
        channel-dictated code replaces ours)."""
        vid = message.verification_id
        try:
            receipt = self.delivery.deliver(message)
        except DeliveryError as err:
            self.store.record_delivery(
                vid, gen=gen, channel=message.channel, message_id="", status="failed",
                error_code=err.code, code_hash="", digits=len(message.code),
            )  # fmt: skip
            if self.metrics:
                self.metrics.delivery_failures.labels(message.channel, err.code).inc()
            log.warning(
                "otp delivery failed %s to=%s channel=%s error=%s retryable=%s",
                vid, mask(message.to), message.channel, err.code, err.retryable,
            )  # fmt: skip
            raise
        code_hash, digits = "", len(message.code)
        if receipt.code is not None:
            dictated = normalize_code(receipt.code, "receipt.code")
            code_hash = self.hasher.code_hash(
                vid, dictated, message.amount or "", message.payee or ""
            )
            digits = len(dictated)
        self.store.record_delivery(
            vid, gen=gen, channel=receipt.channel, message_id=receipt.message_id,
            status=receipt.status, error_code=receipt.error_code or "", code_hash=code_hash,
            digits=digits,
        )  # fmt: skip
        return receipt

    def _settled(self, vid: str, receipt: DeliveryReceipt) -> DeliveryReceipt:
        """The receipt once the channel's tracking reply is in (``receipt.settle``: it rode
        the write-behind round trip, so the delivery was recorded as "sent").

        A status a callback reported before the send was tracked is recorded now as that
        callback's would have been, forward only: a failure or a delivery replaces
        "sent" (and a failure counts as undelivered), an early "queued" or "sending"
        does not.
        """
        if receipt.settle is None:
            return receipt
        final = receipt.settle()
        if final.status == receipt.status:
            return final
        if self.record_delivery_status(vid, final.message_id, final.status, final.error_code):
            return final
        return replace(final, status=receipt.status, error_code=receipt.error_code)

    def redeliver(
        self,
        verification_id: str,
        channel: str,
        *,
        same_code: bool = False,
        send_key: str | None = None,
    ) -> DeliveryReceipt:
        """Fallback: the code again over ``channel`` for the same pending
        verification, not counted against the customer's sends (at most
        ``max_redeliveries``, default 2). Raises :class:`DeliveryError` if
        that channel fails too.

        With ``same_code`` the customer gets the *same* code, unsealed from the
        verification (:mod:`app.otp.sealing`), valid until the same moment: the
        earlier message stays right, so two messages never contradict each other.
        Without it, or when there is no seal to open (no sealer, a channel-dictated
        code), a new code replaces the old one, with a fresh lifetime.
        ``send_key`` names the send for the channels' idempotency record.
        """
        current = self.get(verification_id)
        code = self._sealed_code(current.id) if same_code else None
        if channel not in CHANNELS:
            raise invalid("channel", f"must be one of {', '.join(CHANNELS)}")
        policy = self.settings.policy(current.purpose)
        dest = parse_destination(current.to, channel)
        if dest.kind == "phone":
            req.allow_number_type(policy, channel, dest.number_type)
        ttl = policy.ttl_for("email" if dest.kind == "email" else "sms")
        if self.watch:  # a fallback to SMS or a call costs money too
            self.watch.before_send(
                to=dest.address, country=dest.country, channel=channel, purpose=current.purpose,
                flow=None, sources={}, now_ms=to_ms(self.clock()),
            )  # fmt: skip
        if code is not None:
            code = normalize_code(code, "code")
            left = current.expires_at - self.clock()
            ttl = max(1, math.ceil(left.total_seconds()))
        digits = len(code) if code is not None else current.code_length or policy.digits
        code = code if code is not None else self.codes.generate(digits)
        amount, payee = current.amount or "", current.payee or ""
        outcome = self.store.redeliver(
            current.id, now_ms=to_ms(self.clock()),
            code_hash=self.hasher.code_hash(current.id, code, amount, payee),
            digits=digits, ttl=ttl, channel=channel,
            max_redeliveries=policy.max_redeliveries, retention=self.settings.retention,
            sealed=self.sealer.seal(current.id, code) if self.sealer is not None else "",
        )  # fmt: skip
        if outcome.kind == "max_redeliveries":
            raise OtpError(
                "max_redeliveries",
                f"this verification has had {policy.max_redeliveries} fallback sends already",
                verification_id=current.id,
            )
        if outcome.kind != "resent":
            raise OtpError(
                "not_pending", "the verification is no longer pending", verification_id=current.id
            )
        message = CodeMessage(
            verification_id=current.id, to=dest.address, channel=channel, code=code,
            locale=current.locale, purpose=current.purpose, expires_in=ttl,
            amount=amount or None, payee=payee or None, brand=current.brand,
            send_key=send_key or ports.send_key(current.id, outcome.gen),
        )  # fmt: skip
        receipt = self._settled(current.id, self._deliver(message, outcome.gen))
        if self.metrics:
            label = purpose_label(self.settings, current.purpose)
            self.metrics.sends.labels(receipt.channel, label, "redelivery").inc()
        if self.watch:
            self.watch.fallback(current.id, receipt.channel, to_ms(self.clock()), ttl + 600)
        log.info("otp redelivery %s to=%s channel=%s", current.id, mask(dest.address), channel)
        return receipt

    def record_delivery_status(
        self, verification_id: str, message_id: str, status: str, error_code: str | None = None
    ) -> bool:
        """A channel's status callback for the current code's message. Ignored
        (False) for an older message, an unknown status, or a step backwards
        from delivered/failed/undelivered."""
        if status not in DELIVERY_STATUSES or not req.VERIFICATION_ID.match(verification_id):
            return False
        taken = self.store.delivery_status(
            verification_id, message_id=message_id, status=status, error_code=error_code or ""
        )
        if taken and self.watch and status in {"failed", "undelivered"}:
            self.watch.undelivered(verification_id, error_code or status, to_ms(self.clock()))
        return taken

    def _refused(self, err: OtpError) -> None:
        if self.metrics:
            self.metrics.refusals.labels(err.code).inc()
        log.info("otp refused: %s", err.code)
