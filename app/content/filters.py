"""Jinja2 filters for what Indonesian messages show most: Rupiah amounts and dates.

Marketers write ``{{ order.amount | rupiah }}`` and ``{{ order.due | date }}``
instead of formatting numbers and dates by hand, in every template and flow
value (every sandboxed environment has them: :func:`app.content.template_safety.sandboxed`).

- ``rupiah``: ``150000`` → ``Rp150.000``; ``1500.5`` → ``Rp1.500,50``; text
  holding a number (``"150000"``, ``"150.000"``) is read the same way.
- ``date``: ``"2026-01-05"`` → ``5 Januari 2026`` (Indonesian) or
  ``5 January 2026`` (English), in the conversation's language unless given:
  ``{{ due | date("en") }}``; ``date(weekday=true)`` → ``Senin, 5 Januari 2026``.
- ``datetime``: ``"2026-01-05T14:30:00"`` → ``5 Januari 2026 pukul 14.30`` /
  ``5 January 2026, 14:30``.

A value that is not an amount or a date is shown as it is: a customer gets
the back end's text rather than no message at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

MONTHS = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
           "September", "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}  # fmt: skip
WEEKDAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_ID_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$")


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    elif isinstance(value, str):
        raw = value.strip().replace(" ", "").removeprefix("Rp").removeprefix("rp")
        if _ID_THOUSANDS.match(raw):  # "150.000" or "1.500,50": written the Indonesian way
            raw = raw.replace(".", "").replace(",", ".")
        try:
            number = Decimal(raw)
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def rupiah(value: Any) -> str:
    """``Rp150.000``: dots between thousands, a comma before cents (only when there are any)."""
    number = _amount(value)
    if number is None:
        return "" if value is None else str(value)
    sign = "-" if number < 0 else ""
    whole, _, cents = f"{abs(number):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}Rp{grouped}" + (f",{cents}" if cents != "00" else "")


def _when(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00")
        try:
            return (
                datetime.fromisoformat(text)
                if "T" in text or " " in text
                else date.fromisoformat(text)
            )
        except ValueError:
            return None
    return None


def _locale(context: Context, locale: str | None) -> str:
    chosen = locale or context.get("locale") or "id"
    return chosen if chosen in MONTHS else "id"


def format_date(value: Any, locale: str = "id", *, weekday: bool = False) -> str:
    when = _when(value)
    if when is None:
        return "" if value is None else str(value)
    text = f"{when.day} {MONTHS[locale][when.month - 1]} {when.year}"
    return f"{WEEKDAYS[locale][when.weekday()]}, {text}" if weekday else text


def format_datetime(value: Any, locale: str = "id") -> str:
    when = _when(value)
    if not isinstance(when, datetime):
        return format_date(value, locale)
    day = format_date(when, locale)
    if locale == "id":
        return f"{day} pukul {when.hour:02d}.{when.minute:02d}"
    return f"{day}, {when.hour:02d}:{when.minute:02d}"


@pass_context
def date_filter(
    context: Context, value: Any, locale: str | None = None, weekday: bool = False
) -> str:
    return format_date(value, _locale(context, locale), weekday=weekday)


@pass_context
def datetime_filter(context: Context, value: Any, locale: str | None = None) -> str:
    return format_datetime(value, _locale(context, locale))


#: Every sandboxed environment gets these (documented in docs/flows.md).
FILTERS: Mapping[str, Any] = {
    "rupiah": rupiah,
    "date": date_filter,
    "datetime": datetime_filter,
}
