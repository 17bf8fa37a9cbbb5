"""Two Twilio Verify services on one number are independent, as on Twilio.

An app with a ``login`` and a ``payments`` service must never approve one
with the other's code, nor be told to wait because the other just sent one.
Twilio's own Python SDK, against a live server.
"""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2

from tests.support.otp import CUSTOMER
from tests.web.verify_v2.conftest import Outbox


def test_two_services_on_one_number_are_independent(verify: V2, outbox: Outbox) -> None:
    a = verify.services(verify.services.create(friendly_name="Login").sid)
    b = verify.services(verify.services.create(friendly_name="Payments").sid)

    va = a.verifications.create(to=CUSTOMER, channel="sms")
    code_a = outbox.code(CUSTOMER)
    # B's start is a new verification of B's, not a resend (nor a 429) of A's.
    vb = b.verifications.create(to=CUSTOMER, channel="sms")
    code_b = outbox.code(CUSTOMER)
    assert vb.sid != va.sid
    assert (vb.service_sid, va.service_sid) == (b._solution["sid"], a._solution["sid"])
    assert [x["channel"] for x in vb.send_code_attempts] == ["sms"]

    # Each service finds its own by number, and not the other's by sid.
    assert a.verifications(CUSTOMER).fetch().sid == va.sid
    assert b.verifications(CUSTOMER).fetch().sid == vb.sid
    with pytest.raises(TwilioRestException) as other:
        b.verifications(va.sid).fetch()
    assert other.value.code == 20404
    with pytest.raises(TwilioRestException) as cross:
        b.verification_checks.create(verification_sid=va.sid, code=code_a)
    assert (cross.value.code, cross.value.status) == (20404, 404)

    if code_a != code_b:
        # A's code typed into B is a wrong code for B's own verification.
        wrong = b.verification_checks.create(to=CUSTOMER, code=code_a)
        assert (wrong.sid, wrong.status, wrong.valid) == (vb.sid, "pending", False)
    assert a.verifications(va.sid).fetch().status == "pending"

    good_b = b.verification_checks.create(to=CUSTOMER, code=code_b)
    assert (good_b.sid, good_b.status, good_b.service_sid) == (vb.sid, "approved", vb.service_sid)
    assert a.verifications(va.sid).fetch().status == "pending"  # untouched by B
    good_a = a.verification_checks.create(to=CUSTOMER, code=code_a)
    assert (good_a.sid, good_a.status) == (va.sid, "approved")


def test_canceling_in_one_service_leaves_the_other(verify: V2, outbox: Outbox) -> None:
    a = verify.services(verify.services.create(friendly_name="Login").sid)
    b = verify.services(verify.services.create(friendly_name="Payments").sid)
    va = a.verifications.create(to=CUSTOMER, channel="sms")
    vb = b.verifications.create(to=CUSTOMER, channel="whatsapp")
    with pytest.raises(TwilioRestException) as foreign:
        b.verifications(va.sid).update(status="canceled")
    assert foreign.value.code == 20404
    assert b.verifications(CUSTOMER).update(status="canceled").sid == vb.sid
    assert a.verifications(va.sid).fetch().status == "pending"
