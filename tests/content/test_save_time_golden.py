"""Every mistake that once reached a customer, caught by ``sandi flows check``: one golden file each.

``save_time/<case>/`` holds the files of one mistake (its comment says
which), laid over a copy of the bundled shop; ``save_time/<case>/expected.txt``
is exactly what ``sandi flows check`` prints for it: the message in plain
words, at the line and column to change. The reload runs the same check
(``test_the_reload_refuses_it_with_the_same_words``). After a deliberate change
to a message, regenerate with ``SANDI_UPDATE_GOLDEN=1 pytest -k save_time`` and
read the diff before committing.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import main
from app.config import ROOT
from app.content.registry import check_snapshot
from app.content.snapshot import take
from app.wiring.checks import settings_checks

CASES = Path(__file__).with_name("save_time")
NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())
#: Every kind of mistake issue 16 lists has a case.
EXPECTED_CASES = {
    "channel_typo", "channel_choice", "channel_purpose", "http_timeout", "bare_timeout",
    "thousands", "empty_template", "pattern_expect", "template_name", "yaml_indentation",
    "yaml_colon", "yaml_missing_dash", "yaml_quote", "jinja_unclosed_if", "jinja_lone_brace",
    "condition_unfinished", "cascade",
}  # fmt: skip


def shop_with(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(
        CASES / case, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt")
    )
    monkeypatch.chdir(tmp_path)  # paths print as flows/..., templates/...
    return tmp_path


def check_output() -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["flows", "check", "flows", "--templates", "templates"],
        env={"SANDI_OTP_POLICY_FILE": ""},
    )
    # A clean check names the version (a hash of the files): not part of the message.
    return result.exit_code, re.sub(r"\(version [0-9a-f]{12}\)", "(version ...)", result.output)


def test_every_kind_of_mistake_has_a_case() -> None:
    assert set(NAMES) == EXPECTED_CASES
    for name in NAMES:
        assert (CASES / name / "expected.txt").is_file(), name


@pytest.mark.parametrize("case", NAMES)
def test_the_check_says_it_in_plain_words_at_the_right_place(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop_with(case, tmp_path, monkeypatch)
    code, output = check_output()
    golden = CASES / case / "expected.txt"
    if os.environ.get("SANDI_UPDATE_GOLDEN"):
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")
    errors = [line for line in output.splitlines() if ": error: " in line]
    warnings = [line for line in output.splitlines() if ": warning: " in line]
    assert errors or warnings, "the mistake must be reported"
    assert code == (1 if errors else 0)
    # Once: a mistake is one line, never repeated.
    assert len(set(errors + warnings)) == len(errors + warnings)
    assert "YAML syntax" not in output and "end of print statement" not in output


@pytest.mark.parametrize("case", NAMES)
def test_the_reload_refuses_it_with_the_same_words(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's reload runs the one check of a version: same problems, same places."""
    shop = shop_with(case, tmp_path, monkeypatch)
    flowset, _, problems = check_snapshot(
        take(shop / "flows", shop / "templates"), settings_checks({})
    )
    golden = (CASES / case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert [p.line() for p in problems] == golden[:-1]
    assert (flowset is None) == any(p.severity == "error" for p in problems)
