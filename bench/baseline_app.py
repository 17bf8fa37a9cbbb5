"""The baseline a Sandi turn is measured against: the least a Twilio webhook can do.

Checks the signature, INCRs one Redis key, answers TwiML. Same gunicorn
settings as Sandi, same Redis.
"""

from __future__ import annotations

import os

import redis
from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

app = Flask(__name__)
_redis = redis.Redis.from_url(os.environ["REDIS_URL"])
_validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
_public = os.environ["SANDI_PUBLIC_URL"]


@app.post("/webhooks/twilio/messages")
def inbound() -> Response:
    url = _public + request.path
    if not _validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
        return Response("", status=403)
    count = _redis.incr("bench:baseline")
    twiml = (
        f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>#{count}</Message></Response>'
    )
    return Response(twiml, mimetype="application/xml")
