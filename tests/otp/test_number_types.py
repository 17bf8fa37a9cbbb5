"""Issue 13.5: codes go only to the kinds of number each channel can reach (toll-fraud screening).

The attack: ``+628091234567`` (premium rate) was accepted for sms, call and
flashcall, so every code sent earned the number's owner money.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2

from app import create_app
from app.config import ConfigError
from app.otp.policy import OtpSettings
from tests.support.api import Api

PREMIUM = "+628091234567"
TOLL_FREE = "+628001234567"
UAN = "+628071234567"
LANDLINE = "+62215551234"
MOBILE = "+6281234567890"
US_NUMBER = "+12125551234"  # the metadata cannot tell a US landline from a mobile


@pytest.fixture
def api(client: Any) -> Api:
    return Api(client)


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "call", "flashcall", "auto"])
@pytest.mark.parametrize(
    ("number", "kind"), [(PREMIUM, "premium rate"), (TOLL_FREE, "toll free"), (UAN, "uan")]
)
def test_toll_fraud_numbers_are_refused_on_every_channel(
    api: Api, outbox: Any, channel: str, number: str, kind: str
) -> None:
    error = api.error(
        "POST",
        "/v1/verifications",
        422,
        "number_type_not_allowed",
        json={"to": number, "channel": channel},
    )
    assert f"not sent to {kind} numbers" in error["message"]
    assert outbox.read(number) == []


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "flashcall"])
def test_a_landline_gets_no_text_or_flash_call(api: Api, outbox: Any, channel: str) -> None:
    error = api.error(
        "POST",
        "/v1/verifications",
        422,
        "landline_not_supported",
        json={"to": LANDLINE, "channel": channel},
    )
    assert "fixed line numbers" in error["message"]
    assert outbox.read(LANDLINE) == []


def test_a_landline_may_get_a_voice_call_and_a_mobile_anything(api: Api) -> None:
    assert api.post("/v1/verifications", 201, {"to": LANDLINE, "channel": "call"})["status"] == (
        "pending"
    )
    assert api.post("/v1/verifications", 201, {"to": MOBILE, "channel": "sms"})["status"] == (
        "pending"
    )


def test_a_number_the_metadata_cannot_classify_gets_sms_but_no_flash_call(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_ALLOWED_COUNTRIES"] = "ID,US"
    api = Api(create_app(app_config).test_client())
    api.post("/v1/verifications", 201, {"to": US_NUMBER, "channel": "sms"})
    api.error(
        "POST",
        "/v1/verifications",
        422,
        "number_type_not_allowed",
        json={"to": US_NUMBER, "channel": "flashcall"},
    )


def test_the_country_allowlist_still_applies_first(api: Api) -> None:
    api.error(
        "POST",
        "/v1/verifications",
        422,
        "country_not_allowed",
        json={"to": "+442071234567", "channel": "call"},
    )


def test_a_purpose_may_widen_or_narrow_the_kinds(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    app_config["SANDI_OTP_LOGIN_NUMBER_TYPES"] = "call=mobile"
    app_config["SANDI_OTP_SUPPORT_NUMBER_TYPES"] = "sms=mobile|fixed_line"
    api = Api(create_app(app_config).test_client())
    body = {"to": LANDLINE, "channel": "call", "purpose": "login"}
    api.error("POST", "/v1/verifications", 422, "landline_not_supported", json=body)
    api.post("/v1/verifications", 201, {"to": LANDLINE, "channel": "sms", "purpose": "support"})


def test_bad_number_type_settings_say_what_to_write() -> None:
    with pytest.raises(ConfigError, match="number kinds are"):
        OtpSettings.from_mapping({"SANDI_OTP_NUMBER_TYPES": "sms=mobile|satellite"})
    with pytest.raises(ConfigError, match="not a phone channel"):
        OtpSettings.from_mapping({"SANDI_OTP_NUMBER_TYPES": "email=mobile"})


def test_v2_answers_twilio_s_60205_for_a_landline_and_60200_for_premium(
    app: Flask, redis_client: Any
) -> None:
    from tests.support.live_server import serve
    from tests.web.verify_v2.conftest import sdk_client

    svc = app.extensions["sandi"]
    key, secret = svc.api_keys.create("kinds", svc.clock())
    with serve(app) as base:
        verify: V2 = sdk_client(base, key.sid, secret).verify.v2
        service = verify.services(verify.services.create(friendly_name="Toko").sid)
        for number, code in ((LANDLINE, 60205), (PREMIUM, 60200)):
            with pytest.raises(TwilioRestException) as caught:
                service.verifications.create(to=number, channel="sms")
            assert (caught.value.code, caught.value.status) == (code, 400), caught.value.msg
