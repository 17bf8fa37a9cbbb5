"""The OTP service: start (issue or resend), check, cancel and read verifications.

Plain Python over three interfaces — a :class:`VerificationStore` that makes
each state change atomic, a :class:`SendLimiter`, and a :class:`CodeDelivery`
— plus an injected clock and random source. The REST API and the chat flows
call the same methods; refusals raise :class:`OtpError` with a stable code.

A code exists in clear only between :class:`CodeGenerator` and the delivery
call: it is hashed before it is stored, and no log line, metric, exception or
result ever carries it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from app.logs import mask
from app.otp import request_checks as req
from app.otp.codes import CodeGenerator, CodeHasher, normalize_code
from app.otp.delivering import Deliveries
from app.otp.destinations import parse_destination
from app.otp.errors import OtpError, invalid
from app.otp.metrics import OtpMetrics
from app.otp.model import (
    APPROVED,
    MAX_ATTEMPTS,
    PENDING,
    CheckResult,
    Delivery,
    Started,
    Verification,
    from_ms,
    to_ms,
)
from app.otp.policy import OtpSettings
from app.otp.ports import (
    CodeDelivery,
    CodeMessage,
    DeliveryError,
    SendLimiter,
    StartCommand,
    StartOutcome,
    VerificationStore,
)
from app.otp.refusals import check_refusal, refuse_start
from app.otp.watch import OtpWatch, SendContext

log = logging.getLogger(__name__)

_RETRIES = 5


class OtpService(Deliveries):
    def __init__(
        self,
        *,
        store: VerificationStore,
        limiter: SendLimiter,
        delivery: CodeDelivery,
        settings: OtpSettings,
        hasher: CodeHasher,
        clock: Callable[[], datetime],
        codes: CodeGenerator | None = None,
        metrics: OtpMetrics | None = None,
        default_locale: str = "id",
        watch: OtpWatch | None = None,
    ) -> None:
        self.store = store
        self.limiter = limiter
        self.delivery = delivery
        self.settings = settings
        self.hasher = hasher
        self.clock = clock
        self.codes = codes or CodeGenerator()
        self.metrics = metrics
        self.default_locale = default_locale
        #: The fraud guard (screens paid sends) and the insights (counts what converts).
        self.watch = watch

    # -- start ---------------------------------------------------------------

    def start(
        self,
        to: str,
        channel: str,
        purpose: str | None = None,
        locale: str | None = None,
        client_ip: str | None = None,
        api_key: str | None = None,
        amount: str | None = None,
        payee: str | None = None,
        *,
        digits: int | None = None,
        brand: str | None = None,
        flow: str | None = None,
        sender: str | None = None,
    ) -> Started:
        """Send a code: a new verification, or a resend of the one pending for
        ``to`` and ``purpose`` (same id, new code, failures kept).

        ``digits`` (4–10) and ``brand`` (the name the message shows) override
        the purpose's code length and ``SANDI_BRAND`` for this send: a Twilio
        Verify service's ``CodeLength`` and ``FriendlyName``. ``flow`` (the chat
        flow asking) and ``sender`` (the chat customer asking) feed the insights
        and the fraud guard.
        """
        try:
            return self._start(
                to, channel, purpose, locale, {"ip": client_ip, "key": api_key, "sender": sender},
                amount, payee, digits, brand, flow,
            )  # fmt: skip
        except OtpError as err:
            self._refused(err)
            raise

    def _start(
        self,
        to: object,
        channel: object,
        purpose: object,
        locale: object,
        sources: dict[str, str | None],
        amount: object,
        payee: object,
        digits: object = None,
        brand: object = None,
        flow: str | None = None,
    ) -> Started:
        purpose_ = req.purpose_of(purpose)
        policy = self.settings.policy(purpose_)
        digits_ = req.digits_of(digits, policy)
        brand_ = req.brand_of(brand)
        channel_ = req.channel_of(channel, policy, purpose_)
        dest = parse_destination(to, channel_)
        if dest.kind == "phone":
            req.allow_country(self.settings, dest.country)
        amount_, payee_ = req.binding_of(policy, purpose_, amount, payee, required=True)
        locale_ = req.locale_of(locale, self.default_locale)
        digest = self.hasher.destination(dest.address)
        base = StartCommand(
            tag=digest[:16], open_field=f"{purpose_}:{digest}", existing_id="", new_id="",
            expect="new", now_ms=0, code_hash="", digits=digits_,
            ttl=policy.ttl_for("email" if dest.kind == "email" else "sms"),
            max_checks=policy.max_checks, max_sends=policy.max_sends,
            cooldown=policy.resend_cooldown, retention=self.settings.retention,
            to=dest.address, channel=channel_, purpose=purpose_, locale=locale_,
            amount=amount_, payee=payee_, token=secrets.token_hex(8), brand=brand_,
        )  # fmt: skip
        ctx = SendContext()  # set once, when the send is counted
        counted = False  # one unit of the send limits per request, even on a retry
        for _ in range(_RETRIES):
            # Optimistic: assume the open id read last (none at first); the store
            # answers "retry" with the real one, so a first send needs no read.
            command = replace(
                base, new_id=f"VE{base.tag}{secrets.token_hex(8)}", now_ms=to_ms(self.clock())
            )
            claimed = self.store.start(command, claim=True)
            if claimed.kind == "retry":
                base = replace(base, existing_id=claimed.open_id)
                continue
            refuse_start(claimed, base.existing_id)
            if not counted:
                ctx = self._screen(command, dest.country, flow, sources)
                self._count_send(command, digest, sources["key"], sources["ip"])
                counted = True
            resend = claimed.kind == "resend"
            vid = command.existing_id if resend else command.new_id
            code = self.codes.generate(digits_)
            command = replace(
                command,
                expect="resend" if resend else "new",
                code_hash=self.hasher.code_hash(vid, code, amount_, payee_),
            )
            written = self.store.start(command, claim=False)
            if written.kind == "retry":
                base = replace(base, existing_id=written.open_id or base.existing_id)
                continue
            if written.kind not in {"created", "resent"}:
                self.store.release(command)
            refuse_start(written, vid)
            return self._send(command, vid, code, written, resend, ctx)
        raise OtpError("busy", "the verification is changing under concurrent requests; retry")

    def _screen(
        self, command: StartCommand, country: str | None, flow: str | None,
        sources: dict[str, str | None],
    ) -> SendContext:  # fmt: skip
        """The fraud guard's say before a paid send (its claim given back on a block)."""
        if self.watch is None:
            return SendContext()
        try:
            return self.watch.before_send(
                to=command.to, country=country, channel=command.channel,
                purpose=command.purpose, flow=flow, sources=sources, now_ms=command.now_ms,
            )  # fmt: skip
        except OtpError:
            self.store.release(command)
            raise

    def _count_send(
        self, command: StartCommand, digest: str, api_key: str | None, client_ip: str | None
    ) -> None:
        refusal = self.limiter.acquire(digest, api_key, client_ip)
        if refusal is not None:
            self.store.release(command)
            raise OtpError(
                "rate_limited",
                f"too many codes sent for this {refusal.scope.replace('_', ' ')}; "
                f"try again in {refusal.retry_after} s",
                retry_after=refusal.retry_after,
            )

    def _send(
        self, c: StartCommand, vid: str, code: str, written: StartOutcome, resend: bool,
        ctx: SendContext,
    ) -> Started:  # fmt: skip
        message = CodeMessage(
            verification_id=vid, to=c.to, channel=c.channel, code=code, locale=c.locale,
            purpose=c.purpose, expires_in=c.ttl, amount=c.amount or None, payee=c.payee or None,
            brand=c.brand or None,
        )  # fmt: skip
        try:
            receipt = self._deliver(message, written.gen)
        except DeliveryError as err:
            if self.watch:
                self.watch.failed(ctx, c.channel, err.code, c.now_ms)
            raise OtpError(
                "delivery_failed",
                f"the {c.channel} channel could not deliver the code ({err.code})",
                verification_id=vid,
            ) from None
        kind = "resend" if resend else "new"
        if self.metrics:
            self.metrics.sends.labels(receipt.channel, c.purpose, kind).inc()
        if self.watch:
            self.watch.sent(vid, ctx, receipt.channel, c.now_ms, new=not resend, ttl=c.ttl + 600)
        log.info(
            "otp %s %s to=%s channel=%s purpose=%s send=%s sid=%s",
            kind, vid, mask(c.to), receipt.channel, c.purpose, written.gen, receipt.message_id,
        )  # fmt: skip
        verification = Verification(
            id=vid, to=c.to, channel=receipt.channel, purpose=c.purpose, locale=c.locale,
            status=PENDING, created_at=from_ms(written.created_ms),
            expires_at=from_ms(c.now_ms + c.ttl * 1000), send_count=written.sends,
            attempts_left=written.attempts_left,
            delivery=Delivery(channel=receipt.channel, status="sent", error_code=None),
            amount=c.amount or None, payee=c.payee or None, code_length=c.digits,
            brand=c.brand or None, updated_at=from_ms(c.now_ms),
        )  # fmt: skip
        return Started(verification=verification, resent=resend)

    # -- check ---------------------------------------------------------------

    def check(
        self,
        *,
        code: str,
        to: str | None = None,
        verification_id: str | None = None,
        purpose: str | None = None,
        amount: str | None = None,
        payee: str | None = None,
    ) -> CheckResult:
        """Compare ``code`` (spaces and dashes allowed) with the pending
        verification for ``to`` and ``purpose``, or the one with that id."""
        try:
            result = self._check(code, to, verification_id, purpose, amount, payee)
        except OtpError as err:
            self._refused(err)
            raise
        if self.metrics:
            outcome = "approved" if result.valid else result.status
            self.metrics.checks.labels("wrong" if outcome == PENDING else outcome).inc()
        return result

    def _check(
        self,
        code: object,
        to: object,
        verification_id: object,
        purpose: object,
        amount: object,
        payee: object,
    ) -> CheckResult:
        code_ = normalize_code(code)
        if (to is None) == (verification_id is None):
            raise invalid("to", "give either to or id (not both)")
        if verification_id is not None:
            vid = req.verification_id_of(verification_id)
            purpose_filter = "" if purpose is None else req.purpose_of(purpose)
        else:
            purpose_filter = req.purpose_of(purpose)
            dest = parse_destination(to, "auto")
            digest = self.hasher.destination(dest.address)
            found = self.store.open_id(digest[:16], f"{purpose_filter}:{digest}")
            if not found:
                raise OtpError("not_found", "no pending verification for this destination")
            vid = found
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
        )
        kind = outcome.kind
        if kind == "approved":
            log.info("otp approved %s", vid)
            if self.watch:
                self.watch.approved(vid, to_ms(self.clock()))
            return CheckResult(vid, APPROVED, True, outcome.attempts_left)
        if kind == "wrong":
            log.info("otp wrong code %s attempts_left=%d", vid, outcome.attempts_left)
            return CheckResult(vid, PENDING, False, outcome.attempts_left)
        if kind == "locked_now":
            log.warning("otp max attempts reached %s", vid)
            return CheckResult(vid, MAX_ATTEMPTS, False, 0)
        raise check_refusal(vid, outcome.kind, outcome.status, outcome.digits, outcome.wait_ms)

    # -- cancel, read ------------------------------------------------------------

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

    def find(self, to: str, purpose: str | None = None) -> Verification:
        """The verification still open for ``to`` and ``purpose`` (pending, or
        locked after too many wrong codes): Twilio Verify's fetch by ``To``."""
        purpose_ = req.purpose_of(purpose)
        dest = parse_destination(to, "auto")
        digest = self.hasher.destination(dest.address)
        found = self.store.open_id(digest[:16], f"{purpose_}:{digest}")
        if not found:
            raise OtpError("not_found", "no pending verification for this destination", field="to")
        return self.get(found)

    def _refused(self, err: OtpError) -> None:
        if self.metrics:
            self.metrics.refusals.labels(err.code).inc()
        log.info("otp refused: %s", err.code)
