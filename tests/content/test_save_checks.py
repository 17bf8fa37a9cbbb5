"""The save-time checks say nothing about values that work (no false alarms).

The golden files (``test_save_time_golden.py``) pin what each mistake prints;
here the neighbours of each mistake that are fine pass without a word.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.config import ROOT
from app.content.loader import check_flows
from app.content.render import Templates

HEADER = "# yaml-language-server: $schema=../app/content/flow.schema.json\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


def found(shop: Path, settings: str) -> list[str]:
    (shop / "flows/golden.yml").write_text(
        HEADER
        + "flow: golden\ntriggers: {en: [golden case]}\nsteps:\n"
        + "  - ask: faq/more\n"
        + "".join(f"    {line}\n" for line in settings.splitlines())
        + "  - end: faq/bye\n",
        encoding="utf-8",
    )
    _, problems = check_flows(shop / "flows", Templates(shop / "templates"))
    return [str(p) for p in problems]


@pytest.mark.parametrize(
    "settings",
    [
        'pattern: "[A-Z]{2}[0-9]{6}"',  # letters and digits: a text answer can match
        'pattern: "(?i)inv-\\\\d+"',
        'pattern: "[^0-9]+"',  # anything but digits: letters pass
        'pattern: ".*"',
        'pattern: "\\\\d+|[0-9]{3}-[0-9]{4}"',  # a pattern replaces text's letters rule
        'expect: number\npattern: "\\\\d{1,3}"',
        'expect: email\npattern: ".+@example\\\\.co\\\\.id"',
        "expect: number\nmin: 1000\nmax: 5000000",
        "expect: number\nmin: 1.5",  # a real decimal, not thousands
        "expect: yes_no\ntimeout: 10m",
        "expect: yes_no\ntimeout: 4h",
    ],
)
def test_values_that_work_pass_quietly(shop: Path, settings: str) -> None:
    assert found(shop, settings) == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ('expect: number\npattern: "[a-z]+"', "never matches an answer with digits"),
        ('expect: email\npattern: "[a-z.]+"', "never matches an answer with '@'"),
        ('expect: digits\npattern: "[A-Z]+|[a-z]{3}"', "never matches an answer with digits"),
        ("expect: number\nmax: 25.000.000", "must be a number"),  # a string: the schema's word
    ],
)
def test_values_no_answer_can_meet_are_reported(shop: Path, settings: str, message: str) -> None:
    (problem,) = found(shop, settings)
    assert message in problem
