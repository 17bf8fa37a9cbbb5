"""The fraud guard's rules as arithmetic: what blocks, what does not, and the cold start."""

from __future__ import annotations

import pytest

from app.config import ConfigError
from app.otp.errors import OtpError
from app.otp.fraud import shown_prefix
from app.otp.fraud_lists import decide_lists, list_candidates, normalise
from app.otp.fraud_rules import (
    MODES,
    ScopeCounts,
    judge_country,
    judge_prefix,
    judge_source,
    mode_from,
)

STANDARD = MODES["standard"]


def test_a_quiet_prefix_is_blocked_at_the_modes_threshold() -> None:
    # six unapproved sends before this one: the seventh is refused
    assert not judge_prefix(STANDARD, ScopeCounts(hour_attempts=6), False).blocked
    verdict = judge_prefix(STANDARD, ScopeCounts(hour_attempts=7), False)
    assert verdict.reason == "prefix_burst"
    # approved sends do not count
    assert not judge_prefix(
        STANDARD, ScopeCounts(hour_attempts=12, hour_approved=10), False
    ).blocked


def test_a_prefix_busy_yesterday_has_room_a_quiet_one_has_not() -> None:
    busy = ScopeCounts(hour_attempts=10, base_worst_hour=4, base_hours=24, base_attempts=60)
    assert not judge_prefix(STANDARD, busy, False).blocked  # 9 < 6 + 2 * 4
    new = ScopeCounts(hour_attempts=10, base_worst_hour=4, base_hours=3)  # too little history
    assert judge_prefix(STANDARD, new, False).blocked


def test_a_country_on_alert_makes_its_prefixes_strict() -> None:
    two_before = ScopeCounts(hour_attempts=3)
    assert not judge_prefix(STANDARD, two_before, False).blocked
    assert judge_prefix(STANDARD, two_before, True).reason == "prefix_country_alert"


def test_a_prefix_without_conversion_for_a_day_stays_blocked() -> None:
    day = ScopeCounts(hour_attempts=1, day_attempts=40, day_approved=2)
    assert judge_prefix(STANDARD, day, False).reason == "prefix_no_conversion"
    converting = ScopeCounts(hour_attempts=1, day_attempts=40, day_approved=30)
    assert not judge_prefix(STANDARD, converting, False).blocked


def test_country_alert_against_its_own_baseline() -> None:
    # A week of 100 codes an hour, 90% approved: ~10 unapproved an hour is usual.
    usual = dict(base_attempts=100 * 160, base_approved=90 * 160, base_hours=160)
    calm = ScopeCounts(hour_attempts=110, hour_approved=95, **usual)
    assert judge_country(STANDARD, calm)[1] is False
    pumped = ScopeCounts(hour_attempts=160, hour_approved=95, **usual)  # 65 unapproved
    verdict, alert = judge_country(STANDARD, pumped)
    assert alert and not verdict.blocked  # approvals go on: never the whole country
    dropped = ScopeCounts(hour_attempts=60, hour_approved=12, **usual)  # 20% vs 90%
    assert judge_country(STANDARD, dropped)[1]


def test_a_country_nobody_approves_in_is_blocked_whole() -> None:
    verdict, alert = judge_country(STANDARD, ScopeCounts(hour_attempts=10))
    assert alert and not verdict.blocked  # its prefixes are strict first
    verdict, alert = judge_country(STANDARD, ScopeCounts(hour_attempts=20))
    assert alert and verdict.reason == "country_no_conversion"
    # cold start: the first customers of a new installation convert, so no block
    verdict, _ = judge_country(STANDARD, ScopeCounts(hour_attempts=40, hour_approved=30))
    assert not verdict.blocked


def test_a_source_asking_for_codes_nobody_types() -> None:
    assert judge_source(STANDARD, ScopeCounts(hour_attempts=11)).reason == "source_no_conversion"
    # a carrier NAT address shared by many real customers converts
    assert not judge_source(STANDARD, ScopeCounts(hour_attempts=40, hour_approved=35)).blocked


def test_modes_are_ordered_by_strictness() -> None:
    basic, standard, strict = MODES["basic"], MODES["standard"], MODES["max"]
    for name in ("prefix_hour", "prefix_day", "prefix_alert", "country_floor", "source_hour"):
        assert getattr(basic, name) > getattr(standard, name) > getattr(strict, name), name


def test_mode_setting() -> None:
    assert mode_from({}) == STANDARD
    assert mode_from({"SANDI_FRAUD_GUARD": "MAX"}) == MODES["max"]
    assert mode_from({"SANDI_FRAUD_GUARD": "off"}) is None
    with pytest.raises(ConfigError, match="basic, standard, max or off"):
        mode_from({"SANDI_FRAUD_GUARD": "paranoid"})


def test_lists_most_specific_first() -> None:
    number = "+6281234567890"
    candidates = list_candidates(number, "ID", "203.0.113.7")
    assert "prefix:+62812" in candidates and f"prefix:{number}" in candidates
    assert "country:ID" in candidates and "ip:203.0.113.7" in candidates
    # a test phone allowed inside a denied range goes through
    decision = decide_lists({"prefix:+62812": "deny", f"prefix:{number}": "allow"})
    assert not decision.blocked and decision.allow_prefix
    assert decide_lists({"prefix:+62812": "deny"}).verdict.reason == "denied_prefix"
    assert decide_lists({"country:ID": "deny"}).verdict.reason == "denied_country"
    assert decide_lists({"ip:203.0.113.7": "deny"}).verdict.reason == "denied_ip"
    assert decide_lists({"country:ID": "allow"}).allow_country


def test_list_values_are_checked() -> None:
    assert normalise("prefix", "+62 812-34") == "+6281234"
    assert normalise("country", "id") == "ID"
    for kind, value in (("prefix", "62812"), ("prefix", "+6"), ("country", "IDN"), ("ip", "x")):
        with pytest.raises(OtpError):
            normalise(kind, value)


def test_a_shown_prefix_is_not_a_phone_number() -> None:
    shown = shown_prefix("+6281234567890")
    assert shown == "+62812****xxxx"
    assert sum(c.isdigit() for c in shown) == 5
