"""Development sandbox mode: the per-number limit does not bite a person trying the flows."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from app.otp.errors import OtpError

NUMBER = "+6281234567009"


def send_twelve(otp: Any) -> None:
    for n in range(12):  # the README's quick start, twelve minutes in
        otp.start(NUMBER, "sms", purpose=f"p{n}")


def test_development_sandbox_sends_more_than_ten_codes_an_hour(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    otp = create_app(app_config).extensions["sandi"].otp
    send_twelve(otp)


def test_an_explicit_limit_still_holds_in_the_sandbox(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    otp = (
        create_app({**app_config, "SANDI_OTP_DESTINATION_LIMITS": "10/hour"})
        .extensions["sandi"]
        .otp
    )
    with pytest.raises(OtpError) as refused:
        send_twelve(otp)
    assert refused.value.code == "rate_limited"


def test_forgetting_the_sends_unblocks_the_number(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    otp = (
        create_app({**app_config, "SANDI_OTP_DESTINATION_LIMITS": "1/hour"}).extensions["sandi"].otp
    )
    otp.start(NUMBER, "sms", purpose="a")
    with pytest.raises(OtpError):
        otp.start(NUMBER, "sms", purpose="b")
    otp.forget_sends(NUMBER)
    otp.start(NUMBER, "sms", purpose="b")
