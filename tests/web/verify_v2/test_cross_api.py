"""One OTP service under both APIs: started on one, checked on the other.

``/v1`` calls go over the same live server with a Bearer key; ``/v2`` through
Twilio's SDK. A verification's id is the same ``VE...`` on both and its
failures and sends count once. As on Twilio, each service keeps its own
verifications; ``/v1`` is a namespace of its own that reaches a service's
verifications by their id only.
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


def test_started_on_v2_checked_on_v1_by_id(service: ServiceContext, v1: V1, outbox: Outbox) -> None:
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    assert v1.get(f"/verifications/{v.sid}")["status"] == "pending"
    code = outbox.code(CUSTOMER)
    bad = v1.post("/verifications/check", {"id": v.sid, "code": wrong(code)})
    assert (bad["valid"], bad["attempts_left"]) == (False, 4)
    # By number, /v1 looks in its own namespace: the service's verification is not there.
    v1.post("/verifications/check", {"to": CUSTOMER, "code": code}, status=404)
    good = v1.post("/verifications/check", {"id": v.sid, "code": code})
    assert (good["id"], good["status"]) == (v.sid, "approved")
    with pytest.raises(TwilioRestException) as gone:  # ended: Twilio answers 20404
        service.verifications(v.sid).fetch()
    assert gone.value.code == 20404
    assert v1.get(f"/verifications/{v.sid}")["status"] == "approved"  # /v1 keeps it a day


def test_a_v1_verification_is_not_in_any_service(
    service: ServiceContext, v1: V1, outbox: Outbox
) -> None:
    """/v1 is a namespace of its own, like one more service: a service neither
    finds its verifications by number or by id, nor approves their codes."""
    v = v1.post("/verifications", {"to": CUSTOMER, "channel": "whatsapp"}, status=201)
    code = outbox.code(CUSTOMER)
    for ref in (v["id"], "budi@example.co.id"):
        with pytest.raises(TwilioRestException) as missing:
            service.verifications(ref).fetch()
        assert missing.value.code == 20404
    for args in ({"to": CUSTOMER}, {"verification_sid": v["id"]}):
        with pytest.raises(TwilioRestException) as refused:
            service.verification_checks.create(code=code, **args)
        assert (refused.value.code, refused.value.status) == (20404, 404)
    mine = service.verifications.create(to=CUSTOMER, channel="sms")
    assert mine.sid != v["id"] and mine.status == "pending"
    assert v1.get(f"/verifications/{v['id']}")["status"] == "pending"
    good = v1.post("/verifications/check", {"to": CUSTOMER, "code": code})
    assert (good["id"], good["status"]) == (v["id"], "approved")


def test_failures_and_sends_count_once_across_both(
    service: ServiceContext, v1: V1, outbox: Outbox, clock: FakeClock
) -> None:
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    clock.advance(seconds=31)
    resent = service.verifications.create(to=CUSTOMER, channel="sms")
    assert resent.sid == v.sid  # a resend, not a second one
    assert v1.get(f"/verifications/{v.sid}")["send_count"] == 2
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
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    v1.post(f"/verifications/{v.sid}/cancel", {})
    with pytest.raises(TwilioRestException) as gone:
        service.verifications(v.sid).update(status="canceled")
    assert gone.value.code == 20404
    again = service.verifications.create(to=CUSTOMER, channel="sms")
    assert again.sid != v.sid
    assert service.verifications(again.sid).update(status="canceled").status == "canceled"
    assert v1.get(f"/verifications/{again.sid}")["status"] == "canceled"


def test_a_service_s_purpose_sets_the_policy_and_the_v1_filter(
    v1: V1, outbox: Outbox, base_url: str, api_key: tuple[str, str], verify: V2
) -> None:
    created = requests.post(
        f"{base_url}/v2/Services",
        data={"FriendlyName": "Toko Budi", "Purpose": "login"},
        auth=api_key,
        timeout=5,
    ).json()
    assert created["purpose"] == "login"
    login = verify.services(created["sid"])
    v = login.verifications.create(to=CUSTOMER, channel="sms")
    assert v1.get(f"/verifications/{v.sid}")["purpose"] == "login"
    code = outbox.code(CUSTOMER)
    # A /v1 check by id with another purpose does not match it.
    v1.post("/verifications/check", {"id": v.sid, "purpose": "verify", "code": code}, 404)
    assert login.verification_checks.create(to=CUSTOMER, code=code).status == "approved"
