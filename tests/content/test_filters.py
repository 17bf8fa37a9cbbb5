"""The Rupiah and date filters every template and flow value has (app/content/filters.py)."""

from __future__ import annotations

from datetime import date, datetime

import jinja2
import pytest

from app.content.expressions import compile_value
from app.content.template_safety import sandboxed

ENV = sandboxed(undefined=jinja2.StrictUndefined, autoescape=False)


def render(source: str, **context: object) -> str:
    return ENV.from_string(source).render(context)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (150000, "Rp150.000"),
        (0, "Rp0"),
        (999, "Rp999"),
        (1500.5, "Rp1.500,50"),
        (-25000, "-Rp25.000"),
        ("150000", "Rp150.000"),
        ("150.000", "Rp150.000"),
        ("Rp 1.500,50", "Rp1.500,50"),
        (2750000000, "Rp2.750.000.000"),
        ("gratis", "gratis"),  # not an amount: shown as it is
        (None, ""),
        (True, "True"),
    ],
)
def test_rupiah(value: object, shown: str) -> None:
    assert render("{{ v | rupiah }}", v=value) == shown


@pytest.mark.parametrize(
    ("source", "locale", "shown"),
    [
        ("{{ d | date }}", "id", "5 Januari 2026"),
        ("{{ d | date }}", "en", "5 January 2026"),
        ("{{ d | date('en') }}", "id", "5 January 2026"),
        ("{{ d | date(weekday=true) }}", "id", "Senin, 5 Januari 2026"),
        ("{{ d | date('en', weekday=true) }}", "id", "Monday, 5 January 2026"),
        ("{{ t | datetime }}", "id", "17 Agustus 2026 pukul 09.05"),
        ("{{ t | datetime }}", "en", "17 August 2026, 09:05"),
        ("{{ d | datetime }}", "id", "5 Januari 2026"),
        ("{{ 'kemarin' | date }}", "id", "kemarin"),
    ],
)
def test_dates_in_the_conversations_language(source: str, locale: str, shown: str) -> None:
    assert render(source, d="2026-01-05", t="2026-08-17T09:05:00+07:00", locale=locale) == shown


def test_python_dates_and_no_locale_at_all() -> None:
    assert render("{{ d | date }}", d=date(2026, 12, 25)) == "25 Desember 2026"
    assert render("{{ d | date('fr') }}", d=datetime(2026, 3, 1, 8)) == "1 Maret 2026"


def test_flow_values_use_the_filters_too() -> None:
    value = compile_value("{{ total | rupiah }}")
    assert value.evaluate({"total": 150000}) == "Rp150.000"
    assert compile_value("Bayar {{ total | rupiah }}").evaluate({"total": 5}) == "Bayar Rp5"
