"""Twilio Verify v2's JSON resources, drawn from Sandi's own objects.

Field for field what Twilio answers (``twilio-oai`` ``twilio_verify_v2.json``,
the schemas the official SDKs are generated from): SIDs with Twilio's
prefixes, dates as ``2015-07-30T20:00:00Z`` (the SDKs parse exactly that),
``null`` or ``{}`` where Sandi has no counterpart (``lookup``, ``sna``, push,
TOTP). ``tests/web/verify_v2/test_resource_fields.py`` holds the comparison table.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from app.otp.model import APPROVED, CheckResult, Verification
from app.store.verify_services import VerifyService

#: The sub-resources Twilio links from a service (Sandi serves the first two).
SERVICE_LINKS = {
    "verification_checks": "VerificationCheck",
    "verifications": "Verifications",
    "rate_limits": "RateLimits",
    "messaging_configurations": "MessagingConfigurations",
    "entities": "Entities",
    "webhooks": "Webhooks",
    "access_tokens": "AccessTokens",
}


def timestamp(moment: datetime | str) -> str:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def account_sid(secret_key: str) -> str:
    """One stable ``AC...`` per deployment (Twilio's answers always carry one)."""
    digest = hmac.new(secret_key.encode(), b"sandi/verify-v2/account", hashlib.sha256)
    return "AC" + digest.hexdigest()[:32]


def attempt_sid(verification_id: str, number: int) -> str:
    """``VL...`` for the ``number``-th send of a verification, the same at every read."""
    digest = hashlib.sha256(f"{verification_id}:{number}".encode()).hexdigest()
    return "VL" + digest[:32]


def service_url(base: str, sid: str) -> str:
    return f"{base}/v2/Services/{sid}"


def service_json(
    service: VerifyService, *, base: str, account: str, code_length: int, psd2: bool
) -> dict[str, Any]:
    url = service_url(base, service.sid)
    return {
        "sid": service.sid,
        "account_sid": account,
        "friendly_name": service.friendly_name,
        "code_length": code_length,
        "lookup_enabled": False,
        "psd2_enabled": psd2,
        "skip_sms_to_landlines": False,
        "dtmf_input_required": False,
        "tts_name": None,
        "do_not_share_warning_enabled": False,
        "custom_code_enabled": False,
        "push": None,
        "totp": None,
        "default_template_sid": None,
        "whatsapp": None,
        "passkeys": None,
        "verify_event_subscription_enabled": False,
        "date_created": timestamp(service.created_at),
        "date_updated": timestamp(service.updated_at),
        "url": url,
        "links": {name: f"{url}/{path}" for name, path in SERVICE_LINKS.items()},
        "purpose": service.purpose,  # Sandi's own: the OTP purpose its verifications use
    }


def services_page(
    items: list[dict[str, Any]], *, base: str, page: int, size: int, more: bool
) -> dict[str, Any]:
    """A list page as Twilio pages them (the SDKs follow ``meta.next_page_url``)."""
    url = f"{base}/v2/Services?PageSize={size}&Page="
    return {
        "services": items,
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": f"{url}0",
            "previous_page_url": f"{url}{page - 1}" if page > 0 else None,
            "url": f"{url}{page}",
            "next_page_url": f"{url}{page + 1}" if more else None,
            "key": "services",
        },
    }


def verification_json(
    v: Verification, *, service_sid: str, base: str, account: str
) -> dict[str, Any]:
    return {
        "sid": v.id,
        "service_sid": service_sid,
        "account_sid": account,
        "to": v.to,
        "channel": v.channel,
        "status": v.status,
        "valid": v.status == APPROVED,
        "date_created": timestamp(v.created_at),
        "date_updated": timestamp(v.updated_at or v.created_at),
        "lookup": {},
        "amount": v.amount,
        "payee": v.payee,
        "send_code_attempts": [
            {
                "time": timestamp(a.at),
                "channel": a.channel.upper(),
                "attempt_sid": attempt_sid(v.id, a.number),
            }
            for a in v.attempts
        ],
        "sna": None,
        "url": f"{service_url(base, service_sid)}/Verifications/{v.id}",
    }


def check_json(
    result: CheckResult, v: Verification, *, service_sid: str, account: str
) -> dict[str, Any]:
    return {
        "sid": v.id,
        "service_sid": service_sid,
        "account_sid": account,
        "to": v.to,
        "channel": v.channel,
        "status": result.status,
        "valid": result.valid,
        "amount": v.amount,
        "payee": v.payee,
        "sna_attempts_error_codes": [],
        "date_created": timestamp(v.created_at),
        "date_updated": timestamp(v.updated_at or v.created_at),
    }
