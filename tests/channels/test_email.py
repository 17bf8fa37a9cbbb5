"""E-mail through a real SMTP server on loopback; the NIST purpose rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.channels.email import SmtpMailer, SmtpTarget
from app.config import ConfigError
from app.otp.email_policy import DEFAULT_EMAIL_PURPOSES, email_allowed, email_purposes
from app.otp.ports import CodeMessage, DeliveryError
from app.wiring.services import Services
from tests.support.smtp_server import SmtpServer

ADDRESS = "budi.santoso@example.co.id"
SENDER = "TokoKu <no-reply@tokoku.example>"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer("plain") as server:
        yield server


@pytest.fixture
def mail(live_config: dict, redis_client: Any, smtp: SmtpServer) -> Services:
    live_config["SMTP_URL"] = f"smtp://127.0.0.1:{smtp.port}?starttls=off"
    live_config["SMTP_FROM"] = SENDER
    return create_app(live_config).extensions["sandi"]


def code(purpose: str = "signup", locale: str = "id", to: str = ADDRESS) -> CodeMessage:
    return CodeMessage("VE" + "7" * 32, to, "email", "604413", locale, purpose, 600)


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("id", "604413 adalah kode verifikasi TokoKu Anda", "berlaku 10 menit"),
        ("en", "604413 is your TokoKu verification code", "valid for 10 minutes"),
    ],
)
def test_otp_email_is_multipart_text_and_html_in_the_customers_language(
    mail: Services, smtp: SmtpServer, locale: str, subject: str, words: str
) -> None:
    receipt = mail.channels.deliver(code(locale=locale))
    (received,) = smtp.inbox.received
    message = received.message
    assert received.rcpt_tos == [ADDRESS] and received.mail_from == "no-reply@tokoku.example"
    assert message["Subject"] == subject and message["From"] == SENDER
    assert message["To"] == ADDRESS and message["Content-Language"] == locale
    assert message.get_content_type() == "multipart/alternative"
    assert message["Message-ID"].strip("<>") == receipt.message_id
    text, html = parts(message)
    assert "604413" in text and words in text
    assert "604413" in html and f'<html lang="{locale}">' in html and words in html


def test_html_part_escapes_what_it_renders(
    live_config: dict, redis_client: Any, smtp: SmtpServer
) -> None:
    live_config |= {
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?starttls=off",
        "SMTP_FROM": SENDER,
        "SANDI_BRAND": "Toko & Co",
    }
    create_app(live_config).extensions["sandi"].channels.deliver(code())
    text, html = parts(smtp.inbox.received[0].message)
    assert "Toko &amp; Co" in html and "Toko & Co" not in html and "<p>" in html
    assert "Toko & Co" in text


def test_email_is_refused_for_login_and_payment_by_default(
    mail: Services, smtp: SmtpServer
) -> None:
    for purpose in ("login", "payment"):
        assert not mail.channels.allows("email", purpose)
        with pytest.raises(DeliveryError, match="NIST") as caught:
            mail.channels.deliver(code(purpose))
        assert caught.value.code == "channel_unavailable"
    assert mail.channels.allows("email", "change_email") and mail.channels.allows("sms", "login")
    assert smtp.inbox.received == []


def test_email_purposes_are_configurable(
    live_config: dict, redis_client: Any, smtp: SmtpServer
) -> None:
    live_config |= {
        "SMTP_URL": f"smtp://127.0.0.1:{smtp.port}?starttls=off",
        "SMTP_FROM": SENDER,
        "SANDI_EMAIL_OTP_PURPOSES": "signup, login",
    }
    services = create_app(live_config).extensions["sandi"]
    services.channels.deliver(code("login"))
    assert len(smtp.inbox.received) == 1


def test_policy_function_for_the_otp_service() -> None:
    assert {"change_email", "signup", "verify"} == DEFAULT_EMAIL_PURPOSES
    assert email_allowed("signup") and not email_allowed("login")
    allowed = email_purposes({"SANDI_EMAIL_OTP_PURPOSES": "login,payment"})
    assert email_allowed("payment", allowed) and not email_allowed("signup", allowed)
    assert email_purposes({}) == DEFAULT_EMAIL_PURPOSES


def test_a_refused_mailbox_is_an_invalid_destination(mail: Services, smtp: SmtpServer) -> None:
    smtp.inbox.refuse.add(ADDRESS)
    with pytest.raises(DeliveryError) as caught:
        mail.channels.deliver(code())
    assert caught.value.code == "invalid_destination" and "604413" not in str(caught.value)


def plain_message() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, ADDRESS, "hi"
    message["Date"] = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
    message.set_content("hello")
    return message


def test_starttls_with_login(tmp_path: Path) -> None:
    with SmtpServer("starttls", tmp_path) as server:
        target = SmtpTarget.parse(f"smtp://mailer%40tokoku:s3cret@127.0.0.1:{server.port}")
        assert target.security == "starttls" and target.username == "mailer@tokoku"
        SmtpMailer(target, 5, server.client_context).send(plain_message(), code="-")
        (received,) = server.inbox.received
        assert received.tls and received.login == "mailer@tokoku"


def test_smtps_implicit_tls(tmp_path: Path) -> None:
    with SmtpServer("tls", tmp_path) as server:
        target = SmtpTarget.parse(f"smtps://mailer:s3cret@127.0.0.1:{server.port}")
        SmtpMailer(target, 5, server.client_context).send(plain_message(), code="-")
        assert server.inbox.received[0].login == "mailer"


def test_smtp_url_refuses_to_send_a_password_without_starttls(smtp: SmtpServer) -> None:
    target = SmtpTarget.parse(f"smtp://mailer:s3cret@127.0.0.1:{smtp.port}")
    with pytest.raises(DeliveryError, match="STARTTLS") as caught:
        SmtpMailer(target, 5).send(plain_message(), code="-")
    assert caught.value.code == "channel_unavailable" and smtp.inbox.received == []


def test_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    with SmtpServer("starttls", tmp_path) as server:
        target = SmtpTarget.parse(f"smtp://mailer:s3cret@127.0.0.1:{server.port}")
        with pytest.raises(DeliveryError) as caught:
            SmtpMailer(target, 5).send(plain_message(), code="-")  # default CAs only
        assert caught.value.code == "provider_error" and server.inbox.received == []


def test_unreachable_smtp_is_a_retryable_provider_error() -> None:
    from tests.support.redis_servers import free_port

    target = SmtpTarget.parse(f"smtp://127.0.0.1:{free_port()}?starttls=off")
    with pytest.raises(DeliveryError) as caught:
        SmtpMailer(target, 2).send(plain_message(), code="-")
    assert caught.value.code == "provider_error" and caught.value.retryable


def test_smtp_url_is_checked() -> None:
    assert SmtpTarget.parse("smtps://h").port == 465 and SmtpTarget.parse("smtp://h").port == 587
    for bad in ("http://host", "smtp://", "smtp://host:99999"):
        with pytest.raises(ConfigError):
            SmtpTarget.parse(bad)
