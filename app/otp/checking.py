"""Checking, canceling and finding verifications.

The part of :class:`app.otp.service.OtpService` behind ``check``: the store
compares the code in one atomic step, the check's one round trip; an
approval's bookkeeping (insights, the fraud guard's credit) joins the
request's ``check_batch``, which on Redis hands it to a carrier that writes
many checks' together a moment after they answered (:mod:`app.store.carried`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager

from app.logs import bind_log_context
from app.otp import request_checks as req
from app.otp.codes import normalize_code
from app.otp.delivering import Deliveries
from app.otp.destinations import parse_destination
from app.otp.errors import OtpError, invalid
from app.otp.model import APPROVED, MAX_ATTEMPTS, PENDING, CheckResult, Verification, to_ms
from app.otp.ports import SendLimiter, open_field
from app.otp.refusals import check_refusal

log = logging.getLogger(__name__)


class Checks(Deliveries):
    """``check``, ``cancel``, ``find``; :class:`app.otp.service.OtpService` sets the attributes."""

    limiter: SendLimiter
    check_batch: Callable[[], AbstractContextManager[object]]
    #: Told of each check that approved or locked a verification (the events webhook).
    on_checked: Callable[[CheckResult], None] | None

    def check(
        self,
        *,
        code: str,
        to: str | None = None,
        verification_id: str | None = None,
        purpose: str | None = None,
        amount: str | None = None,
        payee: str | None = None,
        service: str | None = None,
    ) -> CheckResult:
        """Compare ``code`` (spaces and dashes allowed) with the pending
        verification for ``to`` and ``purpose``, or the one with that id.
        ``service``: only that Twilio Verify service's verifications (None:
        by id any, by ``to`` ``/v1``'s own)."""
        try:
            with self.check_batch():
                result = self._check(code, to, verification_id, purpose, amount, payee, service)
        except OtpError as err:
            self._refused(err)
            raise
        if self.metrics:
            outcome = "approved" if result.valid else result.status
            self.metrics.checks.labels("wrong" if outcome == PENDING else outcome).inc()
        if self.on_checked is not None and (result.valid or result.status == MAX_ATTEMPTS):
            self.on_checked(result)
        return result

    def _check(
        self,
        code: object,
        to: object,
        verification_id: object,
        purpose: object,
        amount: object,
        payee: object,
        service: str | None,
    ) -> CheckResult:
        code_ = normalize_code(code)
        if (to is None) == (verification_id is None):
            raise invalid("to", "give either to or id (not both)")
        if verification_id is not None:
            vid = req.verification_id_of(verification_id)
            # A purpose given must be the verification's; without one, the answer
            # says which purpose (and destination) the code approved.
            purpose_filter = "" if purpose is None else req.purpose_of(purpose)
        else:
            purpose_filter = req.purpose_of(purpose)
            dest = parse_destination(to, "auto")
            digest = self.hasher.destination(dest.address)
            found = self.store.open_id(
                digest[:16], open_field(purpose_filter, digest, service or "")
            )
            if not found:
                raise OtpError("not_found", "no pending verification for this destination")
            vid = found
        bind_log_context(verification_id=vid)
        amount_, payee_ = req.binding_of(
            self.settings.default, purpose_filter, amount, payee, required=False
        )
        outcome = self.store.check(
            vid,
            now_ms=to_ms(self.clock()),
            code_hash=self.hasher.code_hash(vid, code_, amount_, payee_),
            code_length=len(code_),
            has_binding=bool(amount_ or payee_),
            purpose=purpose_filter,
            retention=self.settings.retention,
            service=service,
        )
        kind = outcome.kind
        seen = {"to": outcome.to, "purpose": outcome.purpose}
        if kind == "approved":
            log.info("otp approved %s", vid)
            if self.watch:
                self.watch.approved(vid, to_ms(self.clock()), outcome.trace)
            return CheckResult(vid, APPROVED, True, outcome.attempts_left, **seen)
        if kind == "wrong":
            log.info("otp wrong code %s attempts_left=%d", vid, outcome.attempts_left)
            return CheckResult(vid, PENDING, False, outcome.attempts_left, **seen)
        if kind == "locked_now":
            log.warning("otp max attempts reached %s", vid)
            return CheckResult(vid, MAX_ATTEMPTS, False, 0, **seen)
        raise check_refusal(vid, outcome.kind, outcome.status, outcome.digits, outcome.wait_ms)

    def cancel(self, verification_id: str) -> Verification:
        vid = req.verification_id_of(verification_id)
        outcome = self.store.cancel(
            vid, now_ms=to_ms(self.clock()), retention=self.settings.retention
        )
        if outcome.kind == "not_found":
            raise OtpError("not_found", "no verification with this id", field="id")
        if outcome.kind == "not_pending":
            raise OtpError(
                "not_pending",
                f"the verification is {outcome.status}; only a pending one can be canceled",
                verification_id=vid,
            )
        log.info("otp canceled %s", vid)
        return self.get(vid)

    def forget_sends(self, to: str) -> None:
        """Forget the sends counted against ``to``'s limits (unblocking a test number)."""
        self.limiter.reset(self.hasher.destination(parse_destination(to, "auto").address))

    def find(self, to: str, purpose: str | None = None, service: str | None = None) -> Verification:
        """The verification still open for ``to`` and ``purpose`` (pending, or
        locked after too many wrong codes) in ``service`` (None: ``/v1``'s):
        Twilio Verify's fetch by ``To``."""
        purpose_ = req.purpose_of(purpose)
        dest = parse_destination(to, "auto")
        digest = self.hasher.destination(dest.address)
        found = self.store.open_id(digest[:16], open_field(purpose_, digest, service or ""))
        if not found:
            raise OtpError("not_found", "no pending verification for this destination", field="to")
        return self.get(found)
