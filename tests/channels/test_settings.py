"""The channels' settings: checked once at start-up, with messages that say what to set."""

from __future__ import annotations

import pytest

from app.channels.settings import ChannelSettings
from app.config import ConfigError, Settings


def parse(**raw: str) -> ChannelSettings:
    return ChannelSettings.from_settings(Settings.from_mapping({"SANDI_SANDBOX": "0", **raw}))


def test_defaults() -> None:
    s = parse()
    assert s.brand == "Toko Kenari" and s.fallback == ("whatsapp", "sms", "call")
    assert s.email_purposes == {"change_email", "signup", "verify"} and s.twilio_timeout == 5.0
    assert s.smtp_timeout == 5.0
    assert s.auto_whatsapp_prefixes == ("+62",) and s.flashcall_numbers == ()
    assert s.status_callback is None  # no SANDI_PUBLIC_URL in Twilio mode
    assert parse(SANDI_PUBLIC_URL="https://bot.example.co.id/").status_callback == (
        "https://bot.example.co.id/webhooks/twilio/status"
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SANDI_BRAND", "Tökö", "GSM-7"),
        ("SANDI_BRAND", "A" * 21, "1-20"),
        ("TWILIO_MESSAGING_SERVICE_SID", "MG123", "MG followed by 32 hex"),
        ("TWILIO_WHATSAPP_OTP_CONTENT_SID", "HXnope", "HX followed by 32 hex"),
        ("TWILIO_WHATSAPP_FROM", "14155238886", "E.164"),
        ("SANDI_FALLBACK", "whatsapp>email", "distinct channels"),
        ("SANDI_FALLBACK", "sms>sms", "distinct channels"),
        ("SANDI_TWILIO_TIMEOUT", "0", "above 0"),
        ("SANDI_VOICE_REPEATS", "9", "0 to 5"),
        ("SANDI_FLASHCALL_RING_SECONDS", "2", "5 to 30"),
    ],
)
def test_bad_values_stop_the_server_with_a_clear_message(
    name: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(**{name: value})


def test_fallback_may_be_turned_off_or_reordered() -> None:
    assert parse(SANDI_FALLBACK="none").fallback == ()
    assert parse(SANDI_FALLBACK="sms > call").fallback == ("sms", "call")


def test_alphanumeric_sms_sender_id_is_accepted() -> None:
    assert parse(TWILIO_SMS_FROM="TokoKu").sms_from == "TokoKu"


def test_sandbox_has_every_channel_and_a_fictional_flash_pool() -> None:
    s = ChannelSettings.from_settings(Settings.from_mapping({"SANDI_SANDBOX": "1"}))
    assert all(s.unavailable(c) is None for c in ("sms", "whatsapp", "call", "email", "flashcall"))
    assert len({n[-4:] for n in s.flashcall_numbers}) == 10_000


@pytest.mark.parametrize(
    ("channel", "missing", "configured"),
    [
        ("sms", "TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID", {"TWILIO_SMS_FROM": "TokoKu"}),
        (
            "whatsapp",
            "TWILIO_WHATSAPP_FROM and TWILIO_WHATSAPP_OTP_CONTENT_SID",
            {
                "TWILIO_WHATSAPP_FROM": "+14155238886",
                "TWILIO_WHATSAPP_OTP_CONTENT_SID": "HX" + "a" * 32,
            },
        ),
        ("call", "TWILIO_VOICE_FROM", {"TWILIO_VOICE_FROM": "+14155550100"}),
        (
            "email",
            "SMTP_URL and SMTP_FROM",
            {"SMTP_URL": "smtp://127.0.0.1:2525", "SMTP_FROM": "otp@example.co.id"},
        ),
        (
            "flashcall",
            "SANDI_FLASHCALL_RANGE (a number range you own, e.g. +6221500XXXX) or "
            "SANDI_FLASHCALL_NUMBERS (at least 9,000 distinct endings)",
            {"SANDI_FLASHCALL_RANGE": "+6221500XXXX"},
        ),
    ],
)
def test_an_unconfigured_channel_says_what_to_set(
    channel: str, missing: str, configured: dict[str, str]
) -> None:
    problem = parse().unavailable(channel)
    assert problem is not None and problem.code == "channel_unavailable"
    assert str(problem) == f"{channel} is not configured: set {missing}"
    assert parse(**configured).unavailable(channel) is None
    assert str(parse().unavailable("fax")) == "fax is not configured: set a known channel"
