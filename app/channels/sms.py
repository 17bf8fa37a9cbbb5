"""OTP by SMS: branded, plain GSM-7, one segment, expiring with the code.

Indonesian carriers block OTP SMS that do not carry the brand, one non-GSM
character (a curly quote) switches the whole text to UCS-2 and halves the
segment, and a code that arrives after it expired only confuses: hence the
brand check, the GSM-7 folding and ``ValidityPeriod``.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Callable
from typing import Any

import jinja2

from app.channels.settings import ChannelSettings
from app.channels.twilio_api import Outgoing, TwilioApi
from app.config import ConfigError
from app.conversation.render import LOCALES, Templates, TemplateSource
from app.conversation.source import Problem, Where, display_name
from app.conversation.templates_check import GSM7, GSM7_EXTENDED
from app.otp.ports import CodeMessage, DeliveryError

log = logging.getLogger(__name__)

TEMPLATE = "otp_sms"
SEGMENT = 160
#: The GSM 03.38 basic set (one septet each) and extension table (two), as
#: the template checks know them.
GSM_CHARS = GSM7 | GSM7_EXTENDED
_LOOKALIKES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "`": "'"}
    | {"…": "...", "\u00a0": " ", "\u2009": " ", "•": "-"}
)


def septets(text: str) -> int | None:
    """Length in GSM-7 septets, or None if some character is not GSM-7."""
    chars = set(text)
    if chars <= GSM7:  # the usual case, decided in C
        return len(text)
    if not chars <= GSM_CHARS:
        return None
    return len(text) + sum(text.count(c) for c in chars & GSM7_EXTENDED)


def to_ascii_gsm(text: str) -> str:
    """Fold look-alikes and accents to plain ASCII that GSM-7 carries (é -> e)."""
    if text.isascii() and set(text) <= GSM_CHARS:
        return text  # nothing to fold: every rendered OTP SMS, unless a template changed
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES))
    folded = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c in GSM_CHARS else "?" for c in folded)


class SmsChannel:
    name = "sms"

    def __init__(
        self, settings: ChannelSettings, templates: TemplateSource, api: TwilioApi
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.api = api

    def text(self, message: CodeMessage) -> str:
        """The SMS as it will be sent, brand first if the template forgot it."""
        brand = message.brand or self.settings.brand
        raw = self.templates.render(TEMPLATE, message.locale, context(message, brand))
        text = to_ascii_gsm(" ".join(raw.split()))
        if text != " ".join(raw.split()):
            log.warning("%s (%s) had non-GSM characters; folded to ASCII", TEMPLATE, message.locale)
        if brand.lower() not in text.lower():
            text = f"{brand}: {text}"
        length = septets(text) or 0
        if length > SEGMENT:
            raise DeliveryError(
                "provider_error",
                f"the OTP SMS would take {length} characters, more than one segment "
                f"({SEGMENT}); shorten templates/{message.locale}/{TEMPLATE}.j2",
            )
        return text

    def outgoing(self, message: CodeMessage) -> Outgoing:
        s = self.settings
        body = self.text(message)
        params: dict[str, Any] = {"to": message.to, "body": body}
        if s.messaging_service_sid:
            params["messaging_service_sid"] = s.messaging_service_sid
        else:
            params["from_"] = s.sms_from or s.brand.replace(" ", "")[:11]
        params["validity_period"] = min(max(message.expires_in, 1), 36_000)
        params["status_callback"] = s.status_callback
        return Outgoing("message", "sms", message.to, params, preview=body, code=message.code)

    def send_code(self, message: CodeMessage) -> tuple[str, str | None]:
        return self.api.send(self.outgoing(message)), None


def context(message: CodeMessage, brand: str) -> dict[str, Any]:
    return {
        "brand": brand,
        "code": message.code,
        "minutes": max(1, math.ceil(message.expires_in / 60)),
        "purpose": message.purpose,
        "amount": (message.amount or "")[:20] or None,
        "payee": (message.payee or "")[:20] or None,
    }


def check_templates(templates: TemplateSource, brand: str) -> None:
    """Refuse to start when the OTP SMS cannot stay one GSM-7 segment."""
    problems = template_problems(templates, brand)
    if problems:
        path, message = problems[0]
        raise ConfigError(f"templates/{path} {message}")


#: The longest values an OTP SMS may carry: a 10-digit code, 10 minutes, and a
#: 20-character amount and payee (what :func:`context` cuts them to).
WORST_CASE = CodeMessage(
    "VE" + "0" * 32, "+6281234567890", "sms", "9" * 10, "id", "payment", 600,
    amount="Rp 999.999.999.999", payee="W" * 20,
)  # fmt: skip


def template_problems(
    templates: TemplateSource, brand: str, sample: CodeMessage = WORST_CASE
) -> list[tuple[str, str]]:
    """``(locale/otp_sms.j2, what is wrong)`` for each OTP SMS template that
    could not go out as one GSM-7 segment: checked at start-up and before a
    reload serves an edit, with the :data:`WORST_CASE` values (any purpose
    may be a payment there); a Verify service passes its own ``sample``.
    """
    problems = []
    for locale in LOCALES:
        path = f"{locale}/{TEMPLATE}.j2"
        if not templates.exists(TEMPLATE, locale):
            log.warning("templates/%s is missing: no OTP SMS in that language", path)
            continue
        try:
            raw = templates.render(TEMPLATE, locale, context(sample, brand))
        except jinja2.TemplateError as err:
            problems.append((path, f"cannot be rendered: {err}"))
            continue
        text = " ".join(raw.split())
        if brand.lower() not in text.lower():
            text = f"{brand}: {text}"
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
    payment service may not.
    """
    sample = CodeMessage(
        WORST_CASE.verification_id, WORST_CASE.to, "sms", "9" * digits, "id", purpose, ttl,
        amount=WORST_CASE.amount if payment else None,
        payee=WORST_CASE.payee if payment else None,
    )  # fmt: skip
    longest = 0
    for locale in LOCALES:
        if not templates.exists(TEMPLATE, locale):
            continue
        try:
            raw = templates.render(TEMPLATE, locale, context(sample, name))
        except jinja2.TemplateError:
            return "cannot be shown: the OTP SMS template does not render"
        text = " ".join(raw.split())
        if name.lower() not in text.lower():
            text = f"{name}: {text}"
        longest = max(longest, septets(text) or 0)
    if longest <= SEGMENT:
        return None
    fits = max(0, len(name) - (longest - SEGMENT))
    wording = "a payment's amount and payee" if payment else f"a {digits}-digit code"
    return (
        f"makes the OTP SMS {longest} characters with {wording}, more than one segment "
        f"({SEGMENT}); this service's name can be at most {fits} characters"
    )


def version_checks(brand: str) -> Callable[[Templates], list[Problem]]:
    """The OTP SMS of a flows version must fit one GSM-7 segment, as at
    start-up: ``sandi flows check``, ``sandi flows reload``, SIGHUP and the
    file watcher all refuse a version that breaks it."""

    def check(templates: Templates) -> list[Problem]:
        return [
            Problem(Where(display_name(templates.root / path, templates.root), 1, 1), message)
            for path, message in template_problems(templates, brand)
        ]

    return check
