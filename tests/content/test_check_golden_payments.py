"""``sandi flows check`` on the payment and answer mistakes of issue 16, against a golden file.

``golden_payments/broken/`` holds flows with one kind of mistake each (an
unbound payment code, an amount on a purpose that binds nothing, channels a
payment may not use, digits bounds no answer meets), laid over a copy of the
bundled shop. ``golden_payments/check.txt`` is the exact output; regenerate
it with ``SANDI_UPDATE_GOLDEN=1 pytest -k golden_payments`` and read the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import main
from app.config import ROOT

GOLDEN = Path(__file__).with_name("golden_payments")


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(GOLDEN / "broken", tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_payment_and_answer_mistakes_match_the_golden_file(broken: Path) -> None:
    result = CliRunner().invoke(main, ["flows", "check", "flows", "--templates", "templates"])
    assert result.exit_code == 1
    path = GOLDEN / "check.txt"
    if os.environ.get("SANDI_UPDATE_GOLDEN"):
        path.write_text(result.output, encoding="utf-8")
    assert result.output == path.read_text(encoding="utf-8")


def test_the_bundled_shop_has_none_of_them() -> None:
    result = CliRunner().invoke(
        main,
        ["flows", "check", str(ROOT / "flows"), "--templates", str(ROOT / "templates")],
    )
    assert result.exit_code == 0, result.output
    assert "0 warning(s)" in result.output


def test_a_channel_the_operator_forbids_is_a_warning_not_a_refusal_to_start() -> None:
    """The operator's policy may change before the flow is used; the flow still loads,
    and `sandi flows check` says what every customer would meet."""
    result = CliRunner().invoke(
        main,
        ["flows", "check", str(ROOT / "flows"), "--templates", str(ROOT / "templates")],
        env={"SANDI_EMAIL_OTP_PURPOSES": "signup, login"},
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].endswith(
        "flows/change_email.yml:31:14: warning: purpose 'change_email' may not send codes by "
        "email (allowed: sms, whatsapp, call, flashcall, auto): every code request by it is refused"
    )
