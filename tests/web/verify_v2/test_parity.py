"""Where Sandi's /v2 behaves as Twilio Verify does, in the details apps notice.

Service names up to Twilio's 32 characters (refused only when the SMS that
service sends would really overflow one segment), ``Psd2Enabled`` honoured,
e-mail addresses kept as given but for the domain.
"""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2

from tests.support.otp import CUSTOMER
from tests.web.verify_v2.conftest import Outbox

NAME_32 = "Koperasi Simpan Pinjam Sejahtera"


def refused(call: object) -> TwilioRestException:
    with pytest.raises(TwilioRestException) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_a_32_character_name_reaches_the_customer(verify: V2, outbox: Outbox) -> None:
    assert len(NAME_32) == 32
    created = verify.services.create(friendly_name=NAME_32, code_length=10)
    assert created.friendly_name == NAME_32
    service = verify.services(created.sid)
    service.verifications.create(to=CUSTOMER, channel="sms")
    sms = outbox.last(CUSTOMER)["body"]
    assert sms.startswith(f"{NAME_32}: ") and len(sms) <= 160


def test_a_payment_service_refuses_only_a_name_that_overflows(verify: V2) -> None:
    """A payment's SMS also carries the amount and payee: less room for the name."""
    err = refused(lambda: verify.services.create(friendly_name=NAME_32, psd2_enabled=True))
    assert (err.code, err.status) == (60200, 400)
    assert "`FriendlyName`" in err.msg and "at most" in err.msg and "payee" in err.msg
    fits = int(err.msg.split("at most ")[1].split()[0])
    assert 11 < fits < 32
    ok = verify.services.create(friendly_name="K" * fits, psd2_enabled=True)
    assert ok.psd2_enabled is True
    assert (
        refused(
            lambda: verify.services.create(friendly_name="K" * (fits + 1), psd2_enabled=True)
        ).code
        == 60200
    )
    # Turning a long-named service into a payment one is refused the same way.
    plain = verify.services.create(friendly_name=NAME_32)
    turned = refused(lambda: verify.services(plain.sid).update(psd2_enabled=True))
    assert turned.code == 60200 and "`FriendlyName`" in turned.msg
    assert verify.services(plain.sid).fetch().psd2_enabled is False


def test_custom_friendly_name_follows_the_same_rule(verify: V2, outbox: Outbox) -> None:
    service = verify.services(verify.services.create(friendly_name="Toko").sid)
    service.verifications.create(to=CUSTOMER, channel="sms", custom_friendly_name=NAME_32)
    assert outbox.last(CUSTOMER)["body"].startswith(f"{NAME_32}: ")
    too_long = refused(
        lambda: service.verifications.create(
            to="+6281234567891", channel="sms", custom_friendly_name=NAME_32 + "X"
        )
    )
    assert too_long.code == 60200 and "`CustomFriendlyName`" in too_long.msg


def test_psd2_enabled_makes_a_payment_service(verify: V2, outbox: Outbox) -> None:
    created = verify.services.create(friendly_name="Toko Budi", psd2_enabled=True)
    assert created.psd2_enabled is True
    service = verify.services(created.sid)
    missing = refused(lambda: service.verifications.create(to=CUSTOMER, channel="sms"))
    assert (missing.code, missing.status) == (60206, 400)
    v = service.verifications.create(
        to=CUSTOMER, channel="sms", amount="Rp150.000", payee="Toko Budi"
    )
    assert (v.amount, v.payee) == ("Rp150.000", "Toko Budi")
    assert "Rp150.000" in outbox.last(CUSTOMER)["body"]
    off = verify.services(created.sid).update(psd2_enabled=False)
    assert off.psd2_enabled is False


def test_psd2_and_an_unbound_purpose_disagreeing_is_refused(
    verify: V2, base_url: str, api_key: tuple[str, str]
) -> None:
    import requests

    answer = requests.post(
        f"{base_url}/v2/Services",
        data={"FriendlyName": "Toko", "Purpose": "login", "Psd2Enabled": "true"},
        auth=api_key,
        timeout=5,
    )
    assert answer.status_code == 400 and answer.json()["code"] == 60200
    assert "`Psd2Enabled`" in answer.json()["message"]
    bad = requests.post(
        f"{base_url}/v2/Services",
        data={"FriendlyName": "Toko", "Psd2Enabled": "yes"},
        auth=api_key,
        timeout=5,
    )
    assert bad.status_code == 400 and "true or false" in bad.json()["message"]
    custom = refused(lambda: verify.services.create(friendly_name="Toko", custom_code_enabled=True))
    assert custom.code == 60200 and "`CustomCodeEnabled`" in custom.msg


def test_an_email_keeps_its_local_part_and_lowercases_the_domain(
    verify: V2, outbox: Outbox
) -> None:
    service = verify.services(verify.services.create(friendly_name="Toko").sid)
    v = service.verifications.create(to="Budi.Santoso@Example.CO.ID", channel="email")
    assert v.to == "Budi.Santoso@example.co.id"
    code = outbox.code("budi.santoso@example.co.id")  # the sandbox outbox ignores case
    # The same mailbox however the domain is written.
    check = service.verification_checks.create(to="Budi.Santoso@EXAMPLE.co.id", code=code)
    assert (check.sid, check.status, check.to) == (v.sid, "approved", v.to)


def test_auto_with_an_email_address_sends_an_email(verify: V2, outbox: Outbox) -> None:
    """Found by schemathesis: auto took an address, then the phone channel refused it (502)."""
    service = verify.services(verify.services.create(friendly_name="Toko").sid)
    v = service.verifications.create(to="budi@example.co.id", channel="auto")
    assert v.channel == "email" and outbox.last("budi@example.co.id")["channel"] == "email"
