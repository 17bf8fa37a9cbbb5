"""Build and sign webhooks exactly as Twilio does.

The form carries every field Twilio sends for an inbound SMS or WhatsApp
message, and the signature is computed with twilio's own
``RequestValidator.compute_signature`` over the URL and the form, so a test
that passes here passes against Twilio.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from app.config import SANDBOX_AUTH_TOKEN

ACCOUNT_SID = "AC" + "0" * 32
BUSINESS_WHATSAPP = "+14155238886"
BUSINESS_SMS = "+14155550100"
CUSTOMER = "+6281234567890"
MESSAGES_PATH = "/webhooks/twilio/messages"

_counter = itertools.count(1)


def message_sid() -> str:
    return "SM" + secrets.token_hex(16)


def inbound_form(
    body: str = "halo",
    *,
    sender: str = CUSTOMER,
    channel: str = "whatsapp",
    to: str | None = None,
    sid: str | None = None,
    profile_name: str | None = "Budi",
    extra: Mapping[str, str] | None = None,
) -> MultiDict[str, str]:
    """The form Twilio posts for one inbound message (field order as captured)."""
    sid = sid or message_sid()
    if channel == "whatsapp":
        to = to or BUSINESS_WHATSAPP
        fields = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ProfileName": profile_name or "",
            "MessageType": "text",
            "SmsSid": sid,
            "WaId": sender.lstrip("+"),
            "SmsStatus": "received",
            "Body": body,
            "To": f"whatsapp:{to}",
            "NumSegments": "1",
            "ReferralNumMedia": "0",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{sender}",
            "ApiVersion": "2010-04-01",
        }
        if profile_name is None:
            del fields["ProfileName"]
    else:
        to = to or BUSINESS_SMS
        fields = {
            "ToCountry": "US", "ToState": "CA", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
            "FromCity": "", "Body": body, "FromCountry": "ID", "To": to, "ToZip": "",
            "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01",
        }  # fmt: skip
    form = MultiDict(fields)
    for key, value in (extra or {}).items():
        form[key] = value
    return form


def sign(
    url: str, form: Mapping[str, Any] | MultiDict[str, str], token: str = SANDBOX_AUTH_TOKEN
) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


def encode(form: MultiDict[str, str] | Iterable[tuple[str, str]]) -> str:
    items = form.items(multi=True) if isinstance(form, MultiDict) else form
    return urlencode(list(items))


class Twilio:
    """Posts signed webhooks to a Flask test client (or anything with ``.post``)."""

    def __init__(
        self, client: Any, base_url: str = "http://localhost", token: str = SANDBOX_AUTH_TOKEN
    ):
        self.client = client
        self.base_url = base_url
        self.token = token

    def post(
        self,
        form: MultiDict[str, str],
        *,
        path: str = MESSAGES_PATH,
        query: str = "",
        signature: str | None = None,
        headers: Mapping[str, str] | None = None,
        signed_url: str | None = None,
    ) -> Any:
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        if signature is None:
            signature = sign(signed_url or url, form, self.token)
        all_headers = {"X-Twilio-Signature": signature, "User-Agent": "TwilioProxy/1.1"}
        all_headers.update(headers or {})
        return self.client.post(
            path + (f"?{query}" if query else ""),
            data=encode(form),
            content_type="application/x-www-form-urlencoded",
            headers=all_headers,
        )

    def send(self, body: str = "halo", **kwargs: Any) -> Any:
        """Send one customer message; returns the response."""
        return self.post(inbound_form(body, **kwargs))
