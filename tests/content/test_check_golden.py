"""``sandi flows check`` on a copy of the shop broken in 31 ways, against golden files.

``golden/broken/`` holds the broken files (one kind of mistake per flow
file, each saying which in its comment), laid over a copy of the bundled
flows and templates. ``golden/check.txt`` and ``golden/check.json`` are what
``sandi flows check`` must print for it, exactly. After a deliberate change
to a message, regenerate them with ``SANDI_UPDATE_GOLDEN=1 pytest -k golden``
and read the diff before committing.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from app.cli.main import main
from app.config import ROOT

GOLDEN = Path(__file__).with_name("golden")


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "flows", tmp_path / "flows", ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(GOLDEN / "broken", tmp_path, dirs_exist_ok=True)
    # Paths print relative to the working directory: flows/..., templates/...
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["flows", "check", "flows", "--templates", "templates", *args]
    )
    return result.exit_code, result.output


def compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SANDI_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_text_output_matches_the_golden_file(broken: Path) -> None:
    code, output = check()
    assert code == 1
    compare("check.txt", output)


def test_json_output_matches_the_golden_file(broken: Path) -> None:
    code, output = check("--format", "json")
    assert code == 1
    data = json.loads(output)
    assert len(data.pop("version")) == 12
    compare("check.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def test_the_golden_file_covers_at_least_fifteen_kinds_of_mistake() -> None:
    lines = (GOLDEN / "check.txt").read_text(encoding="utf-8").splitlines()
    files = {
        line.split(":", 1)[0] for line in lines if ": error: " in line or ": warning: " in line
    }
    broken_files = {f"flows/{p.name}" for p in (GOLDEN / "broken" / "flows").glob("*.yml")}
    # Every broken file is reported, plus its templates: no mistake goes unnoticed.
    assert broken_files <= files
    kinds = [
        'this " is never closed: add the closing "',  # syntax
        "'expect:' is indented further than 'ask:' on line 5",  # wrong indentation
        "unknown key 'tires'; did you mean 'tries'?",
        "unknown kind of step 'sya'; did you mean 'say'?",
        "unknown step 'finsh'; did you mean 'finish'?",
        "missing template 'golden/does_not_exist'",
        "unknown flow 'verfy_number'; did you mean 'verify_number'?",
        "has no en version",  # missing translation
        "unknown variable 'nama_pelanggan'",  # in a template
        "unknown variable 'total_belanja'",  # in a condition
        "{% if %} is never closed: add {% endif %}",
        "is not in the SMS alphabet (GSM-7)",
        "more than 3 SMS parts",
        "nobody can reach this step",
        "step id 'greet' is used twice",
        "flow 'agent' is also defined at",
        "cannot read the condition 'amount >'",
        "'pattern' is not a valid regular expression",
        "'choices' (step 1) must not be empty",
        "not 'emial'; did you mean 'email'?",
        "'tries' (step 1) must be a whole number",
        "trigger 'halo' also starts flow 'welcome'",
        "'help' is also the 'help' command, which wins",
        "FAQ question 'apa itu otp' is the same as one of 'what_is_otp'",
        "FAQ question 'kode otp berlaku berapa lama' is too close to 'how_long'",
        "FAQ question 'verify my number' is also a trigger of flow 'verify_number'",
        "FAQ question 'main menu' is also the 'menu' command",
        "loop that never waits for the customer",
        "no way out",
        "no otp_issue step with purpose 'login'",
    ]
    text = "\n".join(lines)
    missing = [k for k in kinds if k not in text]
    assert not missing
    assert len(kinds) >= 15
    assert lines[-1] == "29 error(s), 11 warning(s) in flows"
