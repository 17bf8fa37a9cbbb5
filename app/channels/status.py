"""Delivery status from Twilio's callbacks, and the fallback on failure or on silence.

Twilio's message and call statuses are folded into one vocabulary
(``queued, sending, sent, delivered, undelivered, failed, read``), recorded
forward-only per message (:mod:`app.store.tracking`) and passed to the OTP
service. A code's message falls back to the next channel of ``SANDI_FALLBACK``
(``whatsapp>sms>call``) when it fails, or when it stays silent: no
``delivered``/``read`` within the channel's wait (``SANDI_FALLBACK_WAIT_WHATSAPP``,
30 s; ``SANDI_FALLBACK_WAIT_SMS``, 60 s; a call falls back on busy, no-answer
or failed only). Each step at most once per verification, however many
callbacks and checks ask; skipping channels the customer opted out of; a
``delivered`` that arrives first cancels it. The fallback itself is a job
(:mod:`app.wiring.jobs`), never work in the callback's request.

The customer gets the same code again on the next channel (the OTP service
opens the seal its verification keeps, :mod:`app.otp.sealing`), valid until the
same moment: whichever message they read first is right.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from app.logs import mask
from app.metrics import Metrics
from app.otp.ports import CodeMessage, DeliveryError, DeliveryReceipt, fallback_send_key
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
    counting it against the customer's send limit (``same_code``: the code
    already sent, again; ``send_key``: the send's idempotency key); it raises DeliveryError
    when it cannot (also when the verification is no longer pending).
    ``record_delivery_status`` answers False when the service did not apply
    the status (not its current message, or not recorded yet).
    """

    def redeliver(
        self,
        verification_id: str,
        channel: str,
        *,
        same_code: bool = False,
        send_key: str | None = None,
    ) -> DeliveryReceipt: ...

    def record_delivery_status(
        self, verification_id: str, message_id: str, status: str, error_code: str | None = None
    ) -> bool: ...


class JobQueue(Protocol):
    """Background jobs (``app.wiring.jobs.RqJobs``): the channels decide, a worker sends."""

    def fallback(self, verification_id: str, failed_channel: str, message_id: str) -> None: ...

    def check_later(self, message_id: str, delay: float) -> None: ...

    def reapply_later(self, message_id: str, delay: float = 1.0) -> None: ...

    def cancel_check(self, message_id: str) -> None: ...


#: A message that reached the customer: no fallback after it.
SETTLED = frozenset({"delivered", "read"})


class SendAgain(Exception):
    """The next channel's provider could not be reached: rq runs the job again."""


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
    #: Set when the change called for a fallback (enqueued as a job).
    fallback_from: str | None = None


