"""OTP by voice call: TwiML that reads the code digit by digit, twice, and
offers "press 1 to repeat" through a signed webhook.

Indonesian is spoken by a Google ``id-ID`` voice (Polly has none); English by
Polly's ``en-US`` Joanna. Digits are separated by commas so every voice reads
"4, 8, 3" as three digits, never "four hundred eighty-three".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

from twilio.twiml.voice_response import Gather, VoiceResponse

from app.channels.settings import ChannelSettings
from app.channels.twilio_api import Outgoing, TwilioApi
from app.channels.voice_token import RepeatGrant, RepeatTokens
from app.content.render import TemplateSource
from app.otp.ports import CodeMessage

VOICES = {
    "id": {"language": "id-ID", "voice": "Google.id-ID-Standard-A"},
    "en": {"language": "en-US", "voice": "Polly.Joanna"},
}
#: Twilio refuses inline TwiML longer than this.
MAX_TWIML = 4000
#: A code call never needs more than two minutes; a stuck call costs money.
TIME_LIMIT = 120
RING_SECONDS = 30


def spoken_digits(code: str) -> str:
    return ", ".join(code) + "."


def repeat_path(verification_id: str) -> str:
    return f"/webhooks/twilio/voice/otp/{quote(verification_id, safe='')}"


class VoiceChannel:
    name = "call"

    def __init__(
        self,
        settings: ChannelSettings,
        templates: TemplateSource,
        api: TwilioApi,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.api = api
        self.clock = clock
        self.tokens = RepeatTokens(settings.secret_key)

    def _say(self, target: VoiceResponse | Gather, text: str, locale: str) -> None:
        target.say(text, **VOICES.get(locale, VOICES["en"]))

    def _text(
        self, name: str, locale: str, brand: str = "", grant: RepeatGrant | None = None
    ) -> str:
        context = {
            "brand": brand or self.settings.brand,
            "amount": grant.amount if grant else "",
            "payee": grant.payee if grant else "",
        }
        return self.templates.render(name, locale, context)

    def _action(self, verification_id: str, grant: RepeatGrant) -> str | None:
        base = self.settings.callback_base
        if base is None or grant.repeats_left <= 0:
            return None
        after = replace(grant, repeats_left=grant.repeats_left - 1)
        token = self.tokens.seal(verification_id, after)
        return f"{base}{repeat_path(verification_id)}?t={token}"

    def twiml(self, verification_id: str, grant: RepeatGrant, *, first: bool = True) -> str:
        """The call's TwiML: the code twice, then "press 1" while repeats are left.

        ``grant.repeats_left`` counts the repeats still allowed after this one.
        """
        locale = grant.locale
        response = VoiceResponse()
        action = self._action(verification_id, grant)
        target: VoiceResponse | Gather = response
        if action:
            target = response.gather(action=action, method="POST", num_digits=1, timeout=5)
        opening = "otp_call_intro" if first else "otp_call_again"
        self._say(target, self._text(opening, locale, grant.brand, grant), locale)
        target.pause(length=1)
        self._say(target, spoken_digits(grant.code), locale)
        target.pause(length=1)
        self._say(target, self._text("otp_call_again", locale, grant.brand), locale)
        self._say(target, spoken_digits(grant.code), locale)
        if action:
            target.pause(length=1)
            self._say(target, self._text("otp_call_menu", locale, grant.brand), locale)
        self._say(response, self._text("otp_call_bye", locale, grant.brand), locale)
        response.hangup()
        return str(response)

    def closing_twiml(self, locale: str, *, expired: bool = False) -> str:
        response = VoiceResponse()
        self._say(
            response, self._text("otp_call_expired" if expired else "otp_call_bye", locale), locale
        )
        response.hangup()
        return str(response)

    def outgoing(self, message: CodeMessage) -> Outgoing:
        expires_at = int(self.clock().timestamp()) + message.expires_in
        grant = RepeatGrant(
            message.code, message.locale, expires_at, self.settings.voice_repeats,
            message.brand or "", message.amount or "", message.payee or "",
        )  # fmt: skip
        twiml = self.twiml(message.verification_id, grant)
        if len(twiml) > MAX_TWIML:  # pragma: no cover - only with absurd templates
            raise ValueError(f"voice TwiML is {len(twiml)} characters; Twilio takes {MAX_TWIML}")
        params: dict[str, Any] = {
            "to": message.to,
            "from_": self.settings.voice_from or "+14155550100",
            "twiml": twiml,
            "timeout": RING_SECONDS,
            "time_limit": TIME_LIMIT,
            "status_callback": self.settings.status_callback,
        }
        spoken = " ".join(
            [
                self._text("otp_call_intro", message.locale, message.brand or "", grant),
                spoken_digits(message.code),
                self._text("otp_call_again", message.locale, message.brand or ""),
                spoken_digits(message.code),
            ]
        )
        return Outgoing("call", "call", message.to, params, preview=spoken, code=message.code)

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]:
        return self.api.send(self.outgoing(message)), None
