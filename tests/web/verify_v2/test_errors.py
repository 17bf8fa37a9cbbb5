"""Every refusal as Twilio's SDK sees it: ``TwilioRestException`` with Twilio's
``code`` and ``status``; and, over raw HTTP, Twilio's error body, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.verify.v2 import V2
from twilio.rest.verify.v2.service import ServiceContext

from app import create_app
from app.wiring.services import Services
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, wrong
from tests.support.redis_servers import RedisProcess
from tests.web.verify_v2.conftest import ENV_KEY, Outbox

TWILIO_ERROR_KEYS = {"code", "message", "more_info", "status"}


def new_service(verify: V2, **options: Any) -> ServiceContext:
    return verify.services(verify.services.create(friendly_name="Toko Budi", **options).sid)


def refused(call: Callable[[], object]) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()
    return caught.value


def test_five_wrong_codes_lock_then_60202(verify: V2, outbox: Outbox) -> None:
    service = new_service(verify)
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    code = outbox.code(CUSTOMER)
    statuses = [
        service.verification_checks.create(to=CUSTOMER, code=wrong(code)).status for _ in range(5)
    ]
    assert statuses == ["pending"] * 4 + ["max_attempts_reached"]
    err = refused(lambda: service.verification_checks.create(verification_sid=v.sid, code=code))
    assert (err.code, err.status) == (60202, 429)
    assert service.verifications(v.sid).fetch().status == "max_attempts_reached"
    # No new code for that number until the locked one would have expired.
    again = refused(lambda: service.verifications.create(to=CUSTOMER, channel="sms"))
    assert (again.code, again.status) == (60202, 429)


def test_the_sixth_send_is_60203(verify: V2, clock: FakeClock) -> None:
    service = new_service(verify)
    sids = set()
    for _ in range(5):
        sids.add(service.verifications.create(to=CUSTOMER, channel="sms").sid)
        clock.advance(seconds=31)
    assert len(sids) == 1
    err = refused(lambda: service.verifications.create(to=CUSTOMER, channel="sms"))
    assert (err.code, err.status) == (60203, 429)
    attempts = service.verifications(sids.pop()).fetch().send_code_attempts
    assert len(attempts) == 5


def test_a_resend_within_the_cooldown_is_20429_with_retry_after(
    verify: V2, base_url: str, api_key: tuple[str, str]
) -> None:
    service = new_service(verify)
    service.verifications.create(to=CUSTOMER, channel="sms")
    err = refused(lambda: service.verifications.create(to=CUSTOMER, channel="sms"))
    assert (err.code, err.status) == (20429, 429)
    answer = requests.post(
        f"{base_url}/v2/Services/{service._solution['sid']}/Verifications",
        data={"To": CUSTOMER, "Channel": "sms"},
        auth=api_key,
        timeout=5,
    )
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "30"


def test_not_found_is_20404(verify: V2, outbox: Outbox) -> None:
    missing = "VA" + "0" * 32
    assert refused(lambda: verify.services(missing).fetch()).code == 20404
    err = refused(lambda: verify.services(missing).verifications.create(to=CUSTOMER, channel="sms"))
    assert (err.code, err.status) == (20404, 404)
    assert err.msg.endswith(
        f"The requested resource /Services/{missing}/Verifications was not found"
    )

    service = new_service(verify)
    # (A number as ``ref`` would be right too, but it would sit in the access log.)
    for ref in ("VE" + "0" * 32, "not-a-sid", "nobody@example.co.id"):
        assert refused(lambda ref=ref: service.verifications(ref).fetch()).code == 20404
    nothing_open = refused(lambda: service.verification_checks.create(to=CUSTOMER, code="123456"))
    assert (nothing_open.code, nothing_open.status) == (20404, 404)
    unknown = refused(
        lambda: service.verification_checks.create(verification_sid="VE" + "1" * 32, code="123456")
    )
    assert unknown.code == 20404

    v = service.verifications.create(to=CUSTOMER, channel="sms")
    code = outbox.code(CUSTOMER)
    assert service.verification_checks.create(to=CUSTOMER, code=code).status == "approved"
    # As on Twilio, an approved verification cannot be checked again...
    used = refused(lambda: service.verification_checks.create(verification_sid=v.sid, code=code))
    assert (used.code, used.status) == (20404, 404)
    # ...but unlike Twilio, it can still be fetched for a day, with its final status.
    assert service.verifications(v.sid).fetch().status == "approved"


def test_another_purpose_s_verification_is_not_found(
    verify: V2, outbox: Outbox, base_url: str, api_key: tuple[str, str]
) -> None:
    login = new_service(verify)
    sid = login._solution["sid"]
    requests.post(
        f"{base_url}/v2/Services/{sid}", data={"Purpose": "login"}, auth=api_key, timeout=5
    )
    v = new_service(verify).verifications.create(to=CUSTOMER, channel="sms")
    assert refused(lambda: login.verifications(v.sid).fetch()).code == 20404
    code = outbox.code(CUSTOMER)
    err = refused(lambda: login.verification_checks.create(verification_sid=v.sid, code=code))
    assert err.code == 20404
    # NIST: a login code never goes by e-mail.
    mail = refused(lambda: login.verifications.create(to="budi@example.co.id", channel="email"))
    assert (mail.code, mail.status) == (60200, 400) and "`Channel`" in mail.msg


def test_a_country_sandi_does_not_send_to_is_60605(verify: V2, outbox: Outbox) -> None:
    service = new_service(verify)
    err = refused(lambda: service.verifications.create(to="+12025550123", channel="sms"))
    assert (err.code, err.status) == (60605, 403)
    assert "SANDI_ALLOWED_COUNTRIES" in err.msg
    assert outbox.entries("+12025550123") == []


@pytest.mark.parametrize(
    ("arguments", "parameter"),
    [
        ({"to": CUSTOMER, "channel": "pigeon"}, "Channel"),
        ({"to": CUSTOMER, "channel": "sna"}, "Channel"),
        ({"to": "", "channel": "sms"}, "To"),
        ({"to": "0812345", "channel": "sms"}, "To"),
        ({"to": "budi@example.co.id", "channel": "sms"}, "To"),
        ({"to": CUSTOMER, "channel": "sms", "custom_code": "123456"}, "CustomCode"),
        (
            {"to": CUSTOMER, "channel": "sms", "custom_friendly_name": "Call 0812345678"},
            "CustomFriendlyName",
        ),
        ({"to": CUSTOMER, "channel": "sms", "amount": "Rp1"}, "Amount"),
    ],
)
def test_bad_parameters_are_60200_naming_the_parameter(
    verify: V2, outbox: Outbox, arguments: dict[str, str], parameter: str
) -> None:
    err = refused(lambda: new_service(verify).verifications.create(**arguments))
    assert (err.code, err.status) == (60200, 400)
    assert f"`{parameter}`" in err.msg
    assert outbox.entries(CUSTOMER) == []


def test_bad_service_settings_and_codes_are_60200(verify: V2, outbox: Outbox) -> None:
    for options in (
        {"code_length": 3},
        {"code_length": 4},  # Twilio takes 4; Sandi 6 unless SANDI_OTP_DIGITS says less
        {"code_length": 11},
        {"friendly_name": ""},
        {"friendly_name": "Toko https://evil.example"},
        {"friendly_name": "Budi 12345"},  # more than 4 digits: a phone number
        {"friendly_name": "A" * 31},
    ):
        arguments: dict[str, Any] = {"friendly_name": "Toko Budi", **options}
        err = refused(lambda arguments=arguments: verify.services.create(**arguments))
        assert (err.code, err.status) == (60200, 400), options
    service = new_service(verify)
    service.verifications.create(to=CUSTOMER, channel="sms")
    for code in ("abc", "12", "12345"):  # letters, too short, the wrong length
        err = refused(lambda code=code: service.verification_checks.create(to=CUSTOMER, code=code))
        assert (err.code, err.status) == (60200, 400) and "`Code`" in err.msg
    both = refused(
        lambda: service.verification_checks.create(
            to=CUSTOMER, verification_sid="VE" + "0" * 32, code="123456"
        )
    )
    assert both.code == 60200
    # None of those counted as a wrong code.
    code = outbox.code(CUSTOMER)
    assert service.verification_checks.create(to=CUSTOMER, code=code).status == "approved"


def test_bad_credentials_are_20003(
    client_for: Callable[[str, str], Client],
    api_key: tuple[str, str],
    services: Services,
    clock: FakeClock,
) -> None:
    sid, secret = api_key
    other_sid = services.api_keys.create("other", clock())[0].sid
    for username, password in [
        (sid, "wrong-secret"),
        (other_sid, secret),  # a created key's secret goes with its own SID only
        ("AC" + "0" * 32, secret),
        ("anything", "not-a-key"),
    ]:
        sdk = client_for(username, password).verify.v2.services
        err = refused(lambda sdk=sdk: sdk.create(friendly_name="Toko Budi"))
        assert (err.code, err.status) == (20003, 401), username
    # Keys from SANDI_API_KEYS have no SID of their own: any user name goes.
    for username in ("anything", "AC" + "1" * 32, sid):
        assert client_for(username, ENV_KEY).verify.v2.services.list() == []
    assert client_for(sid, secret).verify.v2.services.list() == []
    services.api_keys.revoke(sid, clock())
    revoked = client_for(sid, secret).verify.v2.services
    assert refused(lambda: revoked.create(friendly_name="Toko Budi")).code == 20003


def test_raw_http_errors_are_twilio_shaped_never_500(
    base_url: str, api_key: tuple[str, str]
) -> None:
    unauthenticated = requests.get(f"{base_url}/v2/Services", timeout=5)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["WWW-Authenticate"].startswith("Basic")
    assert unauthenticated.json() == {
        "code": 20003,
        "message": unauthenticated.json()["message"],
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    sid = requests.post(
        f"{base_url}/v2/Services", data={"FriendlyName": "Toko"}, auth=api_key, timeout=5
    ).json()["sid"]
    service = f"{base_url}/v2/Services/{sid}"
    cases: list[tuple[str, str, dict[str, Any], int, int]] = [
        ("GET", f"{base_url}/v2/Services/{sid}/RateLimits", {}, 404, 20404),
        ("GET", f"{base_url}/v2/Nope", {}, 404, 20404),
        ("DELETE", f"{service}/Verifications/VE{'0' * 32}", {}, 404, 20404),
        ("POST", f"{base_url}/v2/Services", {}, 400, 60200),
        ("POST", f"{base_url}/v2/Services", {"data": b"\xff\xfe\x00junk"}, 400, 60200),
        ("POST", f"{base_url}/v2/Services", {"json": {"FriendlyName": "x"}}, 400, 60200),
        ("GET", f"{base_url}/v2/Services?PageSize=0", {}, 400, 60200),
        ("GET", f"{base_url}/v2/Services?Page=-1", {}, 400, 60200),
        ("POST", f"{service}/Verifications", {"data": {"To": CUSTOMER}}, 400, 60200),
        ("POST", f"{service}/Verifications", {"data": {"Channel": "sms"}}, 400, 60200),
        (
            "POST",
            f"{service}/Verifications",
            {"data": {"To": "x" * 300, "Channel": "sms"}},
            400,
            60200,
        ),
        ("POST", f"{service}/Verifications", {"data": "To=%ff%fe&Channel=sms"}, 400, 60200),
        ("POST", f"{service}/VerificationCheck", {"data": {"Code": "123456"}}, 400, 60200),
        ("POST", f"{service}/Verifications/VE{'0' * 32}", {"data": {"Status": "x"}}, 400, 60200),
        ("POST", f"{service}", {"data": {"CodeLength": "six"}}, 400, 60200),
    ]
    for method, url, extra, status, code in cases:
        answer = requests.request(method, url, auth=api_key, timeout=5, **extra)
        assert answer.status_code == status, (method, url, answer.text)
        body = answer.json()
        assert set(body) == TWILIO_ERROR_KEYS and body["code"] == code, (url, body)
        assert body["status"] == status
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_a_body_too_large_is_413_in_twilio_s_shape(app: Flask) -> None:
    answer = app.test_client().post(
        "/v2/Services", data={"FriendlyName": "x" * 70_000}, auth=("anything", ENV_KEY)
    )
    assert answer.status_code == 413
    assert answer.get_json()["code"] == 60200 and set(answer.get_json()) == TWILIO_ERROR_KEYS


def test_redis_down_is_20503(app_config: dict[str, Any], redis_process: RedisProcess) -> None:
    app: Flask = create_app({**app_config, "REDIS_URL": redis_process.url})
    client = app.test_client()
    auth = ("anything", ENV_KEY)
    assert client.get("/v2/Services", auth=auth).status_code == 200
    redis_process.stop()
    answer = client.get("/v2/Services", auth=auth)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "1"
    assert answer.get_json()["code"] == 20503
