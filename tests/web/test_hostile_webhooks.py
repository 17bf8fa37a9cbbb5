"""Forged, tampered, replayed and malformed webhooks: 403/4xx, never a 500."""

from __future__ import annotations

import json
import logging
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from app.store import keys
from tests.support.twilio_webhooks import Twilio, encode, inbound_form, message_sid, sign

URL = "http://localhost/webhooks/twilio/messages"
pytestmark = pytest.mark.slow


def tampered(rng: random.Random, i: int) -> tuple[MultiDict, str, str]:
    """A correctly signed form, then one change Twilio's signature must catch."""
    form = inbound_form(f"pesan {i}", sender=f"+62812{rng.randrange(10**8):08d}")
    signature = sign(URL, form)
    kind = i % 5
    path, query = "/webhooks/twilio/messages", ""
    if kind == 0:  # one parameter changed
        key = rng.choice(list(form.keys()))
        form[key] = form[key] + "x"
    elif kind == 1:  # one parameter added
        form["Injected"] = "1"
    elif kind == 2:  # URL changed: a query string Twilio never called
        query = "x=1"
    elif kind == 3:  # replayed to another route
        path = "/webhooks/twilio/status"
    else:  # signature itself altered
        signature = signature[:-2] + ("AA" if not signature.endswith("AA") else "BB")
    return form, signature, f"{path}?{query}" if query else path


def test_a_thousand_tampered_requests_are_all_refused(client, redis_client) -> None:
    rng = random.Random(7)
    statuses = []
    for i in range(1000):
        form, signature, target = tampered(rng, i)
        response = client.post(
            target,
            data=encode(form),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signature},
        )
        statuses.append(response.status_code)
    # The status route may not exist yet (404) or refuse (403); neither runs a turn.
    assert {s for s in statuses} <= {403, 404}
    assert statuses.count(403) >= 800
    assert redis_client.keys("sandi:{wa:*}:session") == []


def test_a_thousand_duplicate_deliveries_from_16_threads_run_each_turn_once(
    app, redis_client
) -> None:
    forms = [inbound_form(f"dup {i}", sender=f"+6281300000{i:03d}") for i in range(50)]
    deliveries = [forms[i % 50] for i in range(1000)]
    random.Random(3).shuffle(deliveries)

    def post(form):
        return Twilio(app.test_client()).post(form).get_data()

    with ThreadPoolExecutor(max_workers=16) as pool:
        bodies = list(pool.map(post, deliveries))
    by_sid: dict[str, set[bytes]] = {}
    for form, body in zip(deliveries, bodies, strict=True):
        by_sid.setdefault(form["MessageSid"], set()).add(body)
    assert all(len(replies) == 1 for replies in by_sid.values())  # same reply every time
    for i in range(50):
        session = json.loads(redis_client.get(keys.session(f"wa:+6281300000{i:03d}")))
        assert len(session["history"]) == 1  # the turn ran once


field_names = st.sampled_from(
    ["From", "To", "Body", "MessageSid", "SmsMessageSid", "NumMedia", "MediaUrl0",
     "Latitude", "Longitude", "ButtonPayload", "ProfileName", "WaId", "X"]
)  # fmt: skip
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["whatsapp:+6281234567890", "+6281234567890", "whatsapp:", "sms:+1", "+",
                     "whatsapp:+14155238886", "99999", "-1", "nan", "1e309", "SM" + "a" * 32]),
)  # fmt: skip


@settings(
    max_examples=2500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pairs=st.lists(st.tuples(field_names, values), max_size=12), signed=st.booleans())
def test_fuzzed_forms_never_cause_a_500(client, caplog, pairs, signed) -> None:
    form = MultiDict(pairs)
    headers = {"X-Twilio-Signature": sign(URL, form) if signed else "nope"}
    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/webhooks/twilio/messages",
            data=encode(form),
            content_type="application/x-www-form-urlencoded",
            headers=headers,
        )
    assert response.status_code < 500 or response.status_code == 503, response.get_data()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300), content_type=st.sampled_from(
    ["application/x-www-form-urlencoded", "text/plain", "application/json", ""]
))  # fmt: skip
def test_fuzzed_raw_bodies_never_cause_a_500(client, raw, content_type) -> None:
    response = client.post(
        "/webhooks/twilio/messages",
        data=raw,
        content_type=content_type,
        headers={"X-Twilio-Signature": "x"},
    )
    assert 400 <= response.status_code < 500


def test_duplicates_of_a_fresh_sid_need_the_signature_too(twilio: Twilio) -> None:
    form = inbound_form("halo", sid=message_sid())
    assert twilio.post(form).status_code == 200
    assert twilio.post(form, signature="forged").status_code == 403
