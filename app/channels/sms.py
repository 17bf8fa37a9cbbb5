"""OTP by SMS: branded, plain GSM-7, one segment, expiring with the code.

Indonesian carriers block OTP SMS that do not carry the brand, one non-GSM
character (a curly quote) switches the whole text to UCS-2 and halves the
segment, and a code that arrives after it expired only confuses: hence the
brand check, the GSM-7 folding and ``ValidityPeriod``.
"""

from __future__ import annotations

import logging
from typing import Any

from app.channels.settings import ChannelSettings
from app.channels.twilio_api import Outgoing, TwilioApi
from app.content.gsm7 import SEGMENT, septets, to_ascii_gsm
from app.content.otp_sms import TEMPLATE, branded, context
from app.content.render import TemplateSource
from app.otp.ports import CodeMessage, DeliveryError

log = logging.getLogger(__name__)


class SmsChannel:
    name = "sms"

    def __init__(
        self, settings: ChannelSettings, templates: TemplateSource, api: TwilioApi
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.api = api

    def text(self, message: CodeMessage) -> str:
        """The SMS as it will be sent, brand first if the template forgot it."""
        brand = message.brand or self.settings.brand
        raw = self.templates.render(TEMPLATE, message.locale, message_context(message, brand))
        spaced = " ".join(raw.split())
        text = to_ascii_gsm(spaced)
        if text != spaced:
            log.warning("%s (%s) had non-GSM characters; folded to ASCII", TEMPLATE, message.locale)
        text = branded(text, brand)
        length = septets(text) or 0
        if length > SEGMENT:
            raise DeliveryError(
                "provider_error",
                f"the OTP SMS would take {length} characters, more than one segment "
                f"({SEGMENT}); shorten templates/{message.locale}/{TEMPLATE}.j2",
            )
        return text

    def outgoing(self, message: CodeMessage) -> Outgoing:
        s = self.settings
        body = self.text(message)
        params: dict[str, Any] = {"to": message.to, "body": body}
        if s.messaging_service_sid:
            params["messaging_service_sid"] = s.messaging_service_sid
        else:
            params["from_"] = s.sms_from or s.brand.replace(" ", "")[:11]
        params["validity_period"] = min(max(message.expires_in, 1), 36_000)
        params["status_callback"] = s.status_callback
        return Outgoing("message", "sms", message.to, params, preview=body, code=message.code)

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]:
        return self.api.send(self.outgoing(message)), None


def message_context(message: CodeMessage, brand: str) -> dict[str, Any]:
    return context(
        brand=brand,
        code=message.code,
        expires_in=message.expires_in,
        purpose=message.purpose,
        amount=message.amount,
        payee=message.payee,
    )
