"""Status callbacks in every interleaving with the send's own bookkeeping.

A send has three moments a callback can fall into: (a) before Sandi knows the
message (Twilio's callback beats its own API response), (b) after the channels
tracked it but before the OTP service recorded it, (c) after both. For both
outcomes (``sent`` then ``delivered``; ``sent`` then ``undelivered``) every
order of the two callbacks and every placement of each is played: the
verification always ends with the final status, a failure falls back to SMS
exactly once, a delivery never does.
"""

from __future__ import annotations

import itertools
from typing import Any
from urllib.parse import urlsplit

import pytest

from app.wiring.services import Services
from tests.channels.conftest import post_status
from tests.support.fake_twilio import Callback, FakeTwilio
from tests.support.jobs import run_jobs, run_scheduled
from tests.support.otp_recording import RecordingOtp
from tests.support.twilio_webhooks import Twilio

PHASES = ("before_tracked", "before_recorded", "after")
SCENARIOS = [
    (final, order, phases)
    for final in ("delivered", "undelivered")
    for order in itertools.permutations(("sent", final))
    for phases in itertools.product(PHASES, repeat=2)
]


@pytest.fixture
def quiet_live(live_config: dict[str, Any]) -> dict[str, Any]:
    live_config["SANDI_FALLBACK_WAIT_WHATSAPP"] = "0"  # only the callbacks decide here
    return live_config


def test_a_callback_in_any_moment_of_the_send_is_applied(
    quiet_live: dict[str, Any],
    live: Services,
    fake_twilio: FakeTwilio,
    otp: RecordingOtp,
    poster: Twilio,
) -> None:
    watch = live.channels.watch
    assert watch is not None
    for n, (final, order, phases) in enumerate(SCENARIOS):
        play(live, fake_twilio, otp, poster, watch, f"+62812777{n:05d}", final, order, phases)


def play(
    live: Services,
    fake_twilio: FakeTwilio,
    otp: RecordingOtp,
    poster: Twilio,
    watch: Any,
    customer: str,
    final: str,
    order: tuple[str, str],
    phases: tuple[str, str],
) -> None:
    """One scenario, for one customer of its own (one pending code per number)."""
    scenario = (final, order, phases)
    if final == "undelivered":
        fake_twilio.undeliver(f"whatsapp:{customer}", "63016")
    plan = dict(zip(order, phases, strict=True))  # status -> the moment it arrives
    callbacks: dict[str, Callback] = {}

    def post(moment: str) -> None:
        for status in order:
            if plan[status] == moment:
                cb = callbacks[status]
                post_status(poster, cb.form, urlsplit(cb.url).path, work=False)

    def answer(_sid: str) -> None:  # in the fake, before it answers the create
        for cb in fake_twilio.take_callbacks():
            callbacks[cb.form["MessageStatus"]] = cb
        post("before_tracked")

    def tracked(message_id: str, message: Any, early: str | None) -> None:
        watch(message_id, message, early)
        post("before_recorded")  # tracked by the channels, not yet by the OTP service

    fake_twilio.before_answer = answer
    live.channels.watch = tracked
    vid, receipt = otp.start(customer, "whatsapp")
    fake_twilio.before_answer = None
    live.channels.watch = watch
    post("after")
    run_scheduled(live, "reapply-")  # statuses the service could not take yet, again
    run_jobs(live)
    assert live.channels.log.get(receipt.message_id)["status"] == final, scenario
    delivery = live.otp.get(vid).delivery
    fallbacks = [r for r in otp.redeliveries if r[0] == vid]
    to_customer = [m for m in fake_twilio.created("Messages") if customer in (m.get("To") or "")]
    if final == "undelivered":  # no lost fallback: the code went again, by SMS, once
        assert fallbacks == [(vid, "sms")], scenario
        assert [m.get("To") for m in to_customer] == [f"whatsapp:{customer}", customer]
        assert delivery.channel == "sms" and delivery.status == "sent", scenario
    else:  # no lost status: the service knows the code was delivered
        assert fallbacks == [] and len(to_customer) == 1, scenario
        assert delivery.channel == "whatsapp" and delivery.status == "delivered", scenario
