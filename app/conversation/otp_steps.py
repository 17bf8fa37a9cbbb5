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
from typing import TYPE_CHECKING

from app.content import flows as f
from app.content.expressions import safe_evaluate
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

    def _start(self, d: Dialogue, to: str, channel: str, purpose: str) -> OtpStart:
        if self.port is None:
            log.error("otp step for %s but no OTP service is configured", purpose)
            return OtpStart("failed")
        # The customer asking is counted too: one chat cannot spray codes at many addresses.
        result = self.port.start(
            to=to, channel=channel, purpose=purpose, locale=d.locale,
            flow=d.flow_id, sender=d.message.sender,
        )  # fmt: skip
        log.info("otp %s via %s to %s: %s", purpose, channel, mask(to), result.status)
        return result

    def issue(self, d: Dialogue, step: f.OtpIssue) -> Go:
        to = d.message.sender
        if step.to is not None:
            value, error = safe_evaluate(step.to, d.context())
            to = str(value).strip() if value and not error else ""
        channel_value, error = safe_evaluate(step.channel, d.context())
        channel = str(channel_value or "").strip().lower()
        if error or channel not in OTP_CHANNELS or not to:
            log.error("otp_issue %s: bad channel %r or address", step.purpose, channel)
            result = OtpStart("failed")
        else:
            otp_state = d.session.setdefault("otp", {})
            otp_state[step.purpose] = {"to": to, "channel": channel}
            result = self._start(d, to, channel, step.purpose)
        if result.status == "pending":
            d.say(step.template, otp_channel=result.channel or channel, otp_to=to)
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

    def confirm(self, d: Dialogue, step: f.OtpConfirm, text: str, steps: Steps) -> Go:
        state = d.session.get("otp")
        sent = state.get(step.purpose) if isinstance(state, dict) else None
        if not isinstance(sent, dict):
            return self._expired(d, step)
        to, channel = str(sent.get("to")), str(sent.get("channel"))
        if normalise(text) in self.resend_words:
            result = self._start(d, to, channel, step.purpose)
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
        check = self.port.check(to=to, purpose=step.purpose, code=code)
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