class DeliveryStatus:
    def __init__(
        self,
        log_: DeliveryLog,
        steps: FallbackSteps,
        opt_outs: OptOuts,
        chain: tuple[str, ...],
        metrics: Metrics,
        *,
        waits: Mapping[str, float],
        jobs: JobQueue | None,
        target: FallbackTarget | None = None,
        watching: bool = True,
    ) -> None:
        self.log = log_
        self.steps = steps
        self.opt_outs = opt_outs
        self.chain = chain
        self.metrics = metrics
        self.waits = waits
        self.jobs = jobs
        #: Whether status callbacks can come at all (Twilio mode with a public URL):
        #: without them no code is watched or waited for.
        self.watching = watching
        #: The OTP service; wired by app.wiring.services once it exists.
        self.target = target

    def normalise(self, report: StatusReport) -> str | None:
        if report.kind == "message":
            return MESSAGE_STATUS.get(report.raw_status)
        channel = self.log.get(report.message_id).get("channel")
        table = FLASHCALL_STATUS if channel == "flashcall" else CALL_STATUS
        return table.get(report.raw_status)

    # -- in the request: record, tell, enqueue --------------------------------------

    def record(self, report: StatusReport) -> Recorded:
        """Record the status, tell the OTP service, enqueue a fallback when due."""
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
            applied = self.target.record_delivery_status(
                change.verification_id, report.message_id, status, report.error_code
            )
            if not applied and self.jobs is not None:
                # The send is tracked but the service has not recorded it yet: again soon.
                self.jobs.reapply_later(report.message_id)
        if status in SETTLED and self.jobs is not None:
            self.jobs.cancel_check(report.message_id)
        fallback_from = None
        chain = self.chain_of(change.verification_id) if change.verification_id else ()
        if status in FAILED and change.verification_id and change.channel in chain:
            fallback_from = change.channel
            self._enqueue_fallback(change.verification_id, change.channel, report.message_id)
        return Recorded(status, change, fallback_from)

    def sent(self, message_id: str, message: CodeMessage, early: str | None) -> None:
        """A code went out: watch it, if a later channel could take over.

        ``early`` is a status a callback recorded before the send was (applied
        here: a failure falls back at once, a delivery needs no watch)."""
        channel = message.channel
        if not self.watching or self.jobs is None:
            return
        if message.fallback:
            self.steps.keep_order(message.verification_id, message.fallback)
        chain = message.fallback or self._kept_chain(message)
        if channel not in chain or channel == chain[-1]:
            return
        if early in FAILED:
            self._enqueue_fallback(message.verification_id, channel, message_id)
            return
        if early in SETTLED:
            return
        wait = self.waits.get(channel, 0)
        if wait > 0:
            self.jobs.check_later(message_id, wait)

    def _kept_chain(self, message: CodeMessage) -> tuple[str, ...]:
        """The chain of a send that brings no order of its own. A verification's first
        send (generation 1) has none kept either (only its own sends keep one, above):
        the server's, without a read."""
        if message.first_send:
            return self.chain
        return self.chain_of(message.verification_id)

    def chain_of(self, verification_id: str) -> tuple[str, ...]:
        """The verification's own fallback order, else the server's (``SANDI_FALLBACK``)."""
        return self.steps.order(verification_id) or self.chain

    def _enqueue_fallback(self, verification_id: str, channel: str, message_id: str) -> None:
        if self.jobs is None:
            log.error("fallback for %s not scheduled: no job queue", verification_id)
            return
        self.jobs.fallback(verification_id, channel, message_id)

    # -- in a job ----------------------------------------------------------------------

    def check_silence(self, message_id: str, token: str, *, last_try: bool = True) -> str:
        """The "no receipt yet" check, due one wait after the send."""
        record = self.log.get(message_id)
        status, vid, channel = (record.get(k) for k in ("status", "verification_id", "channel"))
        if not vid or not channel:
            return "unknown"
        if status in SETTLED:
            return "delivered"
        if status in FAILED:
            return "failed"  # its callback enqueued the fallback
        log.info("no receipt for %s (%s) after the wait: falling back", message_id, channel)
        receipt = self.fall_back(vid, channel, message_id, token, last_try=last_try)
        return f"fallback:{receipt.channel}" if receipt else "none"

    def reapply(self, message_id: str) -> bool:
        record = self.log.get(message_id)
        vid, status = record.get("verification_id"), record.get("status")
        if not vid or not status or self.target is None:
            return False
        return self.target.record_delivery_status(
            vid, message_id, status, record.get("error_code") or None
        )

    def fall_back(
        self,
        verification_id: str,
        failed: str,
        message_id: str,
        token: str,
        *,
        last_try: bool = True,
    ) -> DeliveryReceipt | None:
        """Try the channels after ``failed``, each at most once per verification.

        Safe to run twice (rq runs a job again when its worker died): the step
        is claimed by ``token`` (the job id), and the send is keyed
        ``<id>:fallback:<channel>`` so a rerun never sends it twice.
        """
        if self.target is None:
            log.warning("fallback for %s skipped: no OTP service wired", verification_id)
            return None
        record = self.log.get(message_id)
        if record.get("status") in SETTLED:
            log.info("fallback for %s dropped: %s was delivered", verification_id, message_id)
            return None
        to = record.get("to")
        opted_out = self.opt_outs.channels(to) if to else set()
        chain = self.chain_of(verification_id)
        start = chain.index(failed) + 1 if failed in chain else len(chain)
        for channel in chain[start:]:
            if channel in opted_out:
                log.info("fallback for %s skips %s: opted out", verification_id, channel)
                continue
            if not self.steps.claim(verification_id, channel, token):
                log.info("fallback for %s to %s already taken", verification_id, channel)
                return None
            try:
                receipt = self.target.redeliver(
                    verification_id,
                    channel,
                    same_code=True,
                    send_key=fallback_send_key(verification_id, channel),
                )
            except DeliveryError as err:
                if err.code in {"not_pending", "max_redeliveries"}:
                    log.warning(
                        "fallback for %s to %s: %s; stopping", verification_id, channel, err.code
                    )
                    return None
                if err.code in {"in_progress", "provider_unreachable"} and not last_try:
                    raise SendAgain(f"{channel} for {verification_id}: {err.code}") from None
                # Refused, or in doubt (written, never answered: never sent twice);
                # the next channel carries the same code, so nothing contradicts.
                log.warning(
                    "fallback for %s to %s failed: %s; trying the next step",
                    verification_id,
                    channel,
                    err.code,
                )
                continue
            self.metrics.fallbacks.labels(failed, receipt.channel).inc()
            log.info(
                "fallback for %s: %s to %s, resent by %s sid=%s",
                verification_id,
                failed,
                mask(to),
                receipt.channel,
                receipt.message_id,
            )
            return receipt
        return None
