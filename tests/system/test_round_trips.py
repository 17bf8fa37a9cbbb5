"""Redis round trips per request, counted where they leave the client, and the
commands each one carries.

Not a timing test: a count. A webhook turn is two round trips (acquire the
conversation with its state, commit), whatever the flows do. An OTP check
is one: the check (which reads the insights' trace beside the verification);
an approval's bookkeeping (the insights' hour, the fraud guard's credits) is
carried (app.store.carried) and rides ahead in the process's next trip of
questions, a start's first, or goes with others' from the writer thread.
An OTP start: one trip with the claim (which counts
the number's limits and writes a new verification's code at once), the fraud
guard's scopes and lists, the send limits of its source, the opt-out check and the
send attempt's claim; the sandbox
outbox (in Twilio mode the provider's HTTP API instead, with the attempt
marked ``writing`` before the request goes out and, when status callbacks
are watched, rq's scheduling of the silence check:
tests/channels/test_live_round_trips.py counts those); and the
write-behind batch (app.store.later: the attempt marked sent, the delivery
tracking whose reply tells of a status callback that raced ahead, the
delivery record, the insights' hour and trace). A change that adds work to
the hot paths fails here.

The counts are for one Redis server (or a Sentinel's master). On a Redis
Cluster every command and script of a trip goes on its own to its slot
(app.store.trip, app.store.later): as many round trips as commands
(docs/performance.md, *OTP, fifth pass*).

MONITOR (server side) sees the same commands but cannot tell a pipeline from
single calls; the recorder below wraps redis-py's ``send_packed_command``
(the one write of every command or pipeline) and keeps, per call, the
commands it carried.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from redis.connection import Connection

from app import create_app
from app.store import carried
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


class RoundTrips:
    """The commands of each round trip this thread makes to Redis (health-check PINGs aside)."""

    def __init__(self) -> None:
        self.trips: list[list[str]] = []
        self.thread = threading.get_ident()

    def around(self, action: Callable[[], Any]) -> list[list[str]]:
        original = Connection.send_packed_command
        recorder = self

        def send(conn: Connection, command: Any, check_health: bool = True) -> None:
            if check_health and threading.get_ident() == recorder.thread:
                recorder.trips.append(_names(command))
            original(conn, command, check_health)

        Connection.send_packed_command = send  # type: ignore[method-assign]
        try:
            action()
        finally:
            Connection.send_packed_command = original  # type: ignore[method-assign]
        return self.trips


def _names(packed: Any) -> list[str]:
    """The command names in RESP-packed bytes (``*<n>`` arrays of ``$<len>`` strings)."""
    data = b"".join(packed) if isinstance(packed, list | tuple) else bytes(packed)
    names, at = [], 0
    while at < len(data):
        assert data[at : at + 1] == b"*", data[at : at + 20]
        end = data.index(b"\r\n", at)
        count, at = int(data[at + 1 : end]), end + 2
        for i in range(count):
            end = data.index(b"\r\n", at)
            size = int(data[at + 1 : end])
            if i == 0:
                names.append(data[end + 2 : end + 2 + size].decode().upper())
            at = end + 2 + size + 2
    return names


@pytest.fixture
def private_app(app_config: dict[str, Any], redis_process: Any) -> Iterator[Any]:
    app_config.update(
        REDIS_URL=redis_process.url,
        SANDI_API_KEYS=AUTH["Authorization"].split()[1],
        SANDI_LOG_LEVEL="WARNING",
        # No background reload polling: only the request's own commands are counted.
        SANDI_WATCH_FLOWS="0",
        SANDI_FLOWS_POLL="0",
        # The carried statistics wait for the next start (the writer thread's 5 s is
        # longer than the test), so where they land is known.
        SANDI_STATS_DELAY_MS="5000",
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

    def check(body: dict[str, str]) -> Any:
        return client.post("/v1/verifications/check", json=body, headers=AUTH)

    warm = start("+6281200000001")  # the scripts get loaded, a check's too
    check({"id": warm["id"], "code": "000000"})
    warm_code = last_code(private_app.extensions["sandi"].outbox, "+6281200000001")
    # ... and an approval's (the fraud guard's credit script)
    check({"id": warm["id"], "code": warm_code})
    carried.settle()  # its statistics: written now, not ahead of the start below
    started: dict[str, Any] = {}
    sent = RoundTrips().around(lambda: started.update(start("+6281200000002")))
    assert sent == [
        [  # one speculative trip (app.otp.starting: Starts._claim_once):
            # claim the send, count it in the number's limits (an hour, a day: they share
            # the claim's script, so racing requests never fill them for the one that
            # wins), and write the new verification with its code
            "EVALSHA",
            # the fraud guard: prefix, country, IP, API key (a script each), its lists
            *["EVALSHA"] * 4, "HMGET",
            # the send limits keyed on the source: server-wide, IP, API key (given back
            # at once if the guard blocks: a blocked attack spends no one's limits)
            *["EVALSHA"] * 3,
            # asked ahead for the new verification's first send (app.channels.ahead): has
            # the customer opted out of SMS (under the number's keyed digest, and where
            # opt-outs were kept before they were hashed)? With it, the send attempt's
            # claim, before anything goes out (never sent twice; dropped if not sent)
            "HEXISTS", "HEXISTS", "EVALSHA",
        ],
        ["EVALSHA"],  # the sandbox outbox (Twilio's API in production)
        [  # the write-behind batch, once the code is out (app.store.later):
            "EVALSHA",  # the attempt: sent, with the message id
            # remember the message id for status callbacks; its reply (a callback that
            # raced ahead?) is read once this trip is back (Channels: the receipt's settle)
            "EVALSHA",
            "EVALSHA",  # the delivery recorded on the verification
            "EVALSHA", "EVALSHA",  # the insights' hour and trace (a script each)
        ],
    ], "\n".join(map(str, sent))  # fmt: skip
    # Redis round trips of Sandi's own state in production (the outbox is the provider's).
    assert len(sent) - 1 <= 2
    code = last_code(private_app.extensions["sandi"].outbox, "+6281200000002")
    checked = RoundTrips().around(lambda: check({"id": started["id"], "code": code}))
    assert checked == [
        ["EVALSHA"],  # the check itself: the code is approved, the insights' trace read
    ], "\n".join(map(str, checked))  # fmt: skip
    wrong: dict[str, Any] = {}
    ahead = RoundTrips().around(lambda: wrong.update(start("+6281200000003")))
    assert ahead[0][:5] == [  # the approval's statistics, carried, ride the next start's
        # first trip ahead of its claim and screening, which read what they wrote: the
        # insights' approval in the start's hour (one script), the guard's credits to
        # prefix, country, IP and API key
        "EVALSHA", *["EVALSHA"] * 4,
    ], ahead  # fmt: skip
    assert ahead[0][5:] == sent[0] and len(ahead) == len(sent), ahead
    missed = RoundTrips().around(lambda: check({"id": wrong["id"], "code": "000000"}))
    assert missed == [["EVALSHA"]], missed  # a wrong code: one round trip, nothing else


def test_with_no_stats_delay_an_approval_writes_its_statistics_before_it_answers(
    app_config: dict[str, Any], redis_process: Any
) -> None:
    app_config.update(
        REDIS_URL=redis_process.url, SANDI_API_KEYS=AUTH["Authorization"].split()[1],
        SANDI_LOG_LEVEL="WARNING", SANDI_WATCH_FLOWS="0", SANDI_FLOWS_POLL="0",
        SANDI_STATS_DELAY_MS="0",
    )  # fmt: skip
    app = create_app(app_config)
    client = app.test_client()

    def started(to: str) -> Callable[[], Any]:
        body = {"to": to, "channel": "sms"}
        vid = client.post("/v1/verifications", json=body, headers=AUTH).get_json()["id"]
        check = {"id": vid, "code": last_code(app.extensions["sandi"].outbox, to)}
        return lambda: client.post("/v1/verifications/check", json=check, headers=AUTH)

    assert started("+6281200000008")().status_code == 200  # the scripts get loaded
    checked = RoundTrips().around(started("+6281200000009"))
    assert checked == [["EVALSHA"], ["EVALSHA"] * 5], checked  # the check, then its batch
