"""A start's Redis round trips in Twilio mode, where status callbacks are watched.

tests/system/test_round_trips.py counts the sandbox (2 + its outbox). With
Twilio there is no outbox, but two things the sandbox skips: the send
attempt marked ``writing`` the moment the request is about to be written
(app.channels.http_client.marked_send: on record before anything can reach
the provider, so a rerun never sends twice), and the fallback watch after the
batch (the verification's own fallback order, then rq's enqueue of the
"no receipt yet" check). Counted here so that a change to any of them shows.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.otp import API_KEY, AUTH
from tests.system.test_round_trips import RoundTrips


@pytest.fixture
def api_live(live_config: dict[str, Any]) -> dict[str, Any]:
    live_config["SANDI_API_KEYS"] = API_KEY
    return live_config


def test_a_watched_whatsapp_start_in_twilio_mode(
    api_live: dict[str, Any], live_client: FlaskClient
) -> None:
    def start(to: str) -> None:
        body = {"to": to, "channel": "whatsapp"}
        assert live_client.post("/v1/verifications", json=body, headers=AUTH).status_code == 201

    start("+6281200000001")  # scripts loaded, rq's connection made
    trips = RoundTrips().around(lambda: start("+6281200000002"))
    assert trips[:3] == [
        # the speculative trip (the fraud guard is off in these tests): the claim, the
        # source limits, the opt-out reads and the attempt's claim
        [*["EVALSHA"] * 4, "HEXISTS", "HEXISTS", "EVALSHA"],
        ["EVALSHA"],  # the attempt marked "writing", just before the request is written
        # the write-behind batch: attempt sent, tracking, delivery record, insights'
        # hour and trace
        [*["EVALSHA"] * 3, "EVALSHA", "EVALSHA"],
        # (no read of a fallback order of the verification's own: a first send has none)
    ], "\n".join(map(str, trips))  # fmt: skip
    # then the watch: rq schedules the silence check (its own commands: ZADD, a pipeline)
    assert 1 <= len(trips) - 3 <= 2, trips
    assert all(t[0] != "HGET" for t in trips[3:]), trips
