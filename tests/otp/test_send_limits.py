"""The send limits, hit in one pipeline: each window counted once, even after
Redis forgot the Lua scripts (a restart, SCRIPT FLUSH)."""

from __future__ import annotations

from typing import Any

import pytest

from app import create_app
from app.otp.errors import OtpError


def test_every_window_counts_once_even_when_redis_lost_the_scripts(
    app_config: dict[str, Any], redis_process: Any
) -> None:
    app = create_app(
        {
            **app_config,
            # A private server: SCRIPT FLUSH empties a whole server's script cache.
            "REDIS_URL": redis_process.url,
            "SANDI_OTP_DESTINATION_LIMITS": "2/hour",
            "SANDI_OTP_IP_LIMITS": "3/minute",
            "SANDI_OTP_API_KEY_LIMITS": "off",
        }
    )
    services = app.extensions["sandi"]
    otp = services.otp
    services.redis.script_flush()  # the pipeline meets NOSCRIPT and runs each hit alone
    otp.start("+6281234567001", "sms", purpose="a", client_ip="203.0.113.7")
    services.redis.script_flush()
    otp.start("+6281234567001", "sms", purpose="b", client_ip="203.0.113.7")
    with pytest.raises(OtpError) as refused:  # the number's third send in the hour
        otp.start("+6281234567001", "sms", purpose="c", client_ip="203.0.113.7")
    assert refused.value.code == "rate_limited" and "destination" in refused.value.message
    # That refused send still used one unit of the IP window (3/minute): the fourth is over.
    with pytest.raises(OtpError) as refused:
        otp.start("+6281234567002", "sms", purpose="a", client_ip="203.0.113.7")
    assert "client ip" in refused.value.message and refused.value.retry_after


def test_a_full_window_says_how_long_until_it_has_room(app_config: dict[str, Any]) -> None:
    app = create_app({**app_config, "SANDI_OTP_DESTINATION_LIMITS": "1/hour;20/day"})
    otp = app.extensions["sandi"].otp
    otp.start("+6281234567003", "sms", purpose="a")
    with pytest.raises(OtpError) as refused:
        otp.start("+6281234567003", "sms", purpose="b")
    assert refused.value.code == "rate_limited"
    assert 3500 < (refused.value.retry_after or 0) <= 3600
