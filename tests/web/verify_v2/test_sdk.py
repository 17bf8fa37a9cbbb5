"""Twilio's Python SDK, unmodified, runs Verify's happy paths against Sandi.

Services, verifications on every channel, codes read off the sandbox outbox
as the customer would read them, wrong and right checks, resends, cancel.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import requests
from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2
from twilio.rest.verify.v2.service import ServiceContext

from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, wrong
from tests.web.verify_v2.conftest import ENV_KEY, Outbox

EMAIL = "budi@example.co.id"


def new_service(verify: V2, **options: object) -> ServiceContext:
    created = verify.services.create(
        friendly_name=options.pop("friendly_name", "Toko Budi"), **options
    )
    return verify.services(created.sid)


def test_a_service_is_created_fetched_updated_listed_and_deleted(
    verify: V2, base_url: str, clock: FakeClock
) -> None:
    created = verify.services.create(friendly_name="Toko Budi", code_length=8)
    assert re.fullmatch(r"VA[0-9a-f]{32}", created.sid)
    assert re.fullmatch(r"AC[0-9a-f]{32}", created.account_sid)
    assert (created.friendly_name, created.code_length) == ("Toko Budi", 8)
    assert created.date_created == datetime.fromisoformat("2026-11-25T09:00:00+00:00")
    assert created.url == f"{base_url}/v2/Services/{created.sid}"
    assert created.links["verifications"] == f"{created.url}/Verifications"
    assert created.links["verification_checks"] == f"{created.url}/VerificationCheck"
    assert created.psd2_enabled is False and created.custom_code_enabled is False

    fetched = verify.services(created.sid).fetch()
    assert (fetched.sid, fetched.friendly_name, fetched.code_length) == (
        created.sid,
        "Toko Budi",
        8,
    )
    updated = verify.services(created.sid).update(friendly_name="Toko Sari", code_length=6)
    assert (updated.friendly_name, updated.code_length) == ("Toko Sari", 6)
    clock.advance(seconds=1)
    other = verify.services.create(friendly_name="Warung")
    assert [s.sid for s in verify.services.list()] == [created.sid, other.sid]
    assert [s.sid for s in verify.services.list(page_size=1)] == [created.sid, other.sid]

    assert verify.services(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        verify.services(created.sid).fetch()
    assert (gone.value.code, gone.value.status) == (20404, 404)
    assert [s.sid for s in verify.services.list()] == [other.sid]


def test_a_service_without_code_length_follows_the_policy(verify: V2) -> None:
    assert verify.services.create(friendly_name="Toko Budi").code_length == 6


@pytest.mark.parametrize(
    ("channel", "to", "used"),
    [
        ("sms", CUSTOMER, "sms"),
        ("whatsapp", CUSTOMER, "whatsapp"),
        ("call", CUSTOMER, "call"),
        ("email", EMAIL, "email"),
        ("flashcall", CUSTOMER, "flashcall"),
        (
            "auto",
            CUSTOMER,
            "whatsapp",
        ),  # +62 numbers are on WhatsApp (SANDI_AUTO_WHATSAPP_PREFIXES)
    ],
)
def test_every_channel_delivers_a_code_that_checks(
    verify: V2, outbox: Outbox, channel: str, to: str, used: str
) -> None:
    service = new_service(verify)
    v = service.verifications.create(to=to, channel=channel)
    assert re.fullmatch(r"VE[0-9a-f]{32}", v.sid)
    assert (v.status, v.valid, v.to, v.channel) == ("pending", False, to, used)
    assert v.service_sid == service._solution["sid"]
    assert [a["channel"] for a in v.send_code_attempts] == [used.upper()]
    assert re.fullmatch(r"VL[0-9a-f]{32}", v.send_code_attempts[0]["attempt_sid"])
    assert isinstance(v.date_created, datetime) and isinstance(v.date_updated, datetime)

    assert outbox.last(to)["channel"] == used
    code = outbox.code(to)
    bad = service.verification_checks.create(to=to, code=wrong(code))
    assert (bad.status, bad.valid, bad.sid) == ("pending", False, v.sid)
    good = service.verification_checks.create(verification_sid=v.sid, code=code)
    assert (good.status, good.valid, good.to, good.channel) == ("approved", True, to, used)
    assert service.verifications(v.sid).fetch().status == "approved"


def test_code_length_and_friendly_name_reach_the_customer(
    verify: V2, outbox: Outbox, clock: FakeClock
) -> None:
    service = new_service(verify, friendly_name="Warung Sari", code_length=8)
    v = service.verifications.create(to=CUSTOMER, channel="sms", locale="en")
    sms = outbox.last(CUSTOMER)
    assert sms["body"].startswith("Warung Sari: ") and len(outbox.code(CUSTOMER)) == 8

    clock.advance(seconds=31)
    again = service.verifications.create(
        to=CUSTOMER, channel="call", custom_friendly_name="Kopi Kita"
    )
    assert again.sid == v.sid  # a resend: same verification, new code
    call = outbox.last(CUSTOMER)
    assert "ini Kopi Kita" in call["body"] and len(outbox.code(CUSTOMER)) == 8
    assert [a["channel"] for a in again.send_code_attempts] == ["SMS", "CALL"]
    times = [a["time"] for a in again.send_code_attempts]
    assert times == ["2026-11-25T09:00:00Z", "2026-11-25T09:00:31Z"]
    assert len({a["attempt_sid"] for a in again.send_code_attempts}) == 2

    email = new_service(verify, friendly_name="Toko Budi").verifications.create(
        to=EMAIL, channel="email"
    )
    assert email.status == "pending" and "Toko Budi" in outbox.last(EMAIL)["body"]


def test_a_language_sandi_has_no_templates_for_falls_back(verify: V2, outbox: Outbox) -> None:
    """Twilio speaks ~40 languages; Sandi id and en. Spanish asks, Indonesian answers."""
    new_service(verify).verifications.create(to=CUSTOMER, channel="sms", locale="es")
    assert "kode verifikasi" in outbox.last(CUSTOMER)["body"]


def test_cancel_by_sid_and_by_to(verify: V2, outbox: Outbox) -> None:
    service = new_service(verify)
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    canceled = service.verifications(v.sid).update(status="canceled")
    assert (canceled.sid, canceled.status, canceled.valid) == (v.sid, "canceled", False)
    with pytest.raises(TwilioRestException) as after:
        service.verification_checks.create(to=CUSTOMER, code=outbox.code(CUSTOMER))
    assert (after.value.code, after.value.status) == (20404, 404)
    with pytest.raises(TwilioRestException) as twice:
        service.verifications(v.sid).update(status="canceled")
    assert twice.value.code == 20404

    # By To (an e-mail here: a number in a URL path ends up in access logs).
    by_mail = service.verifications.create(to=EMAIL, channel="email")
    assert service.verifications(EMAIL).fetch().sid == by_mail.sid
    assert service.verifications(EMAIL).update(status="canceled").status == "canceled"
    with pytest.raises(TwilioRestException) as none_open:
        service.verifications(EMAIL).fetch()
    assert none_open.value.code == 20404


def test_approving_by_hand_is_refused(verify: V2, outbox: Outbox) -> None:
    """Twilio's Status=approved is for custom codes, which Sandi never takes."""
    service = new_service(verify)
    v = service.verifications.create(to=CUSTOMER, channel="sms")
    with pytest.raises(TwilioRestException) as refused:
        service.verifications(v.sid).update(status="approved")
    assert (refused.value.code, refused.value.status) == (60200, 400)
    assert "VerificationCheck" in refused.value.msg
    assert service.verifications(v.sid).fetch().status == "pending"
    code = outbox.code(CUSTOMER)
    assert service.verification_checks.create(to=CUSTOMER, code=code).status == "approved"


