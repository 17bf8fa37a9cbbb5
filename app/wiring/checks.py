"""The one check of a flows version: at start-up, on reload, in ``sandi flows check``.

The content checks flows and templates on its own; what the other packages
need of a version joins here, once: the FAQ matcher's collisions (they need
the matcher, which is the conversation's) and the OTP SMS that must fit one
segment with the configured brand, and the ``otp_issue`` steps checked against
the OTP policy (payment binding, channels).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.channels.settings import brand_setting
from app.content.checks import VersionChecks
from app.content.otp_sms import fits_one_segment
from app.conversation.ask_check import ask_problems
from app.conversation.faq_check import faq_problems
from app.conversation.otp_check import otp_problems
from app.otp.policy import OtpSettings


def version_checks(brand: str, otp: OtpSettings | None = None) -> VersionChecks:
    """Every check a version must pass to serve, for a brand (``SANDI_BRAND``) and
    an OTP policy (the ``otp_issue`` steps must ask for what it allows)."""
    return VersionChecks(
        flows=(faq_problems, otp_problems(otp or OtpSettings()), ask_problems),
        templates=(fits_one_segment(brand),),
    )


def settings_checks(raw: Mapping[str, str]) -> VersionChecks:
    """:func:`version_checks` for the brand and OTP policy the settings name."""
    return version_checks(brand_setting(raw), OtpSettings.from_mapping(raw))
