"""Twilio's SDK sees a fraud-guard block as Twilio's Fraud Guard answers it: 60410."""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest.verify.v2 import V2

from tests.web.verify_v2.conftest import Outbox

RANGE = "+628129999"


def test_a_pumped_prefix_is_60410(verify: V2, outbox: Outbox) -> None:
    service = verify.services(verify.services.create(friendly_name="Toko Budi").sid)
    for i in range(6):
        assert service.verifications.create(to=f"{RANGE}{i:04d}", channel="sms").status == "pending"
    with pytest.raises(TwilioRestException) as caught:
        service.verifications.create(to=f"{RANGE}0006", channel="sms")
    err = caught.value
    assert (err.code, err.status) == (60410, 403)
    assert "prefix_burst" in err.msg and "+62812****xxxx" in err.msg
    assert outbox.entries(f"{RANGE}0006") == []
    # WhatsApp is not exposed to toll fraud: it still goes
    assert service.verifications.create(to=f"{RANGE}0006", channel="whatsapp").status == "pending"
