"""OtpService as plain Python: built on the in-memory stores, no app, no Redis.

The same rules the API tests show through HTTP and Redis, in milliseconds:
a code approved once, the attempt cap (also under concurrent checks), expiry
on the injected clock, the resend cooldown, send limits whose windows slide
on that clock, and a delivery failure. The stores' own contract with Redis
is tests/contracts.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.otp.errors import OtpError
from app.otp.policy import OtpSettings, PurposePolicy
from app.otp.ports import DeliveryError
from tests.support.clock import FakeClock
from tests.support.cores import CUSTOMER, OtpBench


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


@pytest.fixture(autouse=True)
def _otp_config() -> None:
    """Replaces the package's autouse fixture of that name, which builds an app on Redis."""


@pytest.fixture
def bench(clock: FakeClock) -> OtpBench:
    return OtpBench(clock)


def test_start_sends_a_code_that_is_approved_once(bench: OtpBench) -> None:
    started = bench.otp.start(CUSTOMER, "sms", "login", "en")
    message = bench.delivery.sent[-1]
    assert (message.to, message.channel, message.purpose, message.locale) == (
        CUSTOMER, "sms", "login", "en",
    )  # fmt: skip
    assert len(message.code) == 6 and started.verification.status == "pending"
    assert message.code not in repr(bench.store.get(started.verification.id))  # only its hash
    result = bench.otp.check(code=message.code, to=CUSTOMER, purpose="login")
    assert result.valid and result.status == "approved"
    with pytest.raises(OtpError) as again:
        bench.otp.check(code=message.code, verification_id=started.verification.id)
    assert again.value.code == "not_found"
    assert bench.otp.get(started.verification.id).status == "approved"


def test_five_wrong_codes_lock_the_verification_and_the_destination(bench: OtpBench) -> None:
    vid = bench.otp.start(CUSTOMER, "sms").verification.id
    code = bench.delivery.last_code()
    lefts = [bench.otp.check(code=wrong(code), to=CUSTOMER).attempts_left for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    assert bench.otp.check(code=wrong(code), to=CUSTOMER).status == "max_attempts_reached"
    with pytest.raises(OtpError) as locked:
        bench.otp.check(code=code, verification_id=vid)
    assert locked.value.code == "max_attempts_reached"
    with pytest.raises(OtpError) as no_new_code:
        bench.otp.start(CUSTOMER, "sms")
    assert no_new_code.value.code == "max_attempts_reached"
    assert 0 < (no_new_code.value.retry_after or 0) <= 300


def test_concurrent_wrong_guesses_are_capped(bench: OtpBench) -> None:
    vid = bench.otp.start(CUSTOMER, "sms").verification.id
    guess = wrong(bench.delivery.last_code())

    def attempt(_: int) -> str:
        try:
            return bench.otp.check(code=guess, verification_id=vid).status
        except OtpError as err:
            return err.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(40)))
    assert outcomes.count("pending") == 4
    assert outcomes.count("max_attempts_reached") == 36


def test_a_code_expires_on_the_injected_clock(bench: OtpBench, clock: FakeClock) -> None:
    vid = bench.otp.start(CUSTOMER, "sms").verification.id
    code = bench.delivery.last_code()
    clock.advance(seconds=299)
    assert bench.otp.get(vid).status == "pending"
    clock.advance(seconds=1)
    with pytest.raises(OtpError) as expired:
        bench.otp.check(code=code, verification_id=vid)
    assert (expired.value.code, bench.otp.get(vid).status) == ("not_found", "expired")
    assert bench.otp.start(CUSTOMER, "sms").verification.id != vid  # a fresh start


def test_a_resend_waits_for_the_cooldown_and_keeps_the_id(
    bench: OtpBench, clock: FakeClock
) -> None:
    vid = bench.otp.start(CUSTOMER, "sms").verification.id
    first = bench.delivery.last_code()
    clock.advance(seconds=10)
    with pytest.raises(OtpError) as cooldown:
        bench.otp.start(CUSTOMER, "sms")
    assert (cooldown.value.code, cooldown.value.retry_after) == ("resend_cooldown", 20)
    clock.advance(seconds=20)
    resent = bench.otp.start(CUSTOMER, "whatsapp")
    assert resent.resent and resent.verification.id == vid
    assert resent.verification.send_count == 2 and len(bench.delivery.sent) == 2
    second = bench.delivery.last_code()
    if second != first:
        assert not bench.otp.check(code=first, to=CUSTOMER).valid
    assert bench.otp.check(code=second, to=CUSTOMER).valid


def test_a_resend_repeats_the_pending_code_with_its_own_expiry(
    bench: OtpBench, clock: FakeClock
) -> None:
    started = bench.otp.start(CUSTOMER, "sms").verification
    first = bench.delivery.last_code()
    clock.advance(seconds=40)
    resent = bench.otp.start(CUSTOMER, "whatsapp")
    assert resent.resent and resent.verification.id == started.id
    assert bench.delivery.last_code() == first  # as Twilio Verify: either message works
    assert resent.verification.expires_at == started.expires_at
    record = bench.store.get(started.id) or {}
    assert record["sealed"] and first not in record["sealed"]
    assert bench.otp.check(code=first, to=CUSTOMER).valid
    assert (bench.store.get(started.id) or {})["sealed"] == ""  # wiped once it ends


def test_each_service_checks_only_its_own_codes(bench: OtpBench) -> None:
    one, other = "VA" + "1" * 32, "VA" + "2" * 32
    vid = bench.otp.start(CUSTOMER, "sms", service=one).verification.id
    code = bench.delivery.last_code()
    with pytest.raises(OtpError) as unseen:
        bench.otp.check(code=code, verification_id=vid, service=other)
    assert unseen.value.code == "not_found"
    with pytest.raises(OtpError):
        bench.otp.check(code=code, to=CUSTOMER)  # /v1 has no open code for this number
    assert bench.otp.check(code=code, to=CUSTOMER, service=one).valid


def test_send_limits_slide_on_the_injected_clock(clock: FakeClock) -> None:
    settings = OtpSettings(default=PurposePolicy(resend_cooldown=0), destination_limits="2/hour")
    bench = OtpBench(clock, settings)
    bench.otp.start(CUSTOMER, "sms")
    bench.otp.start(CUSTOMER, "sms")
    with pytest.raises(OtpError) as limited:
        bench.otp.start(CUSTOMER, "sms")
    assert (limited.value.code, limited.value.retry_after) == ("rate_limited", 3600)
    assert len(bench.delivery.sent) == 2
    clock.advance(seconds=3600)
    assert bench.otp.start(CUSTOMER, "sms").verification.status == "pending"  # the window moved
    assert len(bench.delivery.sent) == 3


def test_a_delivery_failure_is_a_clear_refusal(bench: OtpBench) -> None:
    bench.delivery.failure = DeliveryError("provider_error", "the carrier said no")
    with pytest.raises(OtpError) as failed:
        bench.otp.start(CUSTOMER, "sms")
    assert failed.value.code == "delivery_failed"
    vid = failed.value.verification_id
    assert vid and bench.store.get(vid)["delivery_status"] == "failed"


def test_a_number_outside_the_allowed_countries_is_refused(bench: OtpBench) -> None:
    with pytest.raises(OtpError) as refused:
        bench.otp.start("+6591234567", "sms")
    assert refused.value.code == "country_not_allowed"
    assert bench.delivery.sent == []
