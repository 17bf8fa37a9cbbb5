"""OTP policy from the environment and a YAML file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.config import ConfigError
from app.otp.policy import OtpSettings


def test_defaults_follow_the_issue() -> None:
    s = OtpSettings.from_mapping({})
    p = s.policy("verify")
    assert (p.digits, p.ttl, p.max_checks, p.max_sends, p.resend_cooldown) == (6, 300, 5, 5, 30)
    assert s.destination_limits == "10/hour;20/day"
    assert s.allowed_countries == {"ID"}
    assert "email" not in s.policy("login").channels  # NIST: no e-mail for authentication
    assert s.policy("payment").binds_transaction
    # A purpose nobody configured gets the defaults, minus e-mail (not on NIST's list).
    assert s.policy("some_new_purpose") == replace(
        s.default, channels=s.default.channels - {"email"}
    )
    assert "email" in s.policy("verify").channels and "email" in s.policy("signup").channels


def test_phone_channels_are_capped_at_ten_minutes() -> None:
    p = OtpSettings.from_mapping({"SANDI_OTP_TTL": "3600"}).policy("verify")
    assert p.ttl_for("sms") == 600 and p.ttl_for("whatsapp") == 600
    assert p.ttl_for("email") == 3600


def test_environment_sets_defaults_and_single_purposes() -> None:
    s = OtpSettings.from_mapping(
        {
            "SANDI_OTP_DIGITS": "8",
            "SANDI_OTP_PAYMENT_DIGITS": "10",
            "SANDI_OTP_CHANGE_EMAIL_MAX_SENDS": "2",
            "SANDI_OTP_LOGIN_CHANNELS": "sms,whatsapp",
            "SANDI_ALLOWED_COUNTRIES": "id, sg",
            "SANDI_OTP_IP_LIMITS": "off",
        }
    )
    assert s.policy("verify").digits == 8
    assert s.policy("payment").digits == 10 and s.policy("payment").binds_transaction
    assert s.policy("change_email").max_sends == 2 and s.policy("change_email").digits == 8
    assert s.policy("login").channels == {"sms", "whatsapp"}
    assert s.allowed_countries == {"ID", "SG"}
    assert s.ip_limits == ""
    assert OtpSettings.from_mapping({"SANDI_ALLOWED_COUNTRIES": "*"}).allowed_countries is None


def test_yaml_file_with_environment_winning(tmp_path: Path) -> None:
    path = tmp_path / "otp.yml"
    path.write_text(
        "defaults: {ttl: 180}\n"
        "purposes:\n  signup: {digits: 4, max_checks: 3}\n"
        "limits: {destination: 3/hour}\n"
        "allowed_countries: [ID, MY]\n"
    )
    s = OtpSettings.from_mapping(
        {"SANDI_OTP_POLICY_FILE": str(path), "SANDI_OTP_SIGNUP_MAX_CHECKS": "2"}
    )
    assert s.policy("verify").ttl == 180
    assert (s.policy("signup").digits, s.policy("signup").max_checks) == (4, 2)
    assert s.destination_limits == "3/hour"
    assert s.allowed_countries == {"ID", "MY"}


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"SANDI_OTP_DIGITS": "3"}, "between 4 and 10"),
        ({"SANDI_OTP_TTL": "soon"}, "whole number"),
        ({"SANDI_OTP_LOGIN_CHANNELS": "sms,fax"}, "choose from"),
        ({"SANDI_OTP_DESTINATION_LIMITS": "lots"}, "10/hour;20/day"),
        ({"SANDI_ALLOWED_COUNTRIES": "Indonesia"}, "ISO country codes"),
        ({"SANDI_OTP_POLICY_FILE": "/nonexistent/otp.yml"}, "cannot read"),
    ],
)
def test_bad_settings_say_what_to_fix(raw: dict[str, str], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        OtpSettings.from_mapping(raw)


def test_unknown_yaml_setting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "otp.yml"
    path.write_text("purposes:\n  login: {digitz: 6}\n")
    with pytest.raises(ConfigError, match="unknown setting 'digitz'"):
        OtpSettings.from_mapping({"SANDI_OTP_POLICY_FILE": str(path)})
