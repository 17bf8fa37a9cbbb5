"""Property test: random sequences of start/resend/check/cancel/time against a model.

Hypothesis drives the real service (real Redis, sandbox outbox, FakeClock)
and a few lines of model side by side; every answer must be the model's. On
top, the invariants the issue names: a wrong code is never approved, no
verification is approved twice, and no limit is ever exceeded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from app import create_app
from app.otp.errors import OtpError
from tests.support.clock import FakeClock
from tests.support.otp import CUSTOMER, last_code, wrong

MAX_CHECKS, MAX_SENDS, LIMIT, COOLDOWN, TTL = 3, 3, 6, 30, 300
PURPOSES = ("login", "signup")
START = datetime(2026, 11, 25, 9, 0, tzinfo=FakeClock().now.tzinfo)


@dataclass
class Model:
    id: str
    code: str
    last_sent: datetime
    expires: datetime
    status: str = "pending"
    failures: int = 0
    sends: int = 1
    old_codes: list[str] = field(default_factory=list)

    def effective(self, now: datetime) -> str:
        return "expired" if self.status == "pending" and now >= self.expires else self.status


@pytest.fixture
def prop_app(app_config: dict[str, Any]) -> Flask:
    return create_app(
        {
            **app_config,
            "SANDI_OTP_MAX_CHECKS": str(MAX_CHECKS),
            "SANDI_OTP_MAX_SENDS": str(MAX_SENDS),
            "SANDI_OTP_DESTINATION_LIMITS": f"{LIMIT}/hour",
        }
    )


def test_any_sequence_of_operations_matches_the_model(
    prop_app: Flask, clock: FakeClock, redis_client: Any
) -> None:
    s = prop_app.extensions["sandi"]
    otp, outbox = s.otp, s.outbox

    def attempt(call: Any, **kwargs: Any) -> Any:
        try:
            return call(**kwargs)
        except OtpError as err:
            return err.code

    class OtpMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            redis_client.flushdb()
            clock.now = START
            self.open: dict[str, Model] = {}
            self.known: dict[str, Model] = {}
            self.sent = 0
            self.approved: set[str] = set()

        @rule(purpose=st.sampled_from(PURPOSES), channel=st.sampled_from(["sms", "whatsapp"]))
        def start(self, purpose: str, channel: str) -> None:
            now, v = clock.now, self.open.get(purpose)
            got = attempt(otp.start, to=CUSTOMER, channel=channel, purpose=purpose)
            # A pending code, or a lock, that has not run out yet:
            if (
                v is not None
                and now < v.expires
                and v.status in {"pending", "max_attempts_reached"}
            ):
                if v.status == "max_attempts_reached":
                    assert got == "max_attempts_reached"
                elif v.sends >= MAX_SENDS:
                    assert got == "max_sends_reached"
                elif now - v.last_sent < timedelta(seconds=COOLDOWN):
                    assert got == "resend_cooldown"
                elif self.sent >= LIMIT:
                    assert got == "rate_limited"
                else:
                    assert got.resent and got.verification.id == v.id
                    if v.expires - now >= timedelta(seconds=min(60, TTL // 2)):
                        # As Twilio Verify: the same code again, its own expiry kept.
                        assert last_code(outbox) == v.code
                    else:  # under a minute left: a new code with a new lifetime
                        v.old_codes.append(v.code)
                        v.code = last_code(outbox)
                        v.expires = now + timedelta(seconds=TTL)
                    v.sends, v.last_sent = v.sends + 1, now
                    self.sent += 1
                return
            if self.sent >= LIMIT:
                assert got == "rate_limited"
                return
            assert not got.resent and got.verification.id not in self.known
            if v is not None and v.status == "pending":
                v.status = "expired"
            new = Model(got.verification.id, last_code(outbox), now, now + timedelta(seconds=TTL))
            self.open[purpose] = self.known[new.id] = new
            self.sent += 1

        def expect_check(self, v: Model, code: str, got: Any, purpose: str | None) -> None:
            now = clock.now
            state = v.effective(now)
            if state == "expired" and v.status == "pending":
                v.status = "expired"
            if state == "max_attempts_reached" and now < v.expires:
                assert got == "max_attempts_reached"
                return
            if state != "pending":
                assert got == "not_found"
                if purpose and self.open.get(purpose) is v and state == "expired":
                    del self.open[purpose]
                return
            if code == v.code:
                assert got.valid and got.status == "approved"
                assert v.id not in self.approved  # never approved twice
                self.approved.add(v.id)
                v.status = "approved"
                self.open.pop(v_purpose(self.open, v), None)
                return
            assert not got.valid  # never approves a wrong code
            v.failures += 1
            if v.failures >= MAX_CHECKS:
                v.status = "max_attempts_reached"
                assert (got.status, got.attempts_left) == ("max_attempts_reached", 0)
            else:
                assert (got.status, got.attempts_left) == ("pending", MAX_CHECKS - v.failures)

        @rule(purpose=st.sampled_from(PURPOSES), correct=st.booleans())
        def check_by_number(self, purpose: str, correct: bool) -> None:
            v = self.open.get(purpose)
            code = (v.code if correct else wrong(v.code)) if v else "123456"
            got = attempt(otp.check, to=CUSTOMER, code=code, purpose=purpose)
            if v is None:
                assert got == "not_found"
            else:
                self.expect_check(v, code, got, purpose)

        @rule(data=st.data())
        def check_old_code_by_id(self, data: st.DataObject) -> None:
            if not self.known:
                return
            v = self.known[data.draw(st.sampled_from(list(self.known)))]
            code = data.draw(st.sampled_from([*v.old_codes, v.code, wrong(v.code)]))
            got = attempt(otp.check, verification_id=v.id, code=code)
            self.expect_check(v, code, got, v_purpose(self.open, v))

        @rule(purpose=st.sampled_from(PURPOSES))
        def cancel(self, purpose: str) -> None:
            v = self.open.get(purpose)
            if v is None:
                return
            got = attempt(otp.cancel, verification_id=v.id)
            state = v.effective(clock.now)
            if state == "pending":
                assert got.status == "canceled"
                v.status = "canceled"
                del self.open[purpose]
            else:
                assert got == "not_pending"
                if state == "expired":
                    v.status = "expired"
                    del self.open[purpose]

        @rule(seconds=st.sampled_from([1, 15, 29, 30, 31, 120, 299, 301, 600]))
        def wait(self, seconds: int) -> None:
            clock.advance(seconds=seconds)

        @invariant()
        def store_agrees_and_limits_hold(self) -> None:
            assert self.sent <= LIMIT
            assert len(outbox.read(CUSTOMER)) == self.sent
            for v in self.known.values():
                record = otp.store.get(v.id)
                assert int(record["failures"]) == v.failures <= MAX_CHECKS
                assert int(record["sends"]) == v.sends <= MAX_SENDS
                assert otp.get(v.id).status == v.effective(clock.now)

    run_state_machine_as_test(
        OtpMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def v_purpose(open_: dict[str, Model], v: Model) -> str | None:
    return next((p for p, m in open_.items() if m is v), None)