def test_a_payment_service_binds_amount_and_payee(
    verify: V2, outbox: Outbox, base_url: str, api_key: tuple[str, str]
) -> None:
    """Sandi's ``Purpose`` extra: the service's verifications use that OTP purpose.

    The SDK has no argument for it, so it goes as a plain form field (curl, or
    ``sandi verify-services create --purpose``)."""
    created = verify.services.create(friendly_name="Toko Budi")
    assert created.psd2_enabled is False
    answer = requests.post(
        f"{base_url}/v2/Services/{created.sid}",
        data={"Purpose": "payment"},
        auth=api_key,
        timeout=5,
    )
    assert answer.status_code == 200 and answer.json()["purpose"] == "payment"
    assert verify.services(created.sid).fetch().psd2_enabled is True
    service = verify.services(created.sid)
    v = service.verifications.create(
        to=CUSTOMER, channel="sms", amount="Rp150.000", payee="Toko Budi"
    )
    assert (v.amount, v.payee) == ("Rp150.000", "Toko Budi")
    code = outbox.code(CUSTOMER)
    other = service.verification_checks.create(
        to=CUSTOMER, code=code, amount="Rp999.000", payee="Toko Budi"
    )
    assert other.status == "pending"  # a code proves consent to one amount only
    good = service.verification_checks.create(
        to=CUSTOMER, code=code, amount="Rp150.000", payee="Toko Budi"
    )
    assert (good.status, good.amount, good.payee) == ("approved", "Rp150.000", "Toko Budi")


def test_fetch_and_cancel_by_number(app: Flask) -> None:
    """By ``To`` with a number: through the test client, as the number in the path
    would otherwise land in the live server's access log."""
    client, auth = app.test_client(), ("anything", ENV_KEY)
    sid = client.post("/v2/Services", data={"FriendlyName": "Toko"}, auth=auth).get_json()["sid"]
    started = client.post(
        f"/v2/Services/{sid}/Verifications", data={"To": CUSTOMER, "Channel": "sms"}, auth=auth
    ).get_json()
    for ref in (CUSTOMER, "+62 812-3456-7890"):
        fetched = client.get(f"/v2/Services/{sid}/Verifications/{ref}", auth=auth)
        assert fetched.get_json()["sid"] == started["sid"]
    canceled = client.post(
        f"/v2/Services/{sid}/Verifications/{CUSTOMER}", data={"Status": "canceled"}, auth=auth
    )
    assert canceled.get_json()["status"] == "canceled"
    gone = client.get(f"/v2/Services/{sid}/Verifications/{CUSTOMER}", auth=auth)
    assert (gone.status_code, gone.get_json()["code"]) == (404, 20404)
