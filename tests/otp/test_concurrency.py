"""Many threads against one verification on real Redis: the scripts keep the rules."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.otp.errors import OtpError
from app.otp.service import OtpService
from app.store.outbox import OutboxStore
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, last_code, wrong

T = TypeVar("T")


def all_at_once(n: int, task: Callable[[int], T], workers: int = 50) -> list[T | OtpError]:
    """Run ``task(i)`` for i < n on many threads released together by a barrier."""
    barrier = threading.Barrier(min(n, workers))

    def run(i: int) -> T | OtpError:
        if i < workers:
            barrier.wait()
        try:
            return task(i)
        except OtpError as err:
            return err

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, range(n)))


def outcome(result: Any) -> str:
    if isinstance(result, OtpError):
        return result.code
    return "valid" if result.valid else result.status


def test_100_parallel_wrong_guesses_are_5_evaluated_failures(
    otp: OtpService, outbox: OutboxStore
) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    code = last_code(outbox)
    results = all_at_once(100, lambda i: otp.check(verification_id=v.id, code=wrong(code)))
    counts = Counter(outcome(r) for r in results)
    assert counts == {"pending": 4, "max_attempts_reached": 96}, counts
    evaluated = [r for r in results if not isinstance(r, OtpError)]
    assert sorted(r.attempts_left for r in evaluated) == [0, 1, 2, 3, 4]
    assert otp.store.get(v.id)["failures"] == "5"  # never a sixth evaluated guess
    # and the right code is now refused too
    assert isinstance(all_at_once(1, lambda i: otp.check(verification_id=v.id, code=code))[0],
                      OtpError)  # fmt: skip


def test_parallel_correct_checks_approve_exactly_once(otp: OtpService, outbox: OutboxStore) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    code = last_code(outbox)
    results = all_at_once(40, lambda i: otp.check(verification_id=v.id, code=code))
    counts = Counter(outcome(r) for r in results)
    assert counts == {"valid": 1, "not_found": 39}, counts


def test_parallel_mixed_guesses_never_approve_a_wrong_code(
    otp: OtpService, outbox: OutboxStore
) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    code = last_code(outbox)
    guesses = [code if i == 50 else wrong(code) for i in range(60)]
    results = all_at_once(60, lambda i: otp.check(verification_id=v.id, code=guesses[i]))
    approved = [i for i, r in enumerate(results) if outcome(r) == "valid"]
    assert approved in ([], [50])
    assert int(otp.store.get(v.id)["failures"]) <= 5


def test_parallel_resends_send_one_code(
    otp: OtpService, outbox: OutboxStore, clock: FakeClock
) -> None:
    v = otp.start(CUSTOMER, "sms").verification
    clock.advance(seconds=31)
    results = all_at_once(30, lambda i: otp.start(CUSTOMER, "sms"))
    counts = Counter("sent" if not isinstance(r, OtpError) else r.code for r in results)
    assert counts == {"sent": 1, "resend_cooldown": 29}, counts
    after = otp.get(v.id)
    assert after.send_count == 2 and len(outbox.read(CUSTOMER)) == 2


def test_parallel_first_starts_make_one_verification(otp: OtpService, outbox: OutboxStore) -> None:
    results = all_at_once(30, lambda i: otp.start(CUSTOMER, "sms", purpose="signup"))
    started = [r for r in results if not isinstance(r, OtpError)]
    assert len(started) == 1
    assert {r.code for r in results if isinstance(r, OtpError)} <= {"resend_cooldown"}
    assert len(outbox.read(CUSTOMER)) == 1


def test_parallel_starts_never_exceed_the_destination_limit(
    otp: OtpService, outbox: OutboxStore
) -> None:
    results = all_at_once(40, lambda i: otp.start(CUSTOMER, "sms", purpose=f"p{i}"))
    sent = [r for r in results if not isinstance(r, OtpError)]
    assert len(sent) == 10
    assert len(outbox.read(CUSTOMER)) == 10
    assert {r.code for r in results if isinstance(r, OtpError)} == {"rate_limited"}
