"""Delivery status from Twilio's callbacks, and the fallback it may trigger.

Twilio's message and call statuses are folded into one vocabulary
(``queued, sending, sent, delivered, undelivered, failed, read``), recorded
forward-only per message (:mod:`app.store.tracking`) and passed to the OTP
service. When a code's message fails and ``SANDI_FALLBACK`` names a next
channel (``whatsapp>sms>call``), the OTP service is asked to resend the same
verification there: each step at most once per verification, however many
failure callbacks arrive, and skipping channels the customer opted out of.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from app.logs import mask
from app.metrics import Metrics
from app.otp.ports import DeliveryError, DeliveryReceipt
from app.store.tracking import FAILED, DeliveryLog, FallbackSteps, OptOuts, StatusChange

log = logging.getLogger(__name__)

MESSAGE_STATUS = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "partially_delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
CALL_STATUS = {
    "queued": "queued",
    "initiated": "queued",
    "ringing": "sending",
    "in-progress": "sent",
    "completed": "delivered",
    "busy": "undelivered",
    "no-answer": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
#: A flash call is meant to go unanswered: ringing long enough to show the
#: caller number is the delivery.
FLASHCALL_STATUS = CALL_STATUS | {"busy": "delivered", "no-answer": "delivered"}
#: The recipient replied STOP (normally a synchronous error; some senders report it late).
OPTED_OUT_ERROR = "21610"


class FallbackTarget(Protocol):
    """What the OTP service offers the channels (``app.otp`` implements it).

    ``redeliver`` resends a pending verification on another channel without
    counting it against the customer's send limit; it raises DeliveryError
    when it cannot (also when the verification is no longer pending).
    """

    def redeliver(self, verification_id: str, channel: str) -> DeliveryReceipt: ...

    def record_delivery_status(
        self, verification_id: str, message_id: str, status: str, error_code: str | None = None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class StatusReport:
    """One callback, as Twilio sent it."""

    message_id: str
    kind: str  # "message" | "call"
    raw_status: str
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class Recorded:
    status: str | None
    change: StatusChange | None
    #: Set when the change calls for a fallback; run it with :meth:`DeliveryStatus.fall_back`.
    fallback_from: str | None = None


class DeliveryStatus:
    def __init__(
        self,
        log_: DeliveryLog,
        steps: FallbackSteps,
        opt_outs: OptOuts,
        chain: tuple[str, ...],
        metrics: Metrics,
        target: FallbackTarget | None = None,
    ) -> None:
        self.log = log_
        self.steps = steps
        self.opt_outs = opt_outs
        self.chain = chain
        self.metrics = metrics
        #: The OTP service; wired by app.wiring.services once it exists.
        self.target = target

    def normalise(self, report: StatusReport) -> str | None:
        if report.kind == "message":
            return MESSAGE_STATUS.get(report.raw_status)
        channel = self.log.get(report.message_id).get("channel")
        table = FLASHCALL_STATUS if channel == "flashcall" else CALL_STATUS
        return table.get(report.raw_status)

    def record(self, report: StatusReport) -> Recorded:
        """The fast part: record the status, tell the OTP service, decide on fallback."""
        status = self.normalise(report)
        if status is None:
            log.debug("status %r for %s ignored", report.raw_status, report.message_id)
            return Recorded(None, None)
        change = self.log.update(report.message_id, status, report.raw_status, report.error_code)
        if not change.changed:
            log.debug("status %s for %s: duplicate or out of order", status, report.message_id)
            return Recorded(status, change)
        self.metrics.delivery_status.labels(change.channel or "unknown", status).inc()
        log.info(
            "delivery %s %s -> %s%s",
            report.message_id,
            change.previous or "new",
            status,
            f" error {report.error_code}" if report.error_code else "",
        )
        if report.error_code == OPTED_OUT_ERROR and change.to and change.channel:
            self.opt_outs.add(change.to, change.channel)
        if change.verification_id and self.target is not None:
            self.target.record_delivery_status(
                change.verification_id, report.message_id, status, report.error_code
            )
        fallback_from = None
        if status in FAILED and change.verification_id and change.channel in self.chain:
            fallback_from = change.channel
        return Recorded(status, change, fallback_from)

    def fall_back(self, message_id: str, recorded: Recorded) -> DeliveryReceipt | None:
        """The slow part (a send): try the next channels of the chain, each once."""
        change = recorded.change
        failed = recorded.fallback_from
        if change is None or failed is None or not change.verification_id:
            return None
        verification_id = change.verification_id
        if self.target is None:
            log.warning("fallback for %s skipped: no OTP service wired", verification_id)
            return None
        opted_out = self.opt_outs.channels(change.to) if change.to else set()
        for channel in self.chain[self.chain.index(failed) + 1 :]:
            if channel in opted_out:
                log.info("fallback for %s skips %s: opted out", verification_id, channel)
                continue
            if not self.steps.claim(verification_id, channel, message_id):
                log.info("fallback for %s to %s already taken", verification_id, channel)
                return None
            try:
                receipt = self.target.redeliver(verification_id, channel)
            except DeliveryError as err:
                log.warning(
                    "fallback for %s to %s failed: %s; trying the next step",
                    verification_id,
                    channel,
                    err.code,
                )
                continue
            self.metrics.fallbacks.labels(failed, receipt.channel).inc()
            log.info(
                "fallback for %s: %s to %s failed, resent by %s sid=%s",
                verification_id,
                failed,
                mask(change.to),
                receipt.channel,
                receipt.message_id,
            )
            return receipt
        return None
