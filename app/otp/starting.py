"""Starting a verification: a new code, or a resend of the pending one.

The part of :class:`app.otp.service.OtpService` behind ``start``. A first
attempt asks its questions together (:meth:`Starts._claim_once`): the claim
(:class:`VerificationStore` keeps concurrent starts apart), which writes a new
verification's code at once, the fraud guard's screening and the send limits
share one round trip (the number's own limits counted by the claim itself),
and what a refusal leaves is undone. A resend writes its code
after (the pending code may be repeated). Then the channels; the bookkeeping
nobody waits for (the delivery noted, the insights) is sent in one round trip
with the delivery's tracking (``batch``; :meth:`Deliveries._settled`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from app.logs import bind_log_context, mask
from app.otp import request_checks as req
from app.otp.delivering import Deliveries
from app.otp.destinations import limit_address, parse_destination
from app.otp.errors import OtpError
from app.otp.model import PENDING, Delivery, Started, Verification, from_ms, to_ms
from app.otp.policy import purpose_label
from app.otp.ports import (
    SOURCE_SCOPES,
    CodeMessage,
    DeliveryError,
    LimitRefusal,
    SendLimiter,
    StartCommand,
    StartOutcome,
    open_field,
    send_key,
)
from app.otp.refusals import refuse_start
from app.otp.watch import SendContext

log = logging.getLogger(__name__)

_RETRIES = 5
#: The send limits keyed on whom a send goes to: counted once the claim is won.
_TARGET_SCOPES = ("sender", "destination")


def _same_code_floor(ttl: int) -> int:
    """The time (ms) a pending code must have left for a resend to repeat it."""
    return min(60, ttl // 2) * 1000


class Starts(Deliveries):
    """``start``; :class:`app.otp.service.OtpService` sets the attributes."""

    limiter: SendLimiter
    default_locale: str
    locales: tuple[str, ...]

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
        sender: str | None = None,
        service: str | None = None,
        flow: str | None = None,
        fallback: tuple[str, ...] = (),
    ) -> Started:
        """Send a code: a new verification, or a resend of the one pending for
        ``to`` and ``purpose`` (same id, failures kept, and — as Twilio Verify
        does — the same code while it has time left: see :meth:`_code_for`).

        ``sender`` is the customer a chat flow sends for: counted against the
        per-sender limits, as ``client_ip`` and ``api_key`` are for API sends;
        with ``flow`` (the chat flow asking) it also feeds the insights and the
        fraud guard.

        ``digits`` (4–10) and ``brand`` (the name the message shows) override
        the purpose's code length and ``SANDI_BRAND`` for this send: a Twilio
        Verify service's ``CodeLength`` and ``FriendlyName``. ``service`` (a VA
        sid) keeps the verification apart from every other service's and from
        ``/v1``'s on the same number, as on Twilio. ``fallback``: the order the
        channels try after ``channel`` (a chat flow's list of channels).
        """
        undo: list[Callable[[], None]] = []  # a send asked ahead that no delivery used
        try:
            with self.batch():
                try:
                    return self._start(
                        to, channel, purpose, locale, client_ip, api_key, amount, payee,
                        digits, brand, sender, service or "", flow, fallback, undo,
                    )  # fmt: skip
                finally:
                    for release in undo:
                        release()
        except OtpError as err:
            self._refused(err)
            raise

    def _start(
        self,
        to: object,
        channel: object,
        purpose: object,
        locale: object,
        client_ip: str | None,
        api_key: str | None,
        amount: object,
        payee: object,
        digits: object = None,
        brand: object = None,
        sender: str | None = None,
        service: str = "",
        flow: str | None = None,
        fallback: tuple[str, ...] = (),
        undo: list[Callable[[], None]] | None = None,
    ) -> Started:
        purpose_ = req.purpose_of(purpose)
        policy = self.settings.policy(purpose_)
        digits_ = req.digits_of(digits, policy)
        brand_ = req.brand_of(brand)
        channel_ = req.channel_of(channel, policy, purpose_)
        order = tuple(req.channel_of(c, policy, purpose_) for c in fallback)
        dest = parse_destination(to, channel_)
        if channel_ == "auto" and dest.kind == "email":
            # auto picks by address: an e-mail address can only go by e-mail
            # (if the purpose may use it), never to a phone channel that refuses it.
            channel_ = req.channel_of("email", policy, purpose_)
        if dest.kind == "phone":
            req.allow_country(self.settings, dest.country)
            req.allow_number_type(policy, channel_, dest.number_type)
        amount_, payee_ = req.binding_of(policy, purpose_, amount, payee, required=True)
        locale_ = req.locale_of(locale, self.default_locale, self.locales)
        digest = self.hasher.destination(dest.address)
        base = StartCommand(
            tag=digest[:16], open_field=open_field(purpose_, digest, service),
            existing_id="", new_id=_new_id(digest[:16]),
            expect="new", now_ms=to_ms(self.clock()), code_hash="", digits=digits_,
            ttl=policy.ttl_for("email" if dest.kind == "email" else "sms"),
            max_checks=policy.checks_for(channel_), max_sends=policy.max_sends,
            cooldown=policy.resend_cooldown, retention=self.settings.retention,
            to=dest.address, channel=channel_, purpose=purpose_, locale=locale_,
            amount=amount_, payee=payee_, token=secrets.token_hex(8), brand=brand_,
            service=service, fallback=order,
        )  # fmt: skip
        ctx = SendContext()  # set once, when the send is counted
        counted = False  # one unit of the send limits per request, even on a retry
        for attempt in range(_RETRIES):
            # Optimistic: assume the open id read last (none at first); the store
            # answers "retry" with the real one, so a first send needs no read.
            if attempt:  # a new id and time (the first attempt's are in ``base``)
                base = base.but(new_id=_new_id(base.tag), now_ms=to_ms(self.clock()))
            command = base
            if not counted:
                sources = {"ip": client_ip, "key": api_key, "sender": sender}
                limited = self._limit_keys(limit_address(dest.address), api_key, client_ip, sender)
                claimed, ctx, first = self._claim_once(
                    command, dest.country, flow, sources, limited, undo
                )
                if claimed.kind == "retry":
                    base = base.but(existing_id=claimed.open_id)
                    continue
                counted = True
                if claimed.kind == "created":  # written with its code in that same round trip
                    expires_ms = command.now_ms + command.ttl * 1000
                    return self._send(
                        command, command.new_id, first.code, claimed, False, expires_ms, ctx,
                        first,
                    )  # fmt: skip
            else:
                claimed = self.store.start(command, claim=True)
                if claimed.kind == "retry":
                    base = base.but(existing_id=claimed.open_id)
                    continue
                refuse_start(claimed, base.existing_id)
            resend = claimed.kind == "resend"
            vid = command.existing_id if resend else command.new_id
            command, code, expires_ms = self._code_for(command, vid, resend)
            written = self.store.start(command, claim=False)
            if written.kind == "retry":
                base = base.but(existing_id=written.open_id or base.existing_id)
                continue
            if written.kind not in {"created", "resent"}:
                self.store.release(command)
            refuse_start(written, vid)
            return self._send(command, vid, code, written, resend, expires_ms, ctx)
        raise OtpError("busy", "the verification is changing under concurrent requests; retry")

    def _code_for(
        self, command: StartCommand, vid: str, resend: bool
    ) -> tuple[StartCommand, str, int]:
        """The code to send and when it expires (ms).

        A resend repeats the pending code, unsealed, with its own expiry kept
        (NIST: a code lives at most its lifetime from when it was made), so
        whichever message the customer types from is right — what Twilio
        Verify does. A new code instead when the old one has under a minute
        (or half its lifetime) left, was dictated by a flash call, has another
        length, or no sealer is configured: the earlier code then no longer
        matches.
        """
        if resend and self.sealer is not None and command.channel != "flashcall":
            record = self.store.get(vid) or {}
            sealed = record.get("sealed", "")
            code = self.sealer.unseal(vid, sealed)
            expires_ms = int(record.get("expires_at") or 0)
            left_ms = expires_ms - command.now_ms
            if code and len(code) == command.digits and left_ms >= _same_code_floor(command.ttl):
                ttl = -(-left_ms // 1000)
                return command.but(expect="same", sealed=sealed, ttl=ttl), code, expires_ms
        fresh, code = self._fresh_code(command, vid, resend)
        return fresh, code, command.now_ms + command.ttl * 1000

    def _fresh_code(
        self, command: StartCommand, vid: str, resend: bool, **also: Any
    ) -> tuple[StartCommand, str]:
        """A new code for ``vid``, hashed and sealed into ``command`` (with ``also``)."""
        code = self.codes.generate(command.digits)
        sealed = self.sealer.seal(vid, code) if self.sealer is not None else ""
        code_hash = self.hasher.code_hash(vid, code, command.amount, command.payee)
        expect = "resend" if resend else "new"
        return command.but(expect=expect, code_hash=code_hash, sealed=sealed, **also), code

    def _claim_once(
        self, command: StartCommand, country: str | None, flow: str | None,
        sources: dict[str, str | None], limited: tuple[str, str | None, str | None, str | None],
        undo: list[Callable[[], None]] | None = None,
    ) -> tuple[StartOutcome, SendContext, CodeMessage]:  # fmt: skip
        """Claim the send, screen it and count it against the send limits: one round trip.

        The first is speculative, so nothing in it waits on another's answer:
        the claim writes a new verification with its code at once (``created``;
        a resend is only claimed), and the limits keyed on where the send comes
        from (server, client IP, API key) count before the fraud guard's verdict
        is known. What a refusal leaves is undone at once: a refused claim or a
        blocked send gives those hits back (a blocked attack must not spend the
        limits its API key shares with real customers), and a blocked or
        limited send discards the verification written for it, whose code
        never went out. The number's own limits are counted by the claim when
        its store keeps them beside it (racing requests for one number never
        fill its window for the one that wins); else (and a chat sender's) in
        a second trip once the claim is won.

        Returns with the claim's outcome the new verification's first message (its
        code, generation 1): asked ahead of the delivery, and sent as it is if created.
        """
        target: tuple[str, ...] = _TARGET_SCOPES
        windows: dict[str, Any] = {}
        by_store = self.limiter.destination_windows()
        if by_store and limited[0][: len(command.tag)] == command.tag:
            # the number's limits live beside its claim: the claim counts them
            windows = {"windows": by_store[1], "windows_now_ms": by_store[0]}
            target = ("sender",)
        fresh, code = self._fresh_code(command, command.new_id, resend=False, **windows)
        claim = self.store.claim_soon(fresh)
        screen = self._screen_soon(fresh, country, flow, sources)
        hold = self.limiter.acquire_soon(*limited, scopes=SOURCE_SCOPES)
        first = _message(fresh, fresh.new_id, code, 1)
        prepare = getattr(self.delivery, "prepare", None)
        if prepare is not None and undo is not None:
            # the new verification's first send (generation 1), asked ahead: its
            # opt-out read and attempt claim; dropped if the start does not send it
            undo.append(prepare(first))
        claimed = claim()  # the round trip: the claim's, the screening's and the limits'
        held = hold()
        if claimed.kind == "limited":  # the number's window (the others count it, as ever)
            wait = -(-claimed.wait_ms // 1000)
            self._refuse_limited(fresh, LimitRefusal("destination", wait), discard=False)
        if claimed.kind not in {"created", "resend"}:
            held.give_back()
            if claimed.kind != "retry":
                refuse_start(claimed, command.existing_id)
            return claimed, SendContext(), first
        created = claimed.kind == "created"
        try:
            ctx = screen()
        except OtpError:
            held.give_back()
            self.store.release(fresh, discard=created)
            raise
        refusal = held.refusal or self.limiter.acquire_soon(*limited, scopes=target)().refusal
        self._refuse_limited(fresh, refusal, discard=created)
        return claimed, ctx, first

    def _screen_soon(
        self, command: StartCommand, country: str | None, flow: str | None,
        sources: dict[str, str | None],
    ) -> Callable[[], SendContext]:  # fmt: skip
        """The fraud guard's say before a paid send, read with the claim's round trip."""
        if self.watch is None:
            return SendContext
        return self.watch.screen_soon(
            to=command.to, country=country, channel=command.channel,
            purpose=command.purpose, flow=flow, sources=sources, now_ms=command.now_ms,
        )  # fmt: skip

    def _limit_keys(
        self, address: str, api_key: str | None, client_ip: str | None, sender: str | None
    ) -> tuple[str, str | None, str | None, str | None]:
        """What the send limits count a send under (destination and sender by digest)."""
        who = self.hasher.destination(sender) if sender else None
        return self.hasher.destination(address), api_key, client_ip, who

    def _refuse_limited(
        self, command: StartCommand, refusal: LimitRefusal | None, *, discard: bool
    ) -> None:
        if refusal is not None:
            self.store.release(command, discard=discard)
            raise OtpError(
                "rate_limited",
                f"too many codes sent for this {refusal.scope.replace('_', ' ')}; "
                f"try again in {refusal.retry_after} s",
                retry_after=refusal.retry_after,
            )

    def _send(
        self,
        c: StartCommand,
        vid: str,
        code: str,
        written: StartOutcome,
        resend: bool,
        expires_ms: int,
        ctx: SendContext,
        first: CodeMessage | None = None,
    ) -> Started:
        """Deliver the code and answer. ``first``: the message a new verification's first
        send was asked ahead with, used as it is (not built twice) when this is that send."""
        bind_log_context(verification_id=vid)
        if first is not None and first.send_key == send_key(vid, written.gen):
            message = first
        else:
            message = _message(c, vid, code, written.gen)
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
        if self.watch:
            self.watch.sent(vid, ctx, receipt.channel, c.now_ms, new=not resend, ttl=c.ttl + 600)
        if self.metrics:
            self.metrics.sends.labels(
                receipt.channel, purpose_label(self.settings, c.purpose), kind
            ).inc()
        receipt = self._settled(vid, receipt)  # the batch's trip: the send's bookkeeping
        log.info(
            "otp %s %s to=%s channel=%s purpose=%s send=%s sid=%s",
            kind, vid, mask(c.to), receipt.channel, c.purpose, written.gen, receipt.message_id,
        )  # fmt: skip
        verification = Verification(
            id=vid, to=c.to, channel=receipt.channel, purpose=c.purpose, locale=c.locale,
            status=PENDING, created_at=from_ms(written.created_ms),
            expires_at=from_ms(expires_ms), send_count=written.sends,
            attempts_left=written.attempts_left,
            delivery=Delivery(channel=receipt.channel, status=receipt.status,
                              error_code=receipt.error_code),
            amount=c.amount or None, payee=c.payee or None, code_length=c.digits,
            brand=c.brand or None, updated_at=from_ms(c.now_ms),
        )  # fmt: skip
        return Started(verification=verification, resent=resend)


def _new_id(tag: str) -> str:
    """A new verification's id: ``VE``, the destination's tag, 64 random bits."""
    return f"VE{tag}{secrets.token_hex(8)}"


def _message(c: StartCommand, vid: str, code: str, gen: int) -> CodeMessage:
    """The code's message for send ``gen`` of ``vid`` (its send key names the attempt)."""
    return CodeMessage(
        verification_id=vid, to=c.to, channel=c.channel, code=code, locale=c.locale,
        purpose=c.purpose, expires_in=c.ttl, amount=c.amount or None, payee=c.payee or None,
        brand=c.brand or None, send_key=send_key(vid, gen), fallback=c.fallback,
    )  # fmt: skip
