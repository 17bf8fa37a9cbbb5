"""OTP by e-mail over SMTP: a multipart text + HTML message in the customer's language.

``SMTP_URL`` is ``smtp://user:pass@host:587`` (STARTTLS, required: the
password never crosses the network in clear), ``smtps://user:pass@host:465``
(TLS from the first byte), or ``smtp://host:25?starttls=off`` for a local relay
that offers no TLS. Whether e-mail may carry a code for a purpose at all is
:func:`app.otp.email_policy.email_allowed`.
"""

from __future__ import annotations

import logging
import math
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from app.channels.http_client import CONNECT_RETRIES, announce_write
from app.channels.settings import ChannelSettings
from app.config import ConfigError
from app.content.render import TemplateSource
from app.content.template_safety import sandboxed
from app.logs import mask
from app.otp.ports import CodeMessage, DeliveryError
from app.store.outbox import OutboxStore

log = logging.getLogger(__name__)

SANDBOX_FROM = "Sandi <no-reply@sandi.invalid>"


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    host: str
    port: int
    security: str  # "starttls" | "tls" | "none"
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ConfigError(
                "SMTP_URL must look like smtp://user:pass@host:587 (STARTTLS) or "
                "smtps://user:pass@host:465 (TLS)"
            )
        query = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
        if parts.scheme == "smtps":
            security = "tls"
        elif query.get("starttls") in {"off", "no", "0", "false"}:
            security = "none"
        else:
            security = "starttls"
        try:
            port = parts.port or (465 if security == "tls" else 587)
        except ValueError:
            raise ConfigError("SMTP_URL has an invalid port") from None
        return cls(
            host=parts.hostname,
            port=port,
            security=security,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


class Mailer(Protocol):
    def send(self, message: EmailMessage, *, code: str) -> None: ...


class SmtpMailer:
    def __init__(
        self, target: SmtpTarget, timeout: float = 10.0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, message: EmailMessage, *, code: str) -> None:
        t = self.target
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if t.security == "starttls":
                    if not smtp.has_extn("starttls"):
                        raise DeliveryError(
                            "channel_unavailable",
                            "the SMTP server offers no STARTTLS; use smtps:// or, for a local "
                            "relay only, smtp://host:25?starttls=off",
                        )
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                if t.username and t.password:
                    smtp.login(t.username, t.password)
                announce_write()  # from here on the server may accept the message
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise DeliveryError(
                "invalid_destination", "the mail server refused the address"
            ) from None
        except smtplib.SMTPAuthenticationError:
            log.error("SMTP login refused by %s: check SMTP_URL's user and password", t.host)
            raise DeliveryError("provider_error", "the mail server refused our login") from None
        except smtplib.SMTPResponseException as err:
            retryable = 400 <= err.smtp_code < 500
            raise DeliveryError(
                "provider_error", f"the mail server answered {err.smtp_code}", retryable=retryable
            ) from None
        except TimeoutError:
            raise DeliveryError(
                "provider_timeout", "the mail server did not answer in time", retryable=True
            ) from None
        except (OSError, smtplib.SMTPException) as err:
            log.warning("SMTP to %s:%s failed: %s", t.host, t.port, type(err).__name__)
            raise DeliveryError(
                "provider_error", "the mail server could not be reached", retryable=True
            ) from None

    def _connect(self) -> smtplib.SMTP:
        """Open the connection, retried only while it provably carried nothing:
        refused, unresolvable, timed out or a failed TLS handshake (like the
        Twilio client: never once the message may have been handed over)."""
        t = self.target
        for attempt in range(CONNECT_RETRIES + 1):
            try:
                if t.security == "tls":
                    return smtplib.SMTP_SSL(
                        t.host, t.port, timeout=self.timeout, context=self.ssl_context
                    )
                return smtplib.SMTP(t.host, t.port, timeout=self.timeout)
            except (OSError, smtplib.SMTPConnectError) as err:
                if attempt == CONNECT_RETRIES:
                    raise
                log.warning("SMTP connect to %s:%s failed (%s), retrying", t.host, t.port,
                            type(err).__name__)  # fmt: skip
                time.sleep(0.1 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover


class SandboxMailer:
    """Keeps the e-mail (both parts and its headers) in the sandbox outbox."""

    def __init__(self, outbox: OutboxStore, clock: Callable[[], datetime]) -> None:
        self.outbox = outbox
        self.clock = clock

    def send(self, message: EmailMessage, *, code: str) -> None:
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        to = parseaddr(str(message["To"]))[1].lower()
        self.outbox.append(
            to,
            {
                "sid": str(message["Message-ID"]).strip("<>"),
                "channel": "email",
                "to": to,
                "body": text.get_content().strip() if isinstance(text, EmailMessage) else "",
                "code": code,
                "created_at": self.clock().isoformat(),
                "extra": {
                    "subject": str(message["Subject"]),
                    "from": str(message["From"]),
                    "language": str(message["Content-Language"]),
                    "html": html.get_content() if isinstance(html, EmailMessage) else "",
                },
            },
        )


class EmailChannel:
    name = "email"

    def __init__(
        self,
        settings: ChannelSettings,
        templates: TemplateSource,
        mailer: Mailer,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.mailer = mailer
        self.clock = clock
        # Its own (sandboxed) environment: HTML is escaped, the plain-text templates are not.
        self.html = sandboxed(undefined=jinja2.StrictUndefined, autoescape=True)
        self._compiled: dict[str, jinja2.Template] = {}

    def _html(self, locale: str, context: dict[str, Any]) -> str:
        for candidate in (locale, *[lc for lc in self.templates.locales if lc != locale]):
            if self.templates.exists("otp_email_html", candidate):
                text = self.templates.source("otp_email_html", candidate)
                return self._compile(text).render(context)
        raise jinja2.TemplateNotFound("otp_email_html")

    def _compile(self, text: str) -> jinja2.Template:
        """Compiled once per text: the serving version's, and again after a reload."""
        found = self._compiled.get(text)
        if found is None:
            if len(self._compiled) > 16:
                self._compiled.clear()
            found = self._compiled[text] = self.html.from_string(text)
        return found

    def compose(self, message: CodeMessage) -> EmailMessage:
        sender = self.settings.smtp_from or SANDBOX_FROM
        context = {
            "brand": message.brand or self.settings.brand,
            "code": message.code,
            "minutes": max(1, math.ceil(message.expires_in / 60)),
            "purpose": message.purpose,
            # A payment code says what it approves (PSD2 dynamic linking).
            "amount": message.amount or "",
            "payee": message.payee or "",
        }
        email = EmailMessage()
        email["Subject"] = self.templates.render("otp_email_subject", message.locale, context)
        email["From"] = sender
        email["To"] = message.to
        email["Date"] = format_datetime(self.clock())
        domain = parseaddr(sender)[1].rpartition("@")[2] or "sandi.invalid"
        email["Message-ID"] = make_msgid(idstring="otp", domain=domain)
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(self.templates.render("otp_email_text", message.locale, context) + "\n")
        email.add_alternative(self._html(message.locale, context), subtype="html")
        # After the parts exist: making a multipart moves Content-* headers into the first part.
        email["Content-Language"] = message.locale
        return email

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]:
        email = self.compose(message)
        self.mailer.send(email, code=message.code)
        log.debug("e-mail sent to %s", mask(message.to))
        return str(email["Message-ID"]).strip("<>"), None
