"""A resend repeats the pending code, as Twilio Verify does.

The customer who asked twice may type the code from either message; a resend
keeps the failures counted and the code's own expiry. The code waits in Redis
sealed with the server's key (never in clear), and is wiped when the
verification ends. Near its expiry, a resend sends a new code instead.
"""

from __future__ import annotations

from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2

from app.otp.sealing import CodeSealer
from app.store import keys
from app.store.otp import tag_of
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, code_in, wrong
from tests.web.verify_v2.conftest import Outbox


def record(redis_client: Any, sid: str) -> dict[str, str]:
    return dict(redis_client.hgetall(keys.otp_verification(tag_of(sid), sid)))


def test_a_resend_sends_the_same_code_which_either_message_checks(
    verify: V2, outbox: Outbox, clock: FakeClock, redis_client: Any
) -> None:
    service = verify.services(verify.services.create(friendly_name="Toko").sid)
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    first = outbox.code(CUSTOMER)
    stored = record(redis_client, v.sid)
    assert stored["sealed"] and first not in stored["sealed"]  # sealed, never in clear
    assert CodeSealer("verify-v2-test-secret").unseal(v.sid, stored["sealed"]) == first

    assert service.verification_checks.create(to=CUSTOMER, code=wrong(first)).status == "pending"
    clock.advance(seconds=31)
    again = service.verifications.create(to=CUSTOMER, channel="whatsapp")
    assert again.sid == v.sid
    assert [a["channel"] for a in again.send_code_attempts] == ["sms", "whatsapp"]
    messages = outbox.entries(CUSTOMER)
    assert [m["channel"] for m in messages] == ["sms", "whatsapp"]
    assert code_in(messages[1]) == first
    # The code keeps its own lifetime: a resend does not stretch it.
    assert record(redis_client, v.sid)["expires_at"] == stored["expires_at"]

    good = service.verification_checks.create(to=CUSTOMER, code=first)
    assert (good.sid, good.status) == (v.sid, "approved")
    assert record(redis_client, v.sid)["sealed"] == ""  # wiped with the hash


def test_near_its_expiry_a_resend_sends_a_new_code(
    verify: V2, outbox: Outbox, clock: FakeClock
) -> None:
    service = verify.services(verify.services.create(friendly_name="Toko").sid)
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    first = outbox.code(CUSTOMER)
    clock.advance(seconds=300 - 59)  # under a minute left of its five
    again = service.verifications.create(to=CUSTOMER, channel="sms")
    assert again.sid == v.sid
    second = outbox.code(CUSTOMER)
    if second != first:  # one in a million they coincide
        old = service.verification_checks.create(to=CUSTOMER, code=first)
        assert old.status == "pending"
    clock.advance(seconds=240)  # the new code has its own five minutes
    assert service.verification_checks.create(to=CUSTOMER, code=second).status == "approved"


def test_a_new_code_length_means_a_new_code(verify: V2, outbox: Outbox, clock: FakeClock) -> None:
    created = verify.services.create(friendly_name="Toko", code_length=6)
    service = verify.services(created.sid)
    service.verifications.create(to=CUSTOMER, channel="sms")
    verify.services(created.sid).update(code_length=8)
    clock.advance(seconds=31)
    service.verifications.create(to=CUSTOMER, channel="sms")
    code = outbox.code(CUSTOMER)
    assert len(code) == 8
    assert service.verification_checks.create(to=CUSTOMER, code=code).status == "approved"


def test_within_the_cooldown_the_resend_is_refused_in_twilio_s_shape(
    verify: V2, outbox: Outbox, clock: FakeClock
) -> None:
    """Sandi's resend cooldown (SMS pumping): 20429 with Retry-After, like Twilio's own 429s."""
    service = verify.services(verify.services.create(friendly_name="Toko").sid)
    service.verifications.create(to=CUSTOMER, channel="sms")
    clock.advance(seconds=10)
    with pytest.raises(TwilioRestException) as early:
        service.verifications.create(to=CUSTOMER, channel="sms")
    assert (early.value.code, early.value.status) == (20429, 429)
    assert len(outbox.entries(CUSTOMER)) == 1


def test_a_seal_opens_only_for_its_verification() -> None:
    sealer = CodeSealer("k")
    sealed = sealer.seal("VE" + "a" * 32, "123456")
    assert "123456" not in sealed
    assert sealer.unseal("VE" + "a" * 32, sealed) == "123456"
    assert sealer.unseal("VE" + "b" * 32, sealed) is None
    assert CodeSealer("other").unseal("VE" + "a" * 32, sealed) is None
    assert sealer.unseal("VE" + "a" * 32, sealed[:-2] + "AA") is None
    assert sealer.unseal("VE" + "a" * 32, "") is None
    assert sealer.seal("VE" + "a" * 32, "123456") != sealed  # a fresh nonce each time
