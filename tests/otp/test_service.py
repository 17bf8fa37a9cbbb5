"""The OTP service end to end on real Redis, sandbox delivery and a moved clock."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app import create_app
from app.channels.settings import DEMO_BRAND
from app.otp.errors import OtpError
from app.otp.ports import CodeMessage, DeliveryError, DeliveryReceipt
from app.otp.service import OtpService
from app.store.outbox import OutboxStore
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, last_code, wrong


def refused(expected: str, call: Any, /, *args: Any, **kwargs: Any) -> OtpError:
    with pytest.raises(OtpError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == expected, caught.value.message
    return caught.value


def app_with(app_config: dict[str, Any], **settings: str) -> Flask:
    return create_app({**app_config, **settings})


def test_a_code_goes_out_and_approves_once(otp: OtpService, outbox: OutboxStore) -> None:
    started = otp.start(CUSTOMER, "sms", purpose="login")
    v = started.verification
    assert (v.status, v.send_count, v.attempts_left, v.channel, v.locale) == (
        "pending", 1, 5, "sms", "id",
    )  # fmt: skip
    assert v.delivery.status == "sent" and v.delivery.channel == "sms"
    code = last_code(outbox)
    assert len(code) == 6
    assert code not in repr(started)
    assert "kode verifikasi" in outbox.read(CUSTOMER)[-1]["body"]

    bad = otp.check(to=CUSTOMER, code=wrong(code), purpose="login")
    assert (bad.valid, bad.status, bad.attempts_left) == (False, "pending", 4)
    good = otp.check(to=CUSTOMER, code=f"{code[:3]} {code[3:]}", purpose="login")
    assert (good.valid, good.status, good.id) == (True, "approved", v.id)
    refused("not_found", otp.check, to=CUSTOMER, code=code, purpose="login")
    err = refused("not_found", otp.check, verification_id=v.id, code=code)
    assert "approved" in err.message
    assert otp.get(v.id).status == "approved"


def test_purposes_keep_separate_verifications(otp: OtpService, outbox: OutboxStore) -> None:
    login = otp.start(CUSTOMER, "sms", purpose="login").verification
    login_code = last_code(outbox)
    signup = otp.start(CUSTOMER, "sms", purpose="signup").verification
    assert login.id != signup.id
    if login_code != last_code(outbox):
        assert not otp.check(to=CUSTOMER, code=login_code, purpose="signup").valid
    refused("not_found", otp.check, verification_id=login.id, code=login_code, purpose="signup")
    assert otp.check(verification_id=login.id, code=login_code).valid


def test_resend_waits_for_the_cooldown_then_replaces_the_code(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock
) -> None:
    first = otp.start(CUSTOMER, "sms").verification
    old = last_code(outbox)
    assert not otp.check(to=CUSTOMER, code=wrong(old)).valid
    clock.advance(seconds=10)
    err = refused("resend_cooldown", otp.start, CUSTOMER, "sms")
    assert err.retry_after == 20 and err.verification_id == first.id
    clock.advance(seconds=20)
    again = otp.start(CUSTOMER, "whatsapp")
    assert again.resent and again.verification.id == first.id
    assert again.verification.send_count == 2 and again.verification.channel == "whatsapp"
    assert again.verification.attempts_left == 4  # a resend never resets failures
    new = last_code(outbox)
    if new != old:
        result = otp.check(to=CUSTOMER, code=old)
        assert not result.valid and result.attempts_left == 3
    assert otp.check(to=CUSTOMER, code=new).valid


def test_at_most_five_sends_per_verification(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock
) -> None:
    for _ in range(5):
        otp.start(CUSTOMER, "sms")
        clock.advance(seconds=30)
    err = refused("max_sends_reached", otp.start, CUSTOMER, "sms")
    assert err.retry_after and err.retry_after > 0
    assert len(outbox.read(CUSTOMER)) == 5


def test_five_wrong_codes_lock_until_expiry(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock
) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    code = last_code(outbox)
    for left in (4, 3, 2, 1):
        assert otp.check(to=CUSTOMER, code=wrong(code)).attempts_left == left
    last = otp.check(to=CUSTOMER, code=wrong(code))
    assert (last.valid, last.status, last.attempts_left) == (False, "max_attempts_reached", 0)
    err = refused("max_attempts_reached", otp.check, to=CUSTOMER, code=code)
    assert err.retry_after == 300
    assert otp.get(v.id).status == "max_attempts_reached"
    clock.advance(seconds=60)
    err = refused("max_attempts_reached", otp.start, CUSTOMER, "sms")  # no fresh guesses
    assert err.retry_after == 240
    clock.advance(seconds=240)
    fresh = otp.start(CUSTOMER, "sms").verification
    assert fresh.id != v.id and fresh.attempts_left == 5


def test_codes_expire_on_the_injected_clock(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock
) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    code = last_code(outbox)
    assert v.expires_at == clock.now.replace(minute=5)
    clock.advance(seconds=299)
    assert otp.get(v.id).status == "pending"
    clock.advance(seconds=1)
    assert otp.get(v.id).status == "expired"
    err = refused("not_found", otp.check, to=CUSTOMER, code=code)
    assert "expired" in err.message
    assert otp.get(v.id).status == "expired"
    assert otp.start(CUSTOMER, "sms").verification.id != v.id


def test_cancel_ends_a_pending_verification_only(otp: OtpService, outbox: OutboxStore) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    code = last_code(outbox)
    assert otp.cancel(v.id).status == "canceled"
    refused("not_pending", otp.cancel, v.id)
    refused("not_found", otp.check, verification_id=v.id, code=code)
    refused("not_found", otp.cancel, "VE" + "0" * 32)
    refused("not_found", otp.get, "nonsense")
    assert otp.start(CUSTOMER, "sms").verification.id != v.id


def test_payment_codes_bind_amount_and_payee(otp: OtpService, outbox: OutboxStore) -> None:
    refused("payment_binding_required", otp.start, CUSTOMER, "sms", purpose="payment")
    # A purpose that binds nothing: the policy's refusal (422 on /v1), not a malformed field.
    refused("binding_not_allowed", otp.start, CUSTOMER, "sms", amount="Rp1", payee="x")
    v = otp.start(
        CUSTOMER, "sms", purpose="payment", amount="Rp150.000", payee="Toko  Budi", locale="en"
    ).verification
    assert (v.amount, v.payee) == ("Rp150.000", "Toko Budi")
    body = outbox.read(CUSTOMER)[-1]["body"]
    assert "to pay Rp150.000 to Toko Budi" in body
    code = last_code(outbox)
    refused("payment_binding_required", otp.check, verification_id=v.id, code=code)
    other = otp.check(verification_id=v.id, code=code, amount="Rp999.000", payee="Toko Budi")
    assert not other.valid and other.attempts_left == 4  # another transaction: a wrong code
    refused(
        "conflict", otp.start, CUSTOMER, "sms", purpose="payment", amount="Rp1", payee="Toko Budi"
    )
    ok = otp.check(to=CUSTOMER, purpose="payment", code=code, amount="Rp150.000", payee="Toko Budi")
    assert ok.valid


def test_other_purposes_refuse_a_binding_at_check(otp: OtpService, outbox: OutboxStore) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    refused("binding_not_allowed", otp.check, verification_id=v.id, code=last_code(outbox),
            amount="Rp1", payee="x")  # fmt: skip
    assert otp.get(v.id).attempts_left == 5


def test_wrong_length_is_refused_without_using_an_attempt(
    otp: OtpService, outbox: OutboxStore
) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    err = refused("invalid_code", otp.check, verification_id=v.id, code="12345")
    assert err.field == "code"
    refused("invalid_parameter", otp.check, verification_id=v.id, code="12a456")
    assert otp.get(v.id).attempts_left == 5


def test_request_fields_are_checked_before_anything_is_sent(
    otp: OtpService, outbox: OutboxStore, redis_client: Any
) -> None:
    cases = [
        ("invalid_parameter", "channel", dict(to=CUSTOMER, channel="fax")),
        ("invalid_destination", "to", dict(to="0812345", channel="sms")),
        ("invalid_destination", "to", dict(to="+62123", channel="sms")),
        ("invalid_destination", "to", dict(to="budi@example.co.id", channel="sms")),
        ("invalid_destination", "to", dict(to="not-an-address@", channel="email")),
        ("invalid_destination", "to", dict(to=CUSTOMER, channel="email")),
        ("country_not_allowed", "to", dict(to="+12025550123", channel="sms")),
        ("channel_not_allowed", "channel", dict(to="b@example.co.id", channel="email", purpose="login")),
        ("invalid_parameter", "purpose", dict(to=CUSTOMER, channel="sms", purpose="Log In")),
        ("invalid_parameter", "locale", dict(to=CUSTOMER, channel="sms", locale="fr")),
    ]  # fmt: skip
    for code, field, kwargs in cases:
        err = refused(code, otp.start, **kwargs)
        assert err.field == field, (kwargs, err.message)
        assert field in err.message
    assert outbox.read(CUSTOMER) == []
    assert redis_client.keys("sandi:{otp:*") == []


def test_the_country_allowlist_is_configurable(app_config: dict[str, Any]) -> None:
    app = app_with(app_config, SANDI_ALLOWED_COUNTRIES="ID,US")
    s = app.extensions["sandi"]
    assert s.otp.start("+12025550123", "sms").verification.to == "+12025550123"
    refused("country_not_allowed", s.otp.start, "+6591234567", "sms")


def test_email_and_call_and_auto_and_english(otp: OtpService, outbox: OutboxStore) -> None:
    mail = otp.start("Budi@Example.co.id", "email", locale="en-US").verification
    # The domain is lowercased, the local part kept as given (RFC 5321; as Twilio does).
    assert (mail.to, mail.channel, mail.locale) == ("Budi@example.co.id", "email", "en")
    entry = outbox.read("budi@example.co.id")[-1]
    assert entry["extra"]["subject"] and f"Your {DEMO_BRAND} verification code" in entry["body"]
    assert mail.expires_at.minute == 5
    call = otp.start(CUSTOMER, "call").verification
    assert otp.check(verification_id=call.id, code=last_code(outbox)).valid
    # auto: WhatsApp for Indonesian numbers (SANDI_AUTO_WHATSAPP_PREFIXES), else SMS.
    auto = otp.start("+6281298765432", "auto", purpose="signup").verification
    assert auto.channel == "whatsapp" and auto.delivery.channel == "whatsapp"


def test_destination_send_limit(otp: OtpService, clock: FakeClock) -> None:
    for i in range(10):
        otp.start(CUSTOMER, "sms", purpose=f"p{i}")
    err = refused("rate_limited", otp.start, CUSTOMER, "sms", purpose="p10")
    assert "destination" in err.message and 3500 < (err.retry_after or 0) <= 3600
    otp.start("+6281298765432", "sms", purpose="p10")  # another number is not affected


def test_api_key_and_client_ip_limits(app_config: dict[str, Any]) -> None:
    app = app_with(app_config, SANDI_OTP_API_KEY_LIMITS="3/minute", SANDI_OTP_IP_LIMITS="4/minute")
    otp = app.extensions["sandi"].otp
    numbers = [f"+62812555000{i:02d}" for i in range(8)]
    for n in numbers[:3]:
        otp.start(n, "sms", api_key="SKa", client_ip="10.0.0.1")
    assert "api key" in refused("rate_limited", otp.start, numbers[3], "sms", api_key="SKa",
                                client_ip="10.0.0.2").message  # fmt: skip
    otp.start(numbers[4], "sms", api_key="SKb", client_ip="10.0.0.1")
    err = refused("rate_limited", otp.start, numbers[5], "sms", api_key="SKc", client_ip="10.0.0.1")
    assert "client ip" in err.message and err.retry_after


class FailingDelivery:
    def __init__(self, code: str) -> None:
        self.code = code
        self.seen: list[CodeMessage] = []

    def deliver(self, message: CodeMessage) -> DeliveryReceipt:
        self.seen.append(message)
        raise DeliveryError(self.code, "provider said no", retryable=True)


def test_a_delivery_failure_is_recorded_and_refused_cleanly(otp: OtpService) -> None:
    broken = OtpService(
        store=otp.store, limiter=otp.limiter, delivery=FailingDelivery("provider_timeout"),
        settings=otp.settings, hasher=otp.hasher, clock=otp.clock,
    )  # fmt: skip
    err = refused("delivery_failed", broken.start, CUSTOMER, "whatsapp")
    assert "provider_timeout" in err.message and err.verification_id
    v = otp.get(err.verification_id)
    assert v.delivery.status == "failed" and v.delivery.error_code == "provider_timeout"


def test_flash_call_code_is_the_callers_last_digits(otp: OtpService, outbox: OutboxStore) -> None:
    """The channel dictates the code (the caller's last 4 digits); the service keeps its hash."""
    v = otp.start(CUSTOMER, "flashcall").verification
    assert v.delivery.channel == "flashcall"
    caller = outbox.read(CUSTOMER)[-1]["extra"]["caller"]
    assert wrong(caller[-4:]) != caller[-4:]
    assert not otp.check(verification_id=v.id, code=wrong(caller[-4:])).valid
    assert otp.check(verification_id=v.id, code=caller[-4:]).valid


def test_redeliver_falls_back_without_counting_as_a_send(
    otp: OtpService, outbox: OutboxStore
) -> None:
    v = otp.start(CUSTOMER, "whatsapp").verification
    first = last_code(outbox)
    receipt = otp.redeliver(v.id, "sms")
    assert receipt.channel == "sms" and receipt.message_id.startswith("SB")
    second = last_code(outbox)
    after = otp.get(v.id)
    assert after.send_count == 1 and after.channel == "sms" and after.delivery.channel == "sms"
    otp.redeliver(v.id, "call")
    refused("max_redeliveries", otp.redeliver, v.id, "sms")
    third = last_code(outbox)
    for old in {first, second} - {third}:
        assert not otp.check(verification_id=v.id, code=old).valid
    assert otp.check(verification_id=v.id, code=third).valid
    refused("not_pending", otp.redeliver, v.id, "sms")


def test_delivery_status_moves_forward_only(otp: OtpService, services: Any) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    record = services.otp.store.get(v.id)
    sid = record["message_id"]
    assert otp.record_delivery_status(v.id, sid, "delivered")
    assert not otp.record_delivery_status(v.id, sid, "sent")
    assert not otp.record_delivery_status(v.id, sid, "failed", "30003")
    assert otp.record_delivery_status(v.id, sid, "read")
    assert not otp.record_delivery_status(v.id, "SMother", "failed")
    assert not otp.record_delivery_status(v.id, sid, "exploded")
    assert not otp.record_delivery_status("VEnope", sid, "failed")
    assert otp.get(v.id).delivery.status == "read"
    w = otp.start("+6281298765432", "sms").verification
    sid = services.otp.store.get(w.id)["message_id"]
    assert otp.record_delivery_status(w.id, sid, "undelivered", "30008")
    assert not otp.record_delivery_status(w.id, sid, "delivered")
    assert otp.get(w.id).delivery.error_code == "30008"


#: rq's bookkeeping (the queue list, its registries): structures, not data a request leaves.
#: Its job hashes (``rq:job:*``), which carry ids, do need a TTL and are checked.
RQ_REGISTRIES = {"rq:queues", "rq:workers"}
RQ_REGISTRY_PREFIXES = ("rq:queue:", "rq:scheduled:", "rq:wip:", "rq:finished:", "rq:failed:",
                        "rq:workers:")  # fmt: skip


def test_every_key_has_a_ttl_and_no_number_appears_in_keys(
    otp: OtpService, outbox: OutboxStore, redis_client: Any
) -> None:
    v = otp.start(CUSTOMER, "sms", purpose="login").verification
    otp.check(verification_id=v.id, code=last_code(outbox))
    for key in redis_client.keys("*"):
        if key in RQ_REGISTRIES or key.startswith(RQ_REGISTRY_PREFIXES):
            continue  # rq's own queue and registries: they empty as jobs run and expire
        assert redis_client.ttl(key) > 0, key
        if not key.startswith("sandi:{outbox:"):
            assert "81234567890" not in key
    verification_keys = redis_client.keys("sandi:{otp:*")
    tags = {k.split("}")[0] for k in verification_keys}
    assert len(tags) == 1  # one hash tag per destination: one cluster slot
    assert 86000 < redis_client.ttl(next(k for k in verification_keys if ":v:" in k)) <= 86400
