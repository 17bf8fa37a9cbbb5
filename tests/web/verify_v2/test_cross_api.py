"""One OTP service under both APIs: started on one, checked on the other.

``/v1`` calls go over the same live server with a Bearer key; ``/v2`` through
Twilio's SDK. A verification's id is the same ``VE...`` on both, its failures
and sends count once, and the purpose is the link (``verify`` for a service
created without Sandi's ``Purpose`` extra, as for ``/v1`` without ``purpose``).
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2
from twilio.rest.verify.v2.service import ServiceContext

from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, wrong
from tests.web.verify_v2.conftest import ENV_KEY, Outbox


class V1:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def post(self, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        answer = requests.post(
            f"{self.base_url}/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {ENV_KEY}"},
            timeout=5,
        )
        assert answer.status_code == status, answer.text
        return answer.json()  # type: ignore[no-any-return]

    def get(self, path: str) -> dict[str, Any]:
        answer = requests.get(
            f"{self.base_url}/v1{path}", headers={"Authorization": f"Bearer {ENV_KEY}"}, timeout=5
        )
        assert answer.status_code == 200, answer.text
        return answer.json()  # type: ignore[no-any-return]


@pytest.fixture
def v1(base_url: str) -> V1:
    return V1(base_url)


@pytest.fixture
def service(verify: V2) -> ServiceContext:
    return verify.services(verify.services.create(friendly_name="Toko Budi").sid)


def test_started_on_v2_checked_on_v1(service: ServiceContext, v1: V1, outbox: Outbox) -> None:
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    assert v1.get(f"/verifications/{v.sid}")["status"] == "pending"
    code = outbox.code(CUSTOMER)
    bad = v1.post("/verifications/check", {"id": v.sid, "code": wrong(code)})
    assert (bad["valid"], bad["attempts_left"]) == (False, 4)
    good = v1.post("/verifications/check", {"to": CUSTOMER, "code": code})
    assert (good["id"], good["status"]) == (v.sid, "approved")
    assert service.verifications(v.sid).fetch().status == "approved"


def test_started_on_v1_checked_on_v2(service: ServiceContext, v1: V1, outbox: Outbox) -> None:
    v = v1.post("/verifications", {"to": CUSTOMER, "channel": "whatsapp"}, status=201)
    fetched = service.verifications(v["id"]).fetch()
    assert (fetched.sid, fetched.status, fetched.channel) == (v["id"], "pending", "whatsapp")
    code = outbox.code(CUSTOMER)
    good = service.verification_checks.create(to=CUSTOMER, code=code)
    assert (good.sid, good.status, good.valid) == (v["id"], "approved", True)
    assert v1.get(f"/verifications/{v['id']}")["status"] == "approved"


def test_failures_and_sends_count_once_across_both(
    service: ServiceContext, v1: V1, outbox: Outbox, clock: FakeClock
) -> None:
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    clock.advance(seconds=31)
    resent = v1.post("/verifications", {"to": CUSTOMER, "channel": "sms"}, status=201)
    assert (resent["id"], resent["send_count"]) == (v.sid, 2)  # a resend, not a second one
    code = outbox.code(CUSTOMER)
    for _ in range(2):
        v1.post("/verifications/check", {"id": v.sid, "code": wrong(code)})
    for _ in range(2):
        service.verification_checks.create(to=CUSTOMER, code=wrong(code))
    last = service.verification_checks.create(to=CUSTOMER, code=wrong(code))
    assert last.status == "max_attempts_reached"
    assert v1.get(f"/verifications/{v.sid}")["status"] == "max_attempts_reached"
    with pytest.raises(TwilioRestException) as locked:
        service.verification_checks.create(to=CUSTOMER, code=code)
    assert locked.value.code == 60202


def test_canceled_on_one_is_canceled_on_the_other(
    service: ServiceContext, v1: V1, outbox: Outbox
) -> None:
    v = v1.post("/verifications", {"to": CUSTOMER, "channel": "sms"}, status=201)
    assert service.verifications(v["id"]).update(status="canceled").status == "canceled"
    assert v1.get(f"/verifications/{v['id']}")["status"] == "canceled"
    again = service.verifications.create(to=CUSTOMER, channel="sms")
    assert again.sid != v["id"]
    v1.post(f"/verifications/{again.sid}/cancel", {})
    assert service.verifications(again.sid).fetch().status == "canceled"


def test_a_service_s_purpose_is_the_v1_purpose(
    verify: V2, v1: V1, outbox: Outbox, base_url: str, api_key: tuple[str, str]
) -> None:
    created = requests.post(
        f"{base_url}/v2/Services",
        data={"FriendlyName": "Toko Budi", "Purpose": "login"},
        auth=api_key,
        timeout=5,
    ).json()
    assert created["purpose"] == "login"
    login = verify.services(created["sid"])
    v = v1.post("/verifications", {"to": CUSTOMER, "channel": "sms", "purpose": "login"}, 201)
    assert login.verifications(v["id"]).fetch().status == "pending"
    code = outbox.code(CUSTOMER)
    # A /v1 check without the purpose looks for a "verify" one: there is none.
    v1.post("/verifications/check", {"to": CUSTOMER, "code": code}, status=404)
    assert login.verification_checks.create(to=CUSTOMER, code=code).status == "approved"
