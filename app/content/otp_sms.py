"""The OTP SMS text: its template's context, brand rule, and the one-segment check.

Indonesian carriers block OTP SMS that do not carry the brand, and one SMS
must hold the whole message: a template edit that breaks either is refused
(at start-up, by ``sandi flows check`` and before a reload serves it), not
found out when a customer's code fails to arrive. The SMS channel sends with
the same rules (:mod:`app.channels.sms`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

import jinja2

from app.content.gsm7 import SEGMENT, septets
from app.content.render import Templates, TemplateSource
from app.content.source import Problem, Where, display_name

log = logging.getLogger(__name__)

TEMPLATE = "otp_sms"


def context(
    *,
    brand: str,
    code: str,
    expires_in: int,
    purpose: str,
    amount: str | None = None,
    payee: str | None = None,
) -> dict[str, Any]:
    """What ``otp_sms.j2`` may use; amount and payee cut to 20 characters."""
    return {
        "brand": brand,
        "code": code,
        "minutes": max(1, math.ceil(expires_in / 60)),
        "purpose": purpose,
        "amount": (amount or "")[:20] or None,
        "payee": (payee or "")[:20] or None,
    }


def branded(text: str, brand: str) -> str:
    """The text with the brand first, unless it already names it."""
    return text if brand.lower() in text.lower() else f"{brand}: {text}"


def template_problems(templates: TemplateSource, brand: str) -> list[tuple[str, str]]:
    """``(locale/otp_sms.j2, what is wrong)`` for each OTP SMS template that
    could not go out as one GSM-7 segment.

    Rendered with the longest values a message may carry: a 10-digit code, a
    20-character amount and payee.
    """
    sample = context(
        brand=brand, code="9" * 10, expires_in=600, purpose="payment",
        amount="Rp 999.999.999.999", payee="W" * 20,
    )  # fmt: skip
    problems = []
    for locale in templates.locales:
        path = f"{locale}/{TEMPLATE}.j2"
        if not templates.exists(TEMPLATE, locale):
            log.warning("templates/%s is missing: no OTP SMS in that language", path)
            continue
        try:
            raw = templates.render(TEMPLATE, locale, sample)
        except jinja2.TemplateError as err:
            problems.append((path, f"cannot be rendered: {err}"))
            continue
        text = branded(" ".join(raw.split()), brand)
        length = septets(text)
        if length is None:
            problems.append((path, "must stay plain GSM-7 text"))
        elif length > SEGMENT:
            problems.append(
                (path, f"renders up to {length} characters with a {len(brand)}-character "
                 f"SANDI_BRAND; an OTP SMS must fit one segment ({SEGMENT})")
            )  # fmt: skip
    return problems


def service_name_problem(
    templates: TemplateSource, name: str, *, purpose: str, payment: bool, digits: int, ttl: int
) -> str | None:
    """Why a Verify service's name would push its OTP SMS past one segment, or None.

    Rendered with the wording that service will really use: its purpose, code
    length and lifetime, and the amount and payee only if the purpose binds a
    payment — so a 32-character login service passes while the same name on a
    payment service may not. (:func:`template_problems` renders the worst case
    of any purpose, for ``SANDI_BRAND``.)
    """
    sample = context(
        brand=name, code="9" * digits, expires_in=ttl, purpose=purpose,
        amount="Rp 999.999.999.999" if payment else None, payee="W" * 20 if payment else None,
    )  # fmt: skip
    longest = 0
    for locale in templates.locales:
        if not templates.exists(TEMPLATE, locale):
            continue
        try:
            raw = templates.render(TEMPLATE, locale, sample)
        except jinja2.TemplateError:
            return "cannot be shown: the OTP SMS template does not render"
        longest = max(longest, septets(branded(" ".join(raw.split()), name)) or 0)
    if longest <= SEGMENT:
        return None
    fits = max(0, len(name) - (longest - SEGMENT))
    wording = "a payment's amount and payee" if payment else f"a {digits}-digit code"
    return (
        f"makes the OTP SMS {longest} characters with {wording}, more than one segment "
        f"({SEGMENT}); this service's name can be at most {fits} characters"
    )


def fits_one_segment(brand: str) -> Callable[[Templates], list[Problem]]:
    """The check a flows version must pass for its OTP SMS (with file positions)."""

    def check(templates: Templates) -> list[Problem]:
        return [
            Problem(Where(display_name(templates.root / path, templates.root), 1, 1), message)
            for path, message in template_problems(templates, brand)
        ]

    return check
