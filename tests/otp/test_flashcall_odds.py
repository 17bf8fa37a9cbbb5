"""Issue 13.4: a flash call is guessed at most 1 time in 3,000 with the default settings.

The attack: the code is the last 4 digits of a pool of >= 100 caller numbers, which
an attacker learns by receiving calls; 5 tries then break 5% of verifications, and
`login` allowed flash call by default.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from app.channels.settings import FLASHCALL_ODDS, ChannelSettings
from app.config import ConfigError, Settings
from app.otp.errors import OtpError
from app.otp.policy import MAX_FLASHCALL_CHECKS, OtpSettings
from app.otp.service import OtpService
from app.store.outbox import OutboxStore
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, wrong


def _settings(**raw: str) -> ChannelSettings:
    return ChannelSettings.from_settings(Settings.from_mapping({"SANDI_SANDBOX": "0", **raw}))


def test_a_pool_of_a_hundred_numbers_is_refused() -> None:
    pool = ",".join(f"+622150{n:06d}" for n in range(0, 100 * 37, 37))
    with pytest.raises(ConfigError, match="SANDI_FLASHCALL_RANGE"):
        _settings(SANDI_FLASHCALL_NUMBERS=pool)


def test_every_pool_accepted_keeps_the_odds_at_most_one_in_3000() -> None:
    almost = ",".join(f"+6221500{n:04d}" for n in range(FLASHCALL_ODDS * MAX_FLASHCALL_CHECKS - 1))
    with pytest.raises(ConfigError, match="distinct"):
        _settings(SANDI_FLASHCALL_NUMBERS=almost)
    ranged = _settings(SANDI_FLASHCALL_RANGE="+6221500XXXX")
    endings = {n[-4:] for n in ranged.flashcall_numbers}
    assert len(endings) == 10_000
    odds = Fraction(MAX_FLASHCALL_CHECKS, len(endings))
    assert odds == Fraction(3, 10_000) and odds <= Fraction(1, FLASHCALL_ODDS)


def test_a_range_must_end_in_the_four_code_digits() -> None:
    with pytest.raises(ConfigError, match="ending in XXXX"):
        _settings(SANDI_FLASHCALL_RANGE="+62215001XXX")


def refused(error_code: str, call: Any, *args: Any, **kwargs: Any) -> OtpError:
    with pytest.raises(OtpError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == error_code, caught.value
    return caught.value


def test_a_flash_call_gets_three_tries_not_five(otp: OtpService, outbox: OutboxStore) -> None:
    v = otp.start(CUSTOMER, "flashcall", purpose="signup").verification
    code = outbox.read(CUSTOMER)[-1]["extra"]["caller"][-4:]
    results = [otp.check(verification_id=v.id, code=wrong(code)) for _ in range(2)]
    assert [r.attempts_left for r in results] == [2, 1]
    refused_or_locked = otp.check(verification_id=v.id, code=wrong(code))
    assert refused_or_locked.status == "max_attempts_reached"
    refused("max_attempts_reached", otp.check, verification_id=v.id, code=code)


def test_switching_to_a_flash_call_never_adds_tries(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock
) -> None:
    v = otp.start(CUSTOMER, "sms", purpose="signup").verification
    sms_code = outbox.read(CUSTOMER)[-1]["code"]
    assert otp.check(verification_id=v.id, code=wrong(sms_code)).attempts_left == 4
    clock.advance(seconds=31)
    otp.start(CUSTOMER, "flashcall", purpose="signup")
    code = outbox.read(CUSTOMER)[-1]["extra"]["caller"][-4:]
    left = otp.check(verification_id=v.id, code=wrong(code)).attempts_left
    assert left == 1  # 3 in all for the flash call's 4 digits, one spent already


def test_login_has_no_flash_call_by_default_and_payment_never(otp: OtpService) -> None:
    err = refused("channel_not_allowed", otp.start, CUSTOMER, "flashcall", purpose="login")
    assert "login" in err.message
    refused("channel_not_allowed", otp.start, CUSTOMER, "flashcall", purpose="payment")
    assert (
        "flashcall"
        in OtpSettings.from_mapping({"SANDI_OTP_LOGIN_CHANNELS": "sms,flashcall"})
        .policy("login")
        .channels
    )
    with pytest.raises(ConfigError, match="never allowed for payment"):
        OtpSettings.from_mapping({"SANDI_OTP_PAYMENT_CHANNELS": "sms,flashcall"})
