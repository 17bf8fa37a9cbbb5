"""``Channels``: the one :class:`~app.otp.ports.CodeDelivery` the OTP service talks to.

It resolves ``auto``, checks the address, the channel's configuration, the
customer's opt-outs and the e-mail policy, hands the message to the channel's
adapter and remembers the provider's id so status callbacks find their
verification (in a start's write-behind trip: :mod:`app.channels.settling`). Every failure is a :class:`DeliveryError` with a stable code;
nothing here raises anything else at a caller for a provider's trouble.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

import jinja2
from email_validator import EmailNotValidError, validate_email

from app.channels import ahead, settling
from app.channels.content import ContentMaker, ContentSpec, ContentUnavailable
from app.channels.email import EmailChannel, Mailer, SandboxMailer, SmtpMailer, SmtpTarget
from app.channels.flashcall import FlashCallChannel
from app.channels.http_client import marked_send
from app.channels.media_probe import MediaProbe
from app.channels.settings import CHANNELS, ChannelSettings
from app.channels.sms import SmsChannel
from app.channels.timing import TimedMailer, TimedTwilio
from app.channels.twilio_api import (
    HttpClientFactory,
    Outgoing,
    SandboxTwilio,
    TwilioApi,
    TwilioRest,
    rebased_http_client,
)
from app.channels.voice import VoiceChannel
from app.channels.wa_replies import ContentSource, SandboxContent, Sent, WhatsAppReplies
from app.channels.wa_replies import WhatsAppReply as WhatsAppReply
from app.channels.whatsapp import WhatsAppChannel
from app.content.messages import Channel, conversation_id
from app.content.render import TemplateSource
from app.logs import mask
from app.metrics import Metrics
from app.numbers import to_e164
from app.otp.email_policy import email_allowed, email_refusal
from app.otp.ports import CodeMessage, DeliveryError, DeliveryReceipt
from app.retention import DEFAULTS, Retention
from app.store import keys
from app.store.attempts import SendAttempts
from app.store.connection import RedisClient
from app.store.content_cache import ContentCache
from app.store.outbox import OutboxStore
from app.store.tracking import DeliveryLog, Digest, OptOuts

log = logging.getLogger(__name__)


def _opted_out(channel: str) -> DeliveryError:
    """The refusal of a send to a customer known to have opted out (made only then: a
    send that goes out needs none)."""
    return DeliveryError("opted_out", f"the recipient opted out of {channel} messages")


class CodeChannel(Protocol):
    """What every adapter implements: send one code, return (provider id, dictated code)."""

    name: str

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]: ...


class _NoTwilio:
    """Stands in for Twilio when it is not configured; never reached, because
    :meth:`ChannelSettings.unavailable` answers first."""

    def send(self, out: Outgoing) -> str:  # pragma: no cover
        raise DeliveryError("channel_unavailable", "Twilio is not configured")


class _NoContent:
    def sid(self, spec: ContentSpec) -> str:  # pragma: no cover - as _NoTwilio
        raise ContentUnavailable("Twilio is not configured")


class _NoSmtp:
    def send(self, message: EmailMessage, *, code: str) -> None:  # pragma: no cover
        raise DeliveryError("channel_unavailable", "SMTP_URL is not configured")


class Channels:
    def __init__(
        self,
        settings: ChannelSettings,
        templates: TemplateSource,
        redis: RedisClient,
        outbox: OutboxStore,
        clock: Callable[[], datetime],
        metrics: Metrics,
        *,
        twilio_http_client: HttpClientFactory | None = None,
        mailer: Mailer | None = None,
        digest: Digest,
        sleep: Callable[[float], None] = time.sleep,
        retention: Retention = DEFAULTS,
    ) -> None:
        self.settings = settings
        self.redis = redis
        self.clock = clock
        self.metrics = metrics
        self.log = DeliveryLog(redis, clock, retention.delivery)
        self.opt_outs = OptOuts(redis, clock, digest, retention.opt_out)
        # A claim no live send still holds: every connect try (with its retries) has timed out.
        #: Told of every code sent (message id, message, status a callback already
        #: reported): schedules the fallback watch. Wired by app.wiring.services.
        self.watch: Callable[[str, CodeMessage, str | None], None] | None = None
        self.attempts = SendAttempts(redis, stale_after=settings.twilio_timeout * 4 + 1)
        api: TwilioApi
        content: ContentSource = _NoContent()
        if settings.sandbox:
            api = SandboxTwilio(outbox, clock)
            content = SandboxContent()
        elif settings.account_sid and settings.auth_token:
            rest = TwilioRest(
                settings.account_sid,
                settings.auth_token,
                settings.twilio_timeout,
                twilio_http_client or rebased_http_client(settings.twilio_api_base_url),
            )
            api = TimedTwilio(rest, metrics)
            content = ContentMaker(rest.client, settings.account_sid, ContentCache(redis), sleep)
        else:
            api = _NoTwilio()
        if mailer is None:
            if settings.sandbox:
                mailer = SandboxMailer(outbox, clock)
            elif settings.smtp_url:
                smtp = SmtpMailer(SmtpTarget.parse(settings.smtp_url), settings.smtp_timeout)
                mailer = TimedMailer(smtp, metrics)
            else:
                mailer = _NoSmtp()
        self.sms = SmsChannel(settings, templates, api)
        self.whatsapp = WhatsAppChannel(settings, templates, api, redis, clock)
        self.voice = VoiceChannel(settings, templates, api, clock)
        self.email = EmailChannel(settings, templates, mailer, clock)
        self.flashcall = FlashCallChannel(settings, api)
        self.media_probe = MediaProbe(settings)
        #: Bot and staff replies to WhatsApp customers by REST (buttons, lists, media).
        self.whatsapp_replies = WhatsAppReplies(
            self.whatsapp, api, content, self.attempts, templates, clock
        )
        self.adapters: dict[str, CodeChannel] = {
            a.name: a for a in (self.sms, self.whatsapp, self.voice, self.email, self.flashcall)
        }
        if not settings.sandbox and not settings.status_callback:
            log.warning(
                "SANDI_PUBLIC_URL is not set: Twilio gets no StatusCallback (no delivery status, "
                "no fallback) and voice calls offer no 'press 1 to repeat'"
            )

    # -- policy the OTP service may ask before it makes a code ------------------

    def available(self, channel: str) -> bool:
        return channel == "auto" or (
            channel in CHANNELS and self.settings.unavailable(channel) is None
        )

    def allows(self, channel: str, purpose: str) -> bool:
        """May ``channel`` carry a code for ``purpose``? (NIST rule for e-mail)."""
        return channel != "email" or email_allowed(purpose, self.settings.email_purposes)

    def resolve(self, channel: str, to: str) -> str:
        """``auto``: WhatsApp when the customer is reachable there, else SMS."""
        if channel != "auto":
            return channel
        return "whatsapp" if self.reachable_on_whatsapp(to) else "sms"

    def reachable_on_whatsapp(self, number: str) -> bool:
        if self.settings.unavailable("whatsapp") or self.opt_outs.has(number, "whatsapp"):
            return False
        if number.startswith(self.settings.auto_whatsapp_prefixes):
            return True
        # The customer has written to us on WhatsApp: the number is there.
        return bool(self.redis.exists(keys.profile(conversation_id(Channel.WHATSAPP, number))))

    # -- CodeDelivery -----------------------------------------------------------

    def prepare(self, message: CodeMessage) -> Callable[[], None]:
        """Ask :meth:`deliver`'s opt-out read and attempt claim now, to ride the
        caller's next round trip (:mod:`app.channels.ahead`); not for ``auto``,
        which reads first. Returns the release, to call when the request is done."""
        try:
            to = self._address(message)
        except DeliveryError:
            return ahead.nothing  # deliver() refuses it the same way, with nothing claimed
        channel = message.channel
        if (
            not message.send_key
            or channel not in self.adapters
            or self.settings.unavailable(channel) is not None
            or not self.allows(channel, message.purpose)
        ):
            return ahead.nothing
        key = f"{message.send_key}:{channel}"
        flags = self.opt_outs.flags(to, channel)
        return ahead.ask(self.attempts, key, to, self.clock().timestamp(), flags)

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        channel = message.channel
        try:
            to = self._address(message)
            channel = self.resolve(channel, to)
            same = channel == message.channel and to == message.to  # no copy needed then
            return self._deliver(message if same else replace(message, channel=channel, to=to))
        except DeliveryError as err:
            label = channel if channel in CHANNELS else "unknown"
            self.metrics.deliveries.labels(label, err.code).inc()
            log.warning(
                "delivery %s to %s for %s failed: %s (%s)",
                channel, mask(message.to), message.verification_id, err.code, err,
            )  # fmt: skip
            raise

    def _deliver(self, message: CodeMessage) -> DeliveryReceipt:
        channel = message.channel
        adapter = self.adapters.get(channel)
        if adapter is None:
            raise DeliveryError("channel_unavailable", f"unknown channel {channel!r}")
        problem = self.settings.unavailable(channel)
        if problem:
            raise problem
        if not self.allows(channel, message.purpose):
            raise DeliveryError("channel_unavailable", email_refusal(message.purpose))
        message_id, code = self._send_once(adapter, message)
        early = self.log.track(message_id, message.verification_id, channel, message.to)
        self.metrics.deliveries.labels(channel, "sent").inc()
        # One line per OTP operation: the service logs the send (with this sid).
        if log.isEnabledFor(logging.DEBUG):  # (the number is masked only for a line written)
            log.debug(
                "sent %s code to %s for %s sid=%s",
                channel, mask(message.to), message.verification_id, message_id,
            )  # fmt: skip
        receipt = DeliveryReceipt(channel=channel, message_id=message_id, code=code)
        return settling.receipt(self, message, receipt, early)

    def _send_once(self, adapter: CodeChannel, message: CodeMessage) -> tuple[str, str | None]:
        """Send through ``adapter`` unless this send's attempt record forbids it.

        The record is claimed before anything goes out and marked "writing"
        the moment the request is written (see :mod:`app.store.attempts`), so
        a rerun of the same send (a job rq runs again) never sends twice.
        """
        key = f"{message.send_key}:{message.channel}" if message.send_key else None
        if key is None:
            if self.opt_outs.has(message.to, message.channel):
                raise _opted_out(message.channel)
            return self._send(adapter, message)
        verdict, flagged = ahead.begin(  # asked ahead by prepare(), or asked now
            self.attempts, key, message.to, self.clock().timestamp(),
            lambda: self.opt_outs.flags(message.to, message.channel),
        )  # fmt: skip
        if flagged:
            raise _opted_out(message.channel)
        if verdict.state == "sent":
            log.info("send %s already went out (sid=%s): not sent again", key, verdict.message_id)
            return verdict.message_id, None
        if verdict.state != "go":
            self.metrics.deliveries.labels(message.channel, "not_repeated").inc()
            raise DeliveryError(
                "in_doubt" if verdict.state != "busy" else "in_progress",
                f"an earlier attempt of this {message.channel} send may have reached the "
                "provider; it is not sent again",
                retryable=verdict.state == "busy",
            )
        message_id, code = marked_send(
            lambda state: self.attempts.mark(key, state, self.clock().timestamp()),
            lambda: self._send(adapter, message),
            # Written and not plainly refused (timeout, dropped, 5xx): maybe sent.
            lambda err: isinstance(err, DeliveryError) and not err.retryable,
        )
        self.attempts.mark(key, "sent", self.clock().timestamp(), message_id)
        return message_id, code

    def _send(self, adapter: CodeChannel, message: CodeMessage) -> tuple[str, str | None]:
        try:
            return adapter.send_code(message)
        except DeliveryError as err:
            if err.code == "opted_out":
                self.opt_outs.add(message.to, message.channel)
            raise
        except jinja2.TemplateError as err:
            # Nothing was sent: rendering comes first. A broken or missing
            # template is the business's to fix, never a 500 for the caller.
            log.error("%s message template failed: %s", message.channel, err)
            raise DeliveryError(
                "channel_unavailable", f"the {message.channel} message template cannot be rendered"
            ) from None

    def _address(self, message: CodeMessage) -> str:
        """The address in canonical form, or ``invalid_destination``."""
        to = message.to.strip()
        if message.channel == "email":
            try:
                return str(validate_email(to, check_deliverability=False).normalized)
            except EmailNotValidError:
                raise DeliveryError("invalid_destination", "not a valid e-mail address") from None
        number = to_e164(to.removeprefix("whatsapp:"), "possible")  # Twilio decides the rest
        if number is None:
            raise DeliveryError("invalid_destination", "not an E.164 phone number")
        return number

    # -- ordinary WhatsApp messages (flows, notifications) ----------------------

    def send_whatsapp_text(self, number: str, text: str) -> str | None:
        """Free text inside the 24-hour window, the window template outside it, else
        nothing (logged). Returns the SID or None; raises DeliveryError."""
        if self.opt_outs.has(number, "whatsapp"):
            log.info("whatsapp to %s not sent: opted out", mask(number))
            return None
        try:
            return self.whatsapp.send_text(number, text)
        except DeliveryError as err:
            if err.code == "opted_out":
                self.opt_outs.add(number, "whatsapp")
            raise

    def send_whatsapp(
        self,
        number: str,
        reply: WhatsAppReply,
        *,
        from_number: str | None = None,
        in_window: bool | None = None,
        send_key: str | None = None,
    ) -> Sent:
        """A reply to a WhatsApp customer by REST: buttons or a list as Content, media as
        MediaUrl, inside the window; the window template or a logged refusal outside it
        (:mod:`app.channels.wa_replies`). Nothing to an opted-out customer. Raises
        DeliveryError."""
        if self.opt_outs.has(number, "whatsapp"):
            log.info("whatsapp to %s not sent: opted out", mask(number))
            return Sent()
        try:
            return self.whatsapp_replies.send(
                number, reply, from_number=from_number, in_window=in_window, send_key=send_key
            )
        except DeliveryError as err:
            if err.code == "opted_out":
                self.opt_outs.add(number, "whatsapp")
            raise
