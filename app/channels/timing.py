"""How long each call to Twilio's REST API and to the SMTP server takes.

Wrappers around the real clients (never the sandbox ones), so every send path
is timed at one place: ``sandi_provider_call_seconds{provider, operation, outcome}``
where outcome is ``ok`` or the DeliveryError code the call ended with.
"""

from __future__ import annotations

import time
from email.message import EmailMessage

from app.channels.email import Mailer
from app.channels.twilio_api import Outgoing, TwilioApi
from app.metrics import Metrics
from app.otp.ports import DeliveryError


class TimedTwilio:
    def __init__(self, api: TwilioApi, metrics: Metrics) -> None:
        self.api = api
        self.metrics = metrics

    def send(self, out: Outgoing) -> str:
        started = time.perf_counter()
        outcome = "ok"
        try:
            return self.api.send(out)
        except DeliveryError as err:
            outcome = err.code
            raise
        finally:
            self.metrics.provider_seconds.labels("twilio", out.kind, outcome).observe(
                time.perf_counter() - started
            )


class TimedMailer:
    def __init__(self, mailer: Mailer, metrics: Metrics) -> None:
        self.mailer = mailer
        self.metrics = metrics

    def send(self, message: EmailMessage, *, code: str) -> None:
        started = time.perf_counter()
        outcome = "ok"
        try:
            self.mailer.send(message, code=code)
        except DeliveryError as err:
            outcome = err.code
            raise
        finally:
            self.metrics.provider_seconds.labels("smtp", "send", outcome).observe(
                time.perf_counter() - started
            )
