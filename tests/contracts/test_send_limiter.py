"""The SendLimiter contract, on Redis (the ``limits`` library) and in memory.

Windows are counted, not timed, here: the Redis limiter runs on real time,
so a test cannot move its clock (the in-memory one's window sliding on the
injected clock is shown in tests/otp/test_service_unit.py).
"""

from __future__ import annotations

from tests.contracts.conftest import LimiterFactory

NUMBER, OTHER = "digest-of-number", "digest-of-other-number"


def test_a_full_destination_window_refuses_with_a_wait(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(destination="3/hour;5/day")
    assert [limiter.acquire(NUMBER, None, None) for _ in range(3)] == [None, None, None]
    refusal = limiter.acquire(NUMBER, None, None)
    assert refusal is not None and refusal.scope == "destination"
    assert 3500 <= refusal.retry_after <= 3600
    assert limiter.acquire(OTHER, None, None) is None  # another number has its own window


def test_the_api_key_and_client_ip_windows_span_destinations(
    make_limiter: LimiterFactory,
) -> None:
    limiter = make_limiter(destination="10/hour", api_key="2/minute", client_ip="3/minute")
    assert limiter.acquire("d1", "key-a", "10.0.0.1") is None
    assert limiter.acquire("d2", "key-a", "10.0.0.2") is None
    refusal = limiter.acquire("d3", "key-a", "10.0.0.3")
    assert refusal is not None and refusal.scope == "api_key" and 1 <= refusal.retry_after <= 60
    assert limiter.acquire("d4", "key-b", "10.0.0.1") is None
    assert limiter.acquire("d5", "key-c", "10.0.0.1") is None
    by_ip = limiter.acquire("d6", "key-d", "10.0.0.1")
    assert by_ip is not None and by_ip.scope == "client_ip"  # the first scope that is full


def test_no_rules_or_no_identity_never_refuses(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(destination="1/hour")
    assert limiter.acquire(NUMBER, "any-key", "10.0.0.1") is None
    assert limiter.acquire(NUMBER, "any-key", "10.0.0.1") is not None
    assert make_limiter().acquire(NUMBER, "k", "ip") is None


def test_reset_forgets_a_destinations_sends(make_limiter: LimiterFactory) -> None:
    limiter = make_limiter(destination="1/hour")
    limiter.acquire(NUMBER, None, None)
    limiter.acquire(OTHER, None, None)
    limiter.reset(NUMBER)
    assert limiter.acquire(NUMBER, None, None) is None
    assert limiter.acquire(OTHER, None, None) is not None


def test_the_sender_window_spans_destinations_and_the_server_window_everyone(
    make_limiter: LimiterFactory,
) -> None:
    # A chat customer asking codes for many addresses (a+1@x, a+2@x, ...) is one sender.
    limiter = make_limiter(destination="10/hour", sender="2/hour")
    assert limiter.acquire("e1", None, None, sender="wa:+62812") is None
    assert limiter.acquire("e2", None, None, sender="wa:+62812") is None
    refusal = limiter.acquire("e3", None, None, sender="wa:+62812")
    assert refusal is not None and refusal.scope == "sender"
    assert limiter.acquire("e3", None, None, sender="wa:+62813") is None
    server = make_limiter(server="2/minute")
    assert server.acquire("d1", "k1", "10.0.0.1") is None
    assert server.acquire("d2", "k2", "10.0.0.2") is None
    full = server.acquire("d3", "k3", "10.0.0.3")
    assert full is not None and full.scope == "server"
