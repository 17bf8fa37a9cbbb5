"""The VerificationStore contract for per-service verifications, resending the
same code, the per-channel tries cap and the check's answer (see conftest.py).

Each test runs on Redis and in memory: a ``/v2`` service sees only its own
verifications; ``expect="same"`` re-sends the open code (hash, digits and expiry
kept) only while its seal is unchanged, and every way a verification ends wipes
the seal; a resend lowers the tries to the channel's cap and never raises them;
a compared check names the verification's destination and purpose.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from app.otp.ports import StartCommand, open_field
from tests.contracts.verification_steps import T0, TAG, TTL_MS, check, command, first, send

GOOD, BAD = "hash-of-123456", "hash-of-000000"
DIGEST = TAG + "0" * 48
SERVICE, OTHER = "VA" + "1" * 32, "VA" + "2" * 32
SEAL = "sealed-123456"
TO = "+6281234567890"


def resend_same(store: Any, vid: str, now_ms: int, **overrides: Any) -> Any:
    """Claim a resend, then commit it as the service does for the open code again."""
    c = command(now_ms=now_ms, existing_id=vid, code_hash="unused", sealed=SEAL, **overrides)
    claimed = store.start(c, claim=True)
    assert claimed.kind == "resend", claimed
    return store.start(replace(c, expect="same"), claim=False)


def test_each_service_sees_only_its_own_verifications(verifications: Any) -> None:
    v2 = command(service=SERVICE, open_field=open_field("verify", DIGEST, SERVICE))
    v1 = command(open_field=open_field("verify", DIGEST))
    assert send(verifications, v2).kind == "created"
    assert send(verifications, v1).kind == "created"  # one number, two open verifications
    assert verifications.open_id(TAG, v2.open_field) == v2.new_id
    assert verifications.open_id(TAG, v1.open_field) == v1.new_id
    assert verifications.get(v2.new_id)["service"] == SERVICE
    assert verifications.get(v1.new_id)["service"] == ""
    for vid, stranger in ((v2.new_id, OTHER), (v2.new_id, ""), (v1.new_id, SERVICE)):
        refused = check(verifications, vid, GOOD, service=stranger)
        assert (refused.kind, refused.to, refused.purpose) == ("not_found", "", "")
    assert verifications.get(v2.new_id)["failures"] == "0"  # a stranger's guess is not counted
    assert check(verifications, v2.new_id, BAD, service=SERVICE).kind == "wrong"
    assert check(verifications, v1.new_id, GOOD, service="").kind == "approved"
    assert check(verifications, v2.new_id, GOOD).kind == "approved"  # None: any service


def test_a_same_code_resend_keeps_the_code_and_its_expiry(verifications: Any) -> None:
    vid, _ = first(verifications, sealed=SEAL)
    assert verifications.get(vid)["sealed"] == SEAL
    check(verifications, vid, BAD)
    resent = resend_same(verifications, vid, T0 + 40_000, channel="whatsapp", locale="en")
    assert (resent.kind, resent.gen, resent.sends, resent.attempts_left) == ("resent", 2, 2, 4)
    assert resent.created_ms == T0
    record = verifications.get(vid)
    assert (record["hash"], record["sealed"], record["digits"]) == (GOOD, SEAL, "6")
    assert record["expires_at"] == str(T0 + TTL_MS)  # the code's own lifetime, not renewed
    assert (record["last_sent"], record["channel"], record["locale"]) == (
        str(T0 + 40_000), "whatsapp", "en",
    )  # fmt: skip
    assert record["attempt:2"] == f"{T0 + 40_000}|whatsapp"
    # The same code still works, and only until its first expiry.
    expired = check(verifications, vid, GOOD, now_ms=T0 + TTL_MS)
    assert expired.kind == "expired"
    assert verifications.get(vid)["sealed"] == ""


def test_a_same_code_resend_needs_the_seal_it_read(verifications: Any) -> None:
    vid, _ = first(verifications, sealed=SEAL)
    c = command(now_ms=T0 + 40_000, existing_id=vid, sealed="a-seal-read-before-a-change")
    assert verifications.start(c, claim=True).kind == "resend"
    stale = verifications.start(replace(c, expect="same"), claim=False)
    assert (stale.kind, stale.open_id) == ("retry", vid)
    record = verifications.get(vid)
    assert (record["sends"], record["gen"], record["sealed"]) == ("1", "1", SEAL)
    # The claim is still this request's: it may send a new code instead.
    fresh = verifications.start(replace(c, expect="resend", code_hash="h2"), claim=False)
    assert (fresh.kind, fresh.gen) == ("resent", 2)
    record = verifications.get(vid)
    assert (record["hash"], record["sealed"]) == ("h2", "a-seal-read-before-a-change")
    assert record["expires_at"] == str(T0 + 40_000 + TTL_MS)


def ended(store: Any, vid: str, how: str, tag: str) -> None:
    """End verification ``vid`` (of destination ``tag``) one way."""
    if how == "approved":
        assert check(store, vid, GOOD).kind == "approved"
    elif how == "locked":
        kinds = [check(store, vid, BAD).kind for _ in range(5)]
        assert kinds[-1] == "locked_now"
    elif how == "canceled":
        assert store.cancel(vid, now_ms=T0 + 1, retention=86400).kind == "canceled"
    elif how == "expired":
        assert check(store, vid, GOOD, now_ms=T0 + TTL_MS).kind == "expired"
    elif how == "expired_at_a_new_start":
        late = command(now_ms=T0 + TTL_MS + 1, existing_id=vid, tag=tag)
        assert send(store, late).kind == "created"
        assert store.get(vid)["status"] == "expired"
    elif how == "dictated":  # a flash call's caller id: not a code a resend can repeat
        assert store.record_delivery(
            vid, gen=1, channel="flashcall", message_id="CA1", status="sent", error_code="",
            code_hash="h-dictated", digits=4,
        )  # fmt: skip


def test_the_seal_is_wiped_whenever_the_code_can_no_longer_be_repeated(
    verifications: Any,
) -> None:
    hows = ["approved", "locked", "canceled", "expired", "expired_at_a_new_start", "dictated"]
    for n, how in enumerate(hows):
        tag = f"{n:016x}"
        vid, _ = first(verifications, sealed=SEAL, tag=tag)
        ended(verifications, vid, how, tag)
        assert verifications.get(vid)["sealed"] == "", how
    # A fallback redelivery seals its own new code.
    vid, _ = first(verifications, sealed=SEAL, tag="f" * 16)
    verifications.redeliver(
        vid, now_ms=T0 + 1000, code_hash="h-fallback", digits=6, ttl=300, channel="whatsapp",
        max_redeliveries=2, retention=86400, sealed="sealed-fallback",
    )  # fmt: skip
    assert verifications.get(vid)["sealed"] == "sealed-fallback"


def test_a_resend_lowers_the_tries_to_the_channels_cap_never_raises_them(
    verifications: Any,
) -> None:
    vid, created = first(verifications, max_checks=5, cooldown=0)
    assert created.attempts_left == 5
    assert check(verifications, vid, BAD).attempts_left == 4
    flash: StartCommand = command(existing_id=vid, cooldown=0, max_checks=3, channel="flashcall")
    lowered = send(verifications, flash)
    assert (lowered.kind, lowered.attempts_left) == ("resent", 2)  # 3 tries, 1 already used
    assert verifications.get(vid)["max_checks"] == "3"
    back = send(verifications, command(now_ms=T0 + 1, existing_id=vid, cooldown=0, max_checks=5))
    assert (back.kind, back.attempts_left) == ("resent", 2)
    assert verifications.get(vid)["max_checks"] == "3"
    assert check(verifications, vid, BAD, now_ms=T0 + 2).attempts_left == 1
    assert check(verifications, vid, BAD, now_ms=T0 + 3).kind == "locked_now"


def test_a_same_code_resend_also_lowers_the_tries(verifications: Any) -> None:
    vid, _ = first(verifications, sealed=SEAL, max_checks=5)
    resent = resend_same(verifications, vid, T0 + 40_000, max_checks=3)
    assert (resent.kind, resent.attempts_left) == ("resent", 3)
    assert verifications.get(vid)["max_checks"] == "3"


def test_a_compared_check_names_the_destination_and_purpose(verifications: Any) -> None:
    vid, _ = first(verifications, purpose="login", max_checks=2)
    for refused in (
        check(verifications, vid, GOOD, code_length=4),  # bad_length: not compared
        check(verifications, vid, GOOD, has_binding=True),  # binding_unexpected
        check(verifications, vid, GOOD, purpose="payment"),  # not_found
    ):
        assert (refused.to, refused.purpose) == ("", ""), refused
    wrong = check(verifications, vid, BAD)
    assert (wrong.kind, wrong.to, wrong.purpose) == ("wrong", TO, "login")
    locked = check(verifications, vid, BAD)
    assert (locked.kind, locked.to, locked.purpose) == ("locked_now", TO, "login")
    after = check(verifications, vid, GOOD)
    assert (after.kind, after.to, after.purpose) == ("max_attempts_reached", "", "")
    other, _ = first(verifications, tag="fedcba9876543210", to="budi@contoh.com")
    answer = check(verifications, other, GOOD)
    assert (answer.kind, answer.to, answer.purpose) == ("approved", "budi@contoh.com", "verify")
    again = check(verifications, other, GOOD)
    assert (again.kind, again.to, again.purpose) == ("not_pending", "", "")
