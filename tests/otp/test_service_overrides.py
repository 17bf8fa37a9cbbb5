"""What the Twilio Verify layer asks of the OTP service: a code length and a
name per request, the verification open for a number, and the log of sends."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from app import create_app
from app.channels.settings import DEMO_BRAND
from app.channels.voice_token import RepeatGrant, RepeatTokens
from app.otp.errors import OtpError
from app.otp.service import OtpService
from app.store.outbox import OutboxStore
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, last_code


def test_code_length_and_brand_per_request(otp: OtpService, outbox: OutboxStore) -> None:
    v = otp.start(CUSTOMER, "sms", digits=9, brand="Warung  Sari").verification
    assert (v.code_length, v.brand) == (9, "Warung Sari")
    sms = outbox.read(CUSTOMER)[-1]["body"]
    assert sms.startswith("Warung Sari: ") and len(last_code(outbox)) == 9
    stored = otp.get(v.id)
    assert (stored.code_length, stored.brand) == (9, "Warung Sari")
    assert otp.check(to=CUSTOMER, code=last_code(outbox)).valid

    plain = otp.start(CUSTOMER, "call").verification
    assert (plain.code_length, plain.brand) == (6, None)
    assert f"ini {DEMO_BRAND}" in outbox.read(CUSTOMER)[-1]["body"]


def test_a_fallback_keeps_the_code_length_and_the_brand(
    otp: OtpService, outbox: OutboxStore
) -> None:
    v = otp.start(CUSTOMER, "whatsapp", digits=8, brand="Toko Budi").verification
    otp.redeliver(v.id, "sms")
    assert outbox.read(CUSTOMER)[-1]["body"].startswith("Toko Budi: ")
    assert len(last_code(outbox)) == 8
    attempts = otp.get(v.id).attempts
    assert [(a.number, a.channel) for a in attempts] == [(1, "whatsapp"), (2, "sms")]


def test_every_send_is_logged_with_the_channel_used(otp: OtpService, clock: FakeClock) -> None:
    v = otp.start(CUSTOMER, "auto").verification
    clock.advance(seconds=40)
    otp.start(CUSTOMER, "sms")
    stored = otp.get(v.id)
    assert [(a.number, a.channel) for a in stored.attempts] == [(1, "whatsapp"), (2, "sms")]
    assert [a.at.isoformat() for a in stored.attempts] == [
        "2026-11-25T09:00:00+00:00", "2026-11-25T09:00:40+00:00",
    ]  # fmt: skip
    assert stored.updated_at == stored.attempts[-1].at
    otp.cancel(v.id)
    clock.advance(seconds=5)
    assert otp.get(v.id).updated_at.isoformat() == "2026-11-25T09:00:40+00:00"


def test_find_is_the_verification_open_for_a_number_and_purpose(otp: OtpService) -> None:
    login = otp.start(CUSTOMER, "sms", purpose="login").verification
    assert otp.find(CUSTOMER, "login").id == login.id
    assert otp.find("+62 812-3456-7890", "login").id == login.id
    with pytest.raises(OtpError) as none:
        otp.find(CUSTOMER)
    assert none.value.code == "not_found"
    otp.cancel(login.id)
    with pytest.raises(OtpError):
        otp.find(CUSTOMER, "login")


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"digits": 3}, "digits"),
        ({"digits": 5}, "digits"),  # NIST SP 800-63B: at least 6, unless the operator says
        ({"digits": 11}, "digits"),
        ({"digits": True}, "digits"),
        ({"digits": "6"}, "digits"),
        ({"brand": ""}, "brand"),
        ({"brand": "Toko https://x.example"}, "brand"),
        ({"brand": "Budi 12345"}, "brand"),
        ({"brand": "B" * 33}, "brand"),  # Twilio Verify's limit is 32
        ({"brand": "Toko\u2019s"}, "brand"),
    ],
)
def test_bad_overrides_are_refused_before_anything_is_sent(
    otp: OtpService, outbox: OutboxStore, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(OtpError) as caught:
        otp.start(CUSTOMER, "sms", **options)
    assert (caught.value.code, caught.value.field) == ("invalid_parameter", field)
    assert outbox.read(CUSTOMER) == []


def test_repeat_tokens_carry_the_brand_and_read_older_ones() -> None:
    tokens = RepeatTokens("secret")
    grant = RepeatGrant("123456", "id", 2_000_000_000, 2, "Toko Budi")
    assert tokens.open("VE1", tokens.seal("VE1", grant), 0) == grant
    # A token sealed before the brand existed: four items, read as the server's brand.
    plain = json.dumps(["123456", "id", 2_000_000_000, 2]).encode()
    sealed = b"\0" * 12 + tokens._aead.encrypt(b"\0" * 12, plain, b"VE1")
    old = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode()
    assert tokens.open("VE1", old, 0) == RepeatGrant("123456", "id", 2_000_000_000, 2, "")


def test_shorter_codes_only_where_the_operator_allows_them(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "SANDI_OTP_SIGNUP_DIGITS": "4"})
    otp: OtpService = app.extensions["sandi"].otp
    otp.start(CUSTOMER, "sms", purpose="signup", digits=5)
    assert len(last_code(app.extensions["sandi"].outbox)) == 5
    with pytest.raises(OtpError):
        otp.start("+6281234567891", "sms", purpose="login", digits=5)
