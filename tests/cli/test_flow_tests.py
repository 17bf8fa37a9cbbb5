"""``sandi flows test``: the bundled conversation tests, and what a failing one prints."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from app.cli.main import main
from app.config import ROOT
from app.conversation.language import country_locale, detect
from app.flow_tests.cases import Case, case_files, load_cases

TESTS = ROOT / "flows" / "tests"


@pytest.fixture
def shop_app(app: Flask) -> Flask:
    """The app as it runs: the flows' codes go through the OTP service and the channels."""
    return app


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(main, ["flows", "test", *args])


def _language(case: Case) -> str:
    """The language the engine gives this conversation (as engine.locale decides)."""
    first = next(s.text for s in case.steps if s.kind == "user")
    return case.locale or detect(first) or country_locale(case.sender) or "id"


def test_every_bundled_flow_is_tested_in_both_languages() -> None:
    flows = {p.stem for p in (ROOT / "flows").glob("*.yml")} - {"commands"}
    languages: dict[str, set[str]] = {}
    for path in case_files(TESTS):
        cases, problems = load_cases(path)
        assert not problems
        flow = path.stem.removeprefix("otp_")
        languages.setdefault(flow, set()).update(_language(c) for c in cases)
    assert {flow: {"id", "en"} for flow in flows} == {f: languages.get(f) for f in flows}


def test_the_bundled_conversation_tests_pass(shop_app: Flask) -> None:
    result = run(shop_app, str(TESTS))
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    assert " passed, 0 failed" in result.output


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "broken.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return folder


def test_a_reply_that_differs_prints_a_diff_and_exits_1(shop_app: Flask, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "tests",
        """\
        tests:
          - test: greets
            sender: "+6281100000901"
            steps:
              - user: halo
              - bot: Halo Budi! Selamat datang di Toko Sandi. Ada yang bisa kami bantu?
        """,
    )
    result = run(shop_app, str(folder))
    assert result.exit_code == 1
    assert "FAIL  greets" in result.output
    assert "broken.yml:6:14: the reply differs (- expected, + got):" in result.output
    assert "- Halo Budi! Selamat datang di Toko Sandi." in result.output
    assert "+ Halo Budi! Selamat datang di Toko Kenari." in result.output
    assert "0 passed, 1 failed" in result.output


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("- bot: {template: welcome/menu_baru}", "there is no template 'welcome/menu_baru'"),
        ("- bot: {template: faq/ask}", "expected template faq/ask (id)"),
        ("- bot: /^Selamat malam/", "expected a reply matching /^Selamat malam/"),
        ("- tap: Beli pulsa", "no button 'Beli pulsa'; the last buttons were:"),
        ("- no_reply:", "expected no reply, the bot said:"),
        ("- otp_sent: {channel: sms}", "no code was sent by sms to +6281100000902"),
        ("- session: {code_channel: sms}", "code_channel: expected 'sms', got None"),
        ('- user: "{{ otp }}"', "'otp' is undefined; known here: channel, sender"),
    ],
)
def test_each_kind_of_failure_says_what_differs(
    shop_app: Flask, tmp_path: Path, step: str, expected: str
) -> None:
    folder = write(
        tmp_path / "tests",
        f"""\
        tests:
          - test: fails
            sender: "+6281100000902"
            steps:
              - user: halo
              {step}
        """,
    )
    result = run(shop_app, str(folder))
    assert result.exit_code == 1, result.output
    assert "broken.yml:6:" in result.output
    assert expected in result.output


def test_broken_test_files_are_reported_and_nothing_runs(shop_app: Flask, tmp_path: Path) -> None:
    folder = write(
        tmp_path / "tests",
        """\
        tests:
          - test: typos
            chanel: sms
            sender: "0812"
            steps:
              - usr: halo
              - bot: /([a-z/
        """,
    )
    result = run(shop_app, str(folder))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "broken.yml" in line]
    assert lines == [
        f"{folder.name}/broken.yml:3:5: error: unknown key 'chanel'; did you mean 'channel'?",
        f"{folder.name}/broken.yml:4:13: error: sender must be a number like +6281234567890, not '0812'",
        f"{folder.name}/broken.yml:6:9: error: unknown kind of step 'usr'; did you mean 'user'?",
        f"{folder.name}/broken.yml:7:14: error: not a valid regular expression: unterminated character set at position 1",
    ]
    assert "nothing ran" in result.output


def test_a_name_filter_and_an_empty_folder(shop_app: Flask, tmp_path: Path) -> None:
    shutil.copytree(TESTS, tmp_path / "tests")
    result = run(shop_app, str(tmp_path / "tests"), "-k", "English menu")
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed" in result.output
    (tmp_path / "empty").mkdir()
    assert run(shop_app, str(tmp_path / "empty")).exit_code == 1
