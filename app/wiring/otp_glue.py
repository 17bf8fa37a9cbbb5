"""Glue between the cores: the OTP service as the chat flows and the channels see it.

The conversation core asks for codes through its own small ``OtpPort``; the
channels ask for fallbacks through ``FallbackTarget``. Both speak in plain
results, while :class:`OtpService` refuses with :class:`OtpError`. These
adapters translate, so neither core has to know the other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from app.conversation.ports import OtpCheck, OtpCheckStatus, OtpStart
from app.otp.destinations import parse_destination
from app.otp.errors import OtpError
from app.otp.model import MAX_ATTEMPTS, PENDING
from app.otp.ports import DeliveryError, DeliveryReceipt
from app.otp.service import OtpService

log = logging.getLogger(__name__)

_COOLDOWN = {"resend_cooldown"}
_FAILED = {"delivery_failed", "busy"}
#: Refusals that no customer causes: the flow asks for what the OTP policy forbids.
_FLOW_MISTAKES = {"payment_binding_required", "binding_not_allowed", "channel_not_allowed"}
#: Fields the flow fills in (an invalid address is the customer's typing, not these).
_FLOW_FIELDS = {"amount", "payee", "channel"}


class ChatOtp:
    """:class:`app.conversation.ports.OtpPort` over the real OTP service."""

    def __init__(self, service: OtpService, link: Callable[[str, str], None] | None = None) -> None:
        self.service = service
        #: (customer number, address) -> remember that the customer verified the address.
        self.link = link

    def start(
        self, *, to: str, channel: str, purpose: str, locale: str,
        flow: str | None = None, sender: str = "",
        amount: str | None = None, payee: str | None = None, fallback: tuple[str, ...] = (),
    ) -> OtpStart:  # fmt: skip
        self._link(sender or None, to)
        try:
            started = self.service.start(
                to, channel, purpose, locale, amount=amount, payee=payee,
                flow=flow, sender=sender or None, fallback=fallback,
            )  # fmt: skip
        except OtpError as err:
            if err.code in _COOLDOWN:
                return OtpStart("cooldown", retry_after=err.retry_after)
            if err.code in _FAILED:
                return OtpStart("failed")
            if err.code in _FLOW_MISTAKES or err.field in _FLOW_FIELDS:
                # A refusal no customer causes (a binding the purpose wants, a channel
                # it forbids): the flow is wrong, every run; say so where staff look.
                log.error("otp %s from flow %s refused: %s (%s)", purpose, flow, err.code, err)
            return OtpStart("refused", retry_after=err.retry_after, reason=err.code)
        return OtpStart("pending", channel=started.verification.channel)

    def _link(self, customer: str | None, to: str) -> None:
        """Before anything is stored for ``to``: remember it belongs to ``customer``."""
        if self.link is None or not customer:
            return
        try:
            address = parse_destination(to, "auto").address
        except OtpError:
            return  # refused by the service too; nothing will be stored
        if address != customer:
            self.link(customer, address)

    def check(
        self, *, to: str, purpose: str, code: str,
        amount: str | None = None, payee: str | None = None,
    ) -> OtpCheck:  # fmt: skip
        try:
            result = self.service.check(
                code=code, to=to, purpose=purpose, amount=amount, payee=payee
            )
        except OtpError as err:
            if err.code == "max_attempts_reached":
                return OtpCheck("max_attempts_reached", attempts_left=0)
            if err.code == "invalid_code" or (
                err.code == "invalid_parameter" and err.field == "code"
            ):
                # Wrong length or letters: a customer's typo, not a counted guess.
                return OtpCheck("pending", attempts_left=None)
            if err.code == "not_found":
                return OtpCheck(self._ended_status(err), attempts_left=None)
            raise
        if result.valid:
            return OtpCheck("approved", attempts_left=result.attempts_left)
        if result.status == MAX_ATTEMPTS:
            return OtpCheck("max_attempts_reached", attempts_left=0)
        assert result.status == PENDING
        return OtpCheck("pending", attempts_left=result.attempts_left)

    def _ended_status(self, err: OtpError) -> OtpCheckStatus:
        """``expired`` when the verification ran out of time, else ``not_found``."""
        vid = getattr(err, "verification_id", None)
        if not vid:
            return "not_found"
        try:
            status = self.service.get(vid).status
        except OtpError:
            return "not_found"
        return "expired" if status == "expired" else "not_found"


class FallbackOtp:
    """:class:`app.channels.status.FallbackTarget` over the real OTP service.

    The channels expect a :class:`DeliveryError` when a fallback cannot go
    out; the service's refusals (no longer pending, fallback sends used up)
    become one, never an exception escaping a status callback.
    """

    def __init__(self, service: OtpService) -> None:
        self.service = service

    def redeliver(
        self,
        verification_id: str,
        channel: str,
        *,
        same_code: bool = False,
        send_key: str | None = None,
    ) -> DeliveryReceipt:
        try:
            return self.service.redeliver(
                verification_id, channel, same_code=same_code, send_key=send_key
            )
        except OtpError as err:
            raise DeliveryError(err.code, str(err)) from None

    def record_delivery_status(
        self, verification_id: str, message_id: str, status: str, error_code: str | None = None
    ) -> bool:
        return self.service.record_delivery_status(verification_id, message_id, status, error_code)
