"""The comparison table: each resource's JSON keys against Twilio's documented fields.

``DOCUMENTED`` lists, per resource, every field of Twilio's schema
(``twilio/twilio-oai`` ``spec/json/twilio_verify_v2.json``:
``verify.v2.service``, ``verify.v2.service.verification``,
``verify.v2.service.verification_check``) with what Sandi answers in it. The
tests hold it to two things that cannot drift: the fields the installed
``twilio`` SDK reads (its generated ``payload.get("...")`` calls), and the keys
of Sandi's live answers. The README's "Switching from Twilio Verify" section
summarises the same table.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import pytest
import requests
from twilio.rest.verify.v2.service import ServiceInstance
from twilio.rest.verify.v2.service.verification import VerificationInstance
from twilio.rest.verify.v2.service.verification_check import VerificationCheckInstance

from tests.support.otp import CUSTOMER
from tests.web.verify_v2.conftest import Outbox

SID = "the same id `/v1` uses (`VE` + 32 hex)"
DATES = "ISO 8601 UTC, `2026-11-25T09:00:00Z`"

DOCUMENTED: dict[str, dict[str, str]] = {
    "Service": {
        "sid": "`VA` + 32 hex",
        "account_sid": "`AC` + 32 hex, one per deployment (derived from `SANDI_SECRET_KEY`)",
        "friendly_name": "as given; shown in SMS, call and e-mail instead of `SANDI_BRAND`",
        "code_length": "as given (6-10; 4-5 if the operator allows), else the purpose's",
        "lookup_enabled": "`false` (no carrier lookup)",
        "psd2_enabled": "`true` for a `payment` purpose (amount and payee bound to the code)",
        "skip_sms_to_landlines": "`false`",
        "dtmf_input_required": "`false`",
        "tts_name": "`null`",
        "do_not_share_warning_enabled": "`false` (the warning is in Sandi's templates)",
        "custom_code_enabled": "`false` (Sandi makes every code)",
        "push": "`null` (no Verify Push)",
        "totp": "`null` (no Verify TOTP)",
        "default_template_sid": "`null` (templates are files: `templates/<locale>/otp_*.j2`)",
        "whatsapp": "`null` (WhatsApp is configured server-wide)",
        "passkeys": "`null`",
        "verify_event_subscription_enabled": "`false`",
        "date_created": DATES,
        "date_updated": DATES,
        "url": "Sandi's own URL (`SANDI_PUBLIC_URL` or the request's)",
        "links": "Twilio's seven sub-resource links; Sandi serves `verifications` and `verification_checks`",
    },
    "Verification": {
        "sid": SID,
        "service_sid": "the service asked",
        "account_sid": "as on the service",
        "to": "E.164 number or e-mail address, normalised",
        "channel": "the channel used: `sms`, `whatsapp`, `call`, `email`, Sandi's `flashcall`",
        "status": "`pending`, `approved`, `canceled`, `expired`, `max_attempts_reached`",
        "valid": "`true` once approved",
        "lookup": "`{}`",
        "amount": "as given for a `payment` purpose, else `null`",
        "payee": "as given for a `payment` purpose, else `null`",
        "send_code_attempts": "every send, resends and fallbacks included: `attempt_sid` (`VL` + 32 hex), `channel` (`SMS`...), `time`",
        "date_created": DATES,
        "date_updated": "the last send, or the end (approval, cancel, lock, expiry)",
        "sna": "`null` (no silent network auth)",
        "url": "Sandi's own URL",
    },
    "VerificationCheck": {
        "sid": SID,
        "service_sid": "the service asked",
        "account_sid": "as on the service",
        "to": "as on the verification",
        "channel": "as on the verification",
        "status": "`pending` (wrong code), `approved`, `max_attempts_reached` (the fifth wrong code)",
        "valid": "`true` when approved",
        "amount": "as on the verification",
        "payee": "as on the verification",
        "sna_attempts_error_codes": "`[]`",
        "date_created": DATES,
        "date_updated": DATES,
    },
}
#: Keys Sandi adds; a Twilio SDK ignores keys it does not know.
SANDI_EXTRAS: dict[str, dict[str, str]] = {
    "Service": {"purpose": "the OTP purpose the service's verifications use (`verify`)"},
    "Verification": {},
    "VerificationCheck": {},
}
SDK_CLASSES = {
    "Service": ServiceInstance,
    "Verification": VerificationInstance,
    "VerificationCheck": VerificationCheckInstance,
}


def sdk_fields(cls: type) -> set[str]:
    """The fields the SDK's generated constructor reads from Twilio's JSON."""
    return set(re.findall(r'payload\.get\(\s*"(\w+)"\s*\)', inspect.getsource(cls.__init__)))


@pytest.mark.parametrize("resource", sorted(DOCUMENTED))
def test_the_table_covers_every_field_the_sdk_reads(resource: str) -> None:
    assert set(DOCUMENTED[resource]) == sdk_fields(SDK_CLASSES[resource])


def test_sandi_answers_exactly_the_documented_fields(
    base_url: str, api_key: tuple[str, str], outbox: Outbox
) -> None:
    def call(method: str, path: str, **data: str) -> Any:
        answer = requests.request(
            method, f"{base_url}/v2{path}", data=data or None, auth=api_key, timeout=5
        )
        assert answer.status_code < 300, answer.text
        return answer.json()

    service = call("POST", "/Services", FriendlyName="Toko Budi")
    verification = call(
        "POST", f"/Services/{service['sid']}/Verifications", To=CUSTOMER, Channel="sms"
    )
    fetched = call("GET", f"/Services/{service['sid']}/Verifications/{verification['sid']}")
    check = call(
        "POST",
        f"/Services/{service['sid']}/VerificationCheck",
        To=CUSTOMER,
        Code=outbox.code(CUSTOMER),
    )
    answers = {
        "Service": [service, call("GET", f"/Services/{service['sid']}")],
        "Verification": [verification, fetched],
        "VerificationCheck": [check],
    }
    for resource, bodies in answers.items():
        expected = set(DOCUMENTED[resource]) | set(SANDI_EXTRAS[resource])
        for body in bodies:
            assert set(body) == expected, (resource, set(body) ^ expected)
    assert set(verification["send_code_attempts"][0]) == {"attempt_sid", "channel", "time"}
    page = call("GET", "/Services")
    assert set(page) == {"services", "meta"}
    assert set(page["meta"]) == {
        "page", "page_size", "first_page_url", "previous_page_url", "url", "next_page_url", "key",
    }  # fmt: skip
