"""Flash call: a missed call whose caller number's last 4 digits are the code.

The business owns a number range (``SANDI_FLASHCALL_RANGE=+6221500XXXX``, or a
list in ``SANDI_FLASHCALL_NUMBERS``). One number is picked with a CSPRNG,
Twilio calls the customer from it, lets it ring briefly and drops it; TwiML
that hangs up at once covers a customer who answers. The code is not Sandi's
to choose: it is the number's ending, returned in the receipt, and the app
asks for "the last 4 digits of the number that just called you". The pool is
the code space, hence the 9,000-ending floor (3 tries: at most 1 guess in
3,000) enforced in :mod:`app.channels.settings`.
"""

from __future__ import annotations

import secrets
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from app.channels.settings import ChannelSettings
from app.channels.twilio_api import Outgoing, TwilioApi
from app.otp.ports import CodeMessage

CODE_LENGTH = 4


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


class FlashCallChannel:
    name = "flashcall"

    def __init__(self, settings: ChannelSettings, api: TwilioApi) -> None:
        self.settings = settings
        self.api = api

    def outgoing(self, message: CodeMessage) -> Outgoing:
        caller = secrets.choice(self.settings.flashcall_numbers)
        code = caller[-CODE_LENGTH:]
        params: dict[str, Any] = {
            "to": message.to,
            "from_": caller,
            "twiml": hangup_twiml(),
            "timeout": self.settings.flashcall_ring_seconds,
            "time_limit": 1,
            "status_callback": self.settings.status_callback,
        }
        preview = f"Missed call from {caller} (the code is its last {CODE_LENGTH} digits)"
        return Outgoing(
            "call",
            "flashcall",
            message.to,
            params,
            preview=preview,
            code=code,
            extra={"caller": caller, "code_length": CODE_LENGTH},
        )

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]:
        out = self.outgoing(message)
        return self.api.send(out), out.code
