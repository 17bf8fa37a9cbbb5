"""The ``otp_issue`` and ``otp_confirm`` steps, through the :class:`OtpPort`.

``otp_issue`` asks the OTP service to send a code (to the customer's own
number unless the step says ``to:``) over the channel the flow names, and
remembers where it went. ``otp_confirm`` waits for the code; a code typed
``123 456`` or ``123-456`` counts as ``123456``; ``kirim ulang``/``resend``
sends a new one without resetting the failure count (NIST SP 800-63B); the
step's tries, or the service's own attempt limit, end it politely.

The code itself never passes through here except on its way to
``OtpPort.check``: it is not stored, logged or echoed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from app.content import flows as f
from app.content.expressions import safe_evaluate
from app.content.filters import rupiah
from app.content.text import normalise
from app.conversation.answers import parse_otp_code
from app.conversation.dialogue import Dialogue
from app.conversation.go import END, STOP, WAIT, Go
from app.conversation.ports import OTP_CHANNELS, OtpPort, OtpStart
from app.logs import mask

if TYPE_CHECKING:
    from app.conversation.steps import Steps

log = logging.getLogger(__name__)

DEFAULT_RESEND_WORDS = (
    "kirim ulang", "kirim lagi", "kirim ulang kode", "kirim kode lagi", "minta kode baru",
    "kode baru", "resend", "resend code", "send again", "send it again", "new code",
    "send a new code",
)  # fmt: skip


class OtpSteps:
    def __init__(self, otp: OtpPort | None, resend_words: tuple[str, ...] = ()) -> None:
        self.port = otp
        self.resend_words = frozenset(DEFAULT_RESEND_WORDS) | frozenset(resend_words)

    def is_resend(self, text: str) -> bool:
        return normalise(text) in self.resend_words

    def _start(
        self, d: Dialogue, to: str, channel: str, purpose: str, sent: dict[str, Any]
    ) -> OtpStart:
        if self.port is None:
            log.error("otp step for %s but no OTP service is configured", purpose)
            return OtpStart("failed")
        # Only what the step uses is passed: a payment's binding, a list's order.
        extra = {k: sent[k] for k in ("amount", "payee") if sent.get(k)}
        if sent.get("fallback"):
            extra["fallback"] = tuple(sent["fallback"])
        # The customer asking is counted too: one chat cannot spray codes at many addresses.
        result = self.port.start(
            to=to, channel=channel, purpose=purpose, locale=d.locale,
            flow=d.flow_id, sender=d.message.sender, **extra,
        )  # fmt: skip
        log.info(
            "otp %s via %s to %s: %s%s", purpose, channel, mask(to), result.status,
            f" ({result.reason})" if result.reason else "",
        )  # fmt: skip
        return result

    def issue(self, d: Dialogue, step: f.OtpIssue) -> Go:
        to = d.message.sender
        if step.to is not None:
            value, error = safe_evaluate(step.to, d.context())
            to = str(value).strip() if value and not error else ""
        channel_value, error = safe_evaluate(step.channel, d.context())
        channel = str(channel_value or "").strip().lower()
        binding, problem = _binding(d, step)
        if error or channel not in OTP_CHANNELS or not to:
            log.error("otp_issue %s: bad channel %r or address", step.purpose, channel)
            result = OtpStart("failed")
        elif problem:
            log.error("otp_issue %s in flow %s: %s", step.purpose, d.flow_id, problem)
            result = OtpStart("failed")
        else:
            sent: dict[str, Any] = {"to": to, "channel": channel, **binding}
            if step.fallback:
                sent["fallback"] = list(step.fallback)
            d.session.setdefault("otp", {})[step.purpose] = sent
            if binding and channel == "whatsapp":
                self._whatsapp_notice(d, binding)  # before the code's own message
            result = self._start(d, to, channel, step.purpose, sent)
        used = result.channel or channel
        if result.status == "pending":
            if binding and used == "whatsapp" and channel != "whatsapp":
                self._whatsapp_notice(d, binding)  # auto (or a list) chose WhatsApp
            d.say(
                step.template, otp_channel=used, otp_to=to,
                otp_amount=binding.get("amount"), otp_payee=binding.get("payee"),
            )  # fmt: skip
            return Go(step.next)
        if result.status == "cooldown":
            d.say("otp/cooldown", retry_after=result.retry_after, otp_channel=channel, otp_to=to)
            return Go(step.next)
        d.extra["error"] = result.reason or result.status
        if result.retry_after:
            d.extra["retry_after"] = result.retry_after
        if step.on_error:
            return Go(step.on_error)
        d.say("otp/failed", d.offer(d.escape_buttons()))
        return END

    def _whatsapp_notice(self, d: Dialogue, binding: dict[str, str]) -> None:
        """WhatsApp's authentication template shows only the code (Meta fixes its
        text): the chat says which payment it approves, in the customer's language."""
        d.say("otp/payment_whatsapp", otp_amount=binding["amount"], otp_payee=binding["payee"])

    def confirm(self, d: Dialogue, step: f.OtpConfirm, text: str, steps: Steps) -> Go:
        state = d.session.get("otp")
        sent = state.get(step.purpose) if isinstance(state, dict) else None
        if not isinstance(sent, dict):
            return self._expired(d, step)
        to, channel = str(sent.get("to")), str(sent.get("channel"))
        if normalise(text) in self.resend_words:
            result = self._start(d, to, channel, step.purpose, sent)
            if result.status == "pending":
                d.say("otp/sent", otp_channel=result.channel or channel, otp_to=to)
            elif result.status == "cooldown":
                d.say(
                    "otp/cooldown", retry_after=result.retry_after, otp_channel=channel, otp_to=to
                )
            else:
                d.say("otp/failed")
            return WAIT
        code = parse_otp_code(text)
        if code is None:
            return steps.invalid(d, step, "invalid/otp_code")
        _redact_code(d)
        if self.port is None:
            return self._expired(d, step)
        bound = {k: str(sent[k]) for k in ("amount", "payee") if sent.get(k)}
        # A payment code approves only the amount and payee it was sent for.
        check = self.port.check(to=to, purpose=step.purpose, code=code, **bound)
        log.info("otp check %s for %s: %s", step.purpose, mask(to), check.status)
        if check.status == "approved":
            if step.save_as:
                d.set_var(step.save_as, True)
            if isinstance(state, dict):
                state.pop(step.purpose, None)
            return Go(step.next)
        if check.status == "pending":
            return steps.invalid(d, step, step.invalid, attempts_left=check.attempts_left)
        if check.status == "max_attempts_reached":
            d.session["tries"] = 0
            if step.on_fail:
                return Go(step.on_fail)
            d.say("common/too_many_tries", d.offer(d.escape_buttons()))
            return STOP
        return self._expired(d, step)

    def _expired(self, d: Dialogue, step: f.OtpConfirm) -> Go:
        if step.on_expired:
            return Go(step.on_expired)
        d.say("otp/expired", d.offer(d.escape_buttons()))
        return STOP


def _redact_code(d: Dialogue) -> None:
    """Keep the typed code out of the history staff read (and out of Redis).

    The TurnRunner records each inbound message in ``session["history"]``;
    only the entry of this very message is touched, and only its text.
    """
    history = d.session.get("history")
    last = history[-1] if isinstance(history, list) and history else None
    if (
        isinstance(last, dict)
        and str(last.get("in")) == (d.message.body or "")[: len(str(last.get("in")))]
    ):
        last["in"] = "[code]"


def _binding(d: Dialogue, step: f.OtpIssue) -> tuple[dict[str, str], str | None]:
    """The step's ``amount`` and ``payee`` as text (a number shown in Rupiah), or why not."""
    found: dict[str, str] = {}
    for name, value in (("amount", step.amount), ("payee", step.payee)):
        if value is None:
            continue
        result, error = safe_evaluate(value, d.context())
        if error:
            return {}, f"{name} cannot be worked out: {error}"
        if isinstance(result, int | float) and not isinstance(result, bool) and name == "amount":
            text = rupiah(result)
        else:
            text = " ".join(str(result if result is not None else "").split())
        if not text:
            return {}, f"{name} is empty (is the variable set before this step?)"
        found[name] = text
    return found, None
