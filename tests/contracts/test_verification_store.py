"""The VerificationStore contract, on Redis and in memory (see conftest.py).

The rules the OTP service relies on the store to enforce atomically: single
use, the attempt cap (under concurrency too), expiry at the TTL on the
caller's clock, the resend cooldown and send cap, claims that keep two
requests from sending at once, binding, cancel, fallback redeliveries and
delivery reports fenced on the send they belong to.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from app.otp.ports import CLAIM_LEASE_MS
from tests.contracts.verification_steps import T0, TAG, TTL_MS, check, command, first, send

GOOD, BAD = "hash-of-123456", "hash-of-000000"


def test_a_first_send_opens_a_pending_verification(verifications: Any) -> None:
    vid, created = first(verifications)
    assert (created.gen, created.sends, created.attempts_left, created.created_ms) == (
        1, 1, 5, T0,
    )  # fmt: skip
    assert verifications.open_id(TAG, command().open_field) == vid
    record = verifications.get(vid)
    assert record["status"] == "pending" and record["expires_at"] == str(T0 + TTL_MS)
    assert record["attempt:1"] == f"{T0}|sms"
    assert verifications.get(f"VE{TAG}ffffffffffffffff") is None


def test_a_code_is_approved_once(verifications: Any) -> None:
    vid, _ = first(verifications)
    assert check(verifications, vid, GOOD).kind == "approved"
    again = check(verifications, vid, GOOD)
    assert (again.kind, again.status) == ("not_pending", "approved")
    assert verifications.get(vid)["hash"] == ""
    assert verifications.open_id(TAG, command().open_field) is None


def test_wrong_codes_count_down_then_lock_even_the_right_code(verifications: Any) -> None:
    vid, _ = first(verifications)
    lefts = [check(verifications, vid, BAD).attempts_left for _ in range(4)]
    assert lefts == [4, 3, 2, 1]
    assert check(verifications, vid, BAD).kind == "locked_now"
    locked = check(verifications, vid, GOOD, now_ms=T0 + 1000)
    assert (locked.kind, locked.wait_ms) == ("max_attempts_reached", TTL_MS - 1000)
    # The lock holds the destination: no new code until the old one would have expired.
    refused = send(verifications, command(now_ms=T0 + 2000))
    assert (refused.kind, refused.wait_ms) == ("locked", TTL_MS - 2000)


def test_the_attempt_cap_holds_under_concurrent_checks(verifications: Any) -> None:
    vid, _ = first(verifications)
    with ThreadPoolExecutor(max_workers=16) as pool:
        kinds = list(pool.map(lambda _: check(verifications, vid, BAD).kind, range(60)))
    assert kinds.count("wrong") == 4
    assert kinds.count("locked_now") == 1
    assert kinds.count("max_attempts_reached") == 55
    assert verifications.get(vid)["failures"] == "5"


def test_concurrent_right_codes_approve_exactly_once(verifications: Any) -> None:
    vid, _ = first(verifications)
    with ThreadPoolExecutor(max_workers=16) as pool:
        kinds = list(pool.map(lambda _: check(verifications, vid, GOOD).kind, range(40)))
    assert kinds.count("approved") == 1
    assert kinds.count("not_pending") == 39


def test_a_code_expires_at_its_ttl_on_the_callers_clock(verifications: Any) -> None:
    vid, _ = first(verifications)
    assert check(verifications, vid, BAD, now_ms=T0 + TTL_MS - 1).kind == "wrong"
    expired = check(verifications, vid, GOOD, now_ms=T0 + TTL_MS)
    assert (expired.kind, expired.status) == ("expired", "expired")
    record = verifications.get(vid)
    assert (record["status"], record["ended_at"]) == ("expired", str(T0 + TTL_MS))
    # The destination may start afresh, with a new id.
    again = command(now_ms=T0 + TTL_MS + 1)
    assert send(verifications, again).kind == "created"
    assert verifications.open_id(TAG, again.open_field) == again.new_id


def test_a_resend_waits_for_the_cooldown_and_keeps_the_failures(verifications: Any) -> None:
    vid, _ = first(verifications)
    check(verifications, vid, BAD)
    early = send(verifications, command(now_ms=T0 + 10_000, existing_id=vid))
    assert (early.kind, early.wait_ms) == ("cooldown", 20_000)
    resent = send(verifications, command(now_ms=T0 + 30_000, existing_id=vid, code_hash="h2"))
    assert (resent.kind, resent.gen, resent.sends, resent.attempts_left) == ("resent", 2, 2, 4)
    record = verifications.get(vid)
    assert record["expires_at"] == str(T0 + 30_000 + TTL_MS)
    assert check(verifications, vid, GOOD, now_ms=T0 + 31_000).kind == "wrong"  # old code gone
    assert check(verifications, vid, "h2", now_ms=T0 + 31_000).kind == "approved"


def test_sends_stop_at_max_sends(verifications: Any) -> None:
    vid, _ = first(verifications, max_sends=2, cooldown=0)
    assert send(verifications, command(existing_id=vid, max_sends=2, cooldown=0)).kind == "resent"
    refused = send(verifications, command(now_ms=T0 + 5, existing_id=vid, max_sends=2))
    assert (refused.kind, refused.wait_ms) == ("max_sends", TTL_MS - 5)


def test_one_claim_at_a_time_and_a_dead_claim_lapses(verifications: Any) -> None:
    one, other = command(), command()
    assert verifications.start(one, claim=True).kind == "new"
    assert verifications.start(other, claim=True).kind == "cooldown"
    assert verifications.start(other, claim=False).kind == "cooldown"  # not its claim
    unclaimed = command(tag="fedcba9876543210")
    assert verifications.start(unclaimed, claim=False).kind == "retry"  # commit needs a claim
    late = command(now_ms=T0 + CLAIM_LEASE_MS + 1)
    assert verifications.start(late, claim=True).kind == "new"  # the first request died
    verifications.release(late)
    assert verifications.start(other, claim=True).kind == "new"


def test_a_released_claim_lets_the_next_request_send(verifications: Any) -> None:
    one = command()
    verifications.start(one, claim=True)
    verifications.release(command(token="not-the-holder"))  # only the holder can release
    assert verifications.start(command(), claim=True).kind == "cooldown"
    verifications.release(one)
    assert send(verifications, command()).kind == "created"


def test_a_stale_read_is_told_the_open_id(verifications: Any) -> None:
    vid, _ = first(verifications)
    stale = verifications.start(command(now_ms=T0 + 60_000), claim=True)
    assert (stale.kind, stale.open_id) == ("retry", vid)


def test_binding_length_and_purpose_are_checked_before_counting(verifications: Any) -> None:
    vid, _ = first(verifications, amount="150000", payee="TOKO", purpose="payment")
    assert check(verifications, vid, GOOD).kind == "binding_required"
    short = check(verifications, vid, GOOD, code_length=4, has_binding=True)
    assert (short.kind, short.digits) == ("bad_length", 6)
    assert check(verifications, vid, GOOD, has_binding=True, purpose="login").kind == "not_found"
    conflict = send(verifications, command(existing_id=vid, amount="1", purpose="payment"))
    assert conflict.kind == "binding_conflict"
    assert verifications.get(vid)["failures"] == "0"
    unbound, _ = first(verifications, tag="fedcba9876543210")
    assert check(verifications, unbound, GOOD, has_binding=True).kind == "binding_unexpected"


def test_cancel_ends_a_pending_verification_only(verifications: Any) -> None:
    vid, _ = first(verifications)
    assert verifications.cancel(vid, now_ms=T0 + 1, retention=86400).kind == "canceled"
    again = verifications.cancel(vid, now_ms=T0 + 2, retention=86400)
    assert (again.kind, again.status) == ("not_pending", "canceled")
    assert check(verifications, vid, GOOD).status == "canceled"
    missing = verifications.cancel(f"VE{TAG}0000000000000000", now_ms=T0, retention=1)
    assert missing.kind == "not_found"


def redeliver(store: Any, vid: str, now_ms: int = T0 + 1000, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "code_hash": "h-fallback", "digits": 6, "ttl": 300, "channel": "whatsapp",
        "max_redeliveries": 2, "retention": 86400,
    }  # fmt: skip
    args.update(kw)
    return store.redeliver(vid, now_ms=now_ms, **args)


def test_fallback_redeliveries_are_capped_and_replace_the_code(verifications: Any) -> None:
    vid, _ = first(verifications)
    assert (redeliver(verifications, vid).kind, redeliver(verifications, vid).gen) == (
        "resent", 3,
    )  # fmt: skip
    assert redeliver(verifications, vid).kind == "max_redeliveries"
    record = verifications.get(vid)
    assert (record["sends"], record["redeliveries"], record["channel"]) == ("1", "2", "whatsapp")
    assert check(verifications, vid, GOOD, now_ms=T0 + 2000).kind == "wrong"
    assert check(verifications, vid, "h-fallback", now_ms=T0 + 2000).kind == "approved"
    assert redeliver(verifications, vid).kind == "not_pending"


def test_delivery_reports_are_fenced_on_their_send(verifications: Any) -> None:
    vid, _ = first(verifications, channel="auto")
    report = {"channel": "whatsapp", "message_id": "SM1", "status": "sent", "error_code": ""}
    assert verifications.record_delivery(vid, gen=2, code_hash="", digits=6, **report) is False
    assert verifications.record_delivery(vid, gen=1, code_hash="", digits=6, **report) is True
    assert verifications.get(vid)["attempt:1"] == f"{T0}|whatsapp"
    status = verifications.delivery_status
    assert status(vid, message_id="SM2", status="delivered", error_code="") is False
    assert status(vid, message_id="SM1", status="delivered", error_code="") is True
    assert status(vid, message_id="SM1", status="sent", error_code="") is False  # backwards
    assert status(vid, message_id="SM1", status="failed", error_code="30003") is False
    assert status(vid, message_id="SM1", status="read", error_code="") is True
    assert verifications.get(vid)["delivery_status"] == "read"


def test_a_dictated_code_replaces_the_hash(verifications: Any) -> None:
    vid, _ = first(verifications, channel="flashcall")
    verifications.record_delivery(
        vid, gen=1, channel="flashcall", message_id="CA1", status="sent", error_code="",
        code_hash="h-dictated", digits=4,
    )  # fmt: skip
    assert check(verifications, vid, GOOD).kind == "bad_length"
    assert check(verifications, vid, "h-dictated", code_length=4).kind == "approved"
