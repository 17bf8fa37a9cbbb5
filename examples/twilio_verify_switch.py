"""An app written for Twilio Verify, moved to Sandi by changing one URL.

Start Sandi in sandbox mode with an API key:  SANDI_API_KEYS=demo-key make run
Then:  .venv/bin/python examples/twilio_verify_switch.py
(It ends by locking the number for 5 minutes: set SANDI_TO to run it again sooner.)
"""

import json
import os
from urllib.parse import quote
from urllib.request import urlopen

from twilio.rest import Client

URL = os.environ.get("SANDI_URL", "http://127.0.0.1:5000")
TO = os.environ.get("SANDI_TO", "+6281234567890")
client = Client("any-name", os.environ.get("SANDI_KEY", "demo-key"))  # a SANDI_API_KEYS key
client.verify.base_url = URL  # the change: Sandi instead of https://verify.twilio.com
sid = os.environ.get("SANDI_SERVICE") or client.verify.v2.services.create(friendly_name="Toko").sid
service = client.verify.v2.services(sid)


def sent_code() -> str:  # sandbox mode: read the SMS the customer got
    with urlopen(f"{URL}/sandbox/outbox?to={quote(TO)}") as answer:  # noqa: S310 - our own URL
        return str(json.load(answer)["messages"][-1]["code"])


def wrong(code: str) -> str:  # a code of the right length that is not the one sent
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def check(code: str) -> str:
    try:
        return str(service.verification_checks.create(to=TO, code=code).status)
    except Exception as err:  # TwilioRestException, with Twilio's own error codes
        return f"error {getattr(err, 'code', err)}"


print("start:", service.verifications.create(to=TO, channel="sms").status)
code = sent_code()
print("wrong code:", check(wrong(code)))
print("right code:", check(code))
print("same code again:", check(code))  # error 20404: not found
service.verifications.create(to=TO, channel="sms")
code = sent_code()
print("five wrong codes:", [check(wrong(code)) for _ in range(5)])
print("sixth check:", check(code))  # error 60202: max check attempts reached
