"""Redis commands per request, seen on a private server with MONITOR.

Not a timing test: a count. A webhook turn is two round trips (acquire the
conversation with its state, commit), whatever the flows do; an OTP check is
one, and three more when it approves (the insights read the verification's
trace and add to their hour; the fraud guard credits the approval to its
scopes); an OTP start: claim, the fraud guard's scopes and lists in one
pipeline, the five send limits in one pipeline, commit, opt-out check, the
send attempt's claim, outbox, the attempt sent, delivery tracking, delivery
record (which also lists the message in the customer's index), the
insights' hour and trace in one pipeline. MONITOR lists a
pipeline's commands one by one (MULTI ... EXEC is one round trip). A change
that adds work to the hot paths fails here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from app import create_app
from tests.support.otp import AUTH, last_code
from tests.support.twilio_webhooks import Twilio

pytestmark = pytest.mark.slow

MARK = "sandi-round-trip-mark"
WARM_UP = "sandi-round-trip-warm-up"


class Monitor:
    """The commands clients send (not those Lua scripts run inside Redis)."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.commands: list[str] = []
        self.ready = threading.Event()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)

    def _listen(self) -> None:
        with self.client.monitor() as monitor:
            for event in monitor.listen():
                command = event["command"]
                if WARM_UP in command:
                    self.commands.clear()
                    self.ready.set()
                    continue
                if MARK in command:
                    self.done.set()
                    return
                if event.get("client_type") != "lua" and not command.startswith("PING"):
                    self.commands.append(command.split()[0].upper())

    def around(self, action: Callable[[], Any]) -> list[str]:
        self.thread.start()
        # MONITOR is in place once it has seen one of our warm-up echoes.
        for _ in range(200):
            self.client.echo(WARM_UP)
            if self.ready.wait(0.05):
                break
        assert self.ready.is_set(), "MONITOR did not start"
        action()
        self.client.echo(MARK)
        assert self.done.wait(10), "MONITOR never saw the end mark"
        return [c for c in self.commands if c != "ECHO"]


@pytest.fixture
def private_app(app_config: dict[str, Any], redis_process: Any) -> Iterator[Any]:
    app_config.update(
        REDIS_URL=redis_process.url,
        SANDI_API_KEYS=AUTH["Authorization"].split()[1],
        SANDI_LOG_LEVEL="WARNING",
        # No background reload polling: only the request's own commands are counted.
        SANDI_WATCH_FLOWS="0",
        SANDI_FLOWS_POLL="0",
    )
    yield create_app(app_config)


def test_every_demo_turn_is_two_round_trips(private_app: Any, redis_process: Any) -> None:
    twilio = Twilio(private_app.test_client())
    assert twilio.send("halo").status_code == 200  # scripts loaded, customer known
    for body in ("3", "apa itu kode OTP?", "menu", "berapa lama kode berlaku"):
        sent = Monitor(redis_process.url).around(lambda body=body: twilio.send(body))
        assert sent == ["EVALSHA", "EVALSHA"], (body, sent)


def test_an_otp_start_and_check_have_a_fixed_number_of_round_trips(
    private_app: Any, redis_process: Any
) -> None:
    client = private_app.test_client()

    def start(to: str) -> Any:
        response = client.post("/v1/verifications", json={"to": to, "channel": "sms"}, headers=AUTH)
        assert response.status_code == 201
        return response.get_json()

    warm = start("+6281200000001")  # the scripts get loaded, a check's too
    client.post("/v1/verifications/check", json={"id": warm["id"], "code": "000000"}, headers=AUTH)
    warm_code = last_code(private_app.extensions["sandi"].outbox, "+6281200000001")
    # ... and an approval's (the fraud guard's credit script)
    client.post("/v1/verifications/check", json={"id": warm["id"], "code": warm_code}, headers=AUTH)
    started: dict[str, Any] = {}
    sent = Monitor(redis_process.url).around(lambda: started.update(start("+6281200000002")))
    assert sent == [
        "EVALSHA",  # claim the send
        # the fraud guard: prefix, country, IP, API key (a script each), its lists: one pipeline
        *["EVALSHA"] * 4, "HMGET",
        # The send limits (server-wide, IP, API key, number per hour and per day): one
        # pipeline, one round trip (issue 13 added the server-wide window).
        *["EVALSHA"] * 5,
        "EVALSHA",  # commit the new code
        # Has the customer opted out of SMS? Under the number's keyed digest, and where
        # opt-outs were kept before they were hashed: one pipeline.
        "HEXISTS", "HEXISTS",
        "EVALSHA",  # claim the send attempt, before anything goes out (never sent twice)
        "MULTI", "RPUSH", "LTRIM", "EXPIRE", "EXEC",  # the sandbox outbox (Twilio's API in production)
        "EVALSHA",  # the attempt: sent, with the message id
        "EVALSHA",  # remember the message id for status callbacks (and read an early one)
        "EVALSHA",  # record the delivery on the verification
        "HINCRBY", "HINCRBY", "EXPIRE", "HSET", "EXPIRE",  # the insights' hour and trace: one pipeline
    ], "\n".join(sent)  # fmt: skip
    code = last_code(private_app.extensions["sandi"].outbox, "+6281200000002")
    checked = Monitor(redis_process.url).around(
        lambda: client.post(
            "/v1/verifications/check", json={"id": started["id"], "code": code}, headers=AUTH
        )
    )
    assert checked == [
        "EVALSHA",  # the check itself: the code is approved
        "HGETALL",  # the insights read the verification's trace
        "HINCRBY", "HINCRBY", "EXPIRE",  # approved, and its time, in the start's hour
        *["EVALSHA"] * 4,  # the guard credits prefix, country, IP and API key: one pipeline
    ], "\n".join(checked)  # fmt: skip
