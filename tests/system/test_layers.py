"""The import-linter contracts hold on the tree, and fail when a layer is crossed.

``make lint`` runs ``lint-imports`` on the real tree; these tests prove the
contracts can fail: a copy of ``app/`` with one bad import added must be
refused, naming the contract it breaks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin", "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and " 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("app/conversation/engine.py", "import flask", "plain Python"),
        ("app/otp/service.py", "from app.store import keys", "plain Python"),
        ("app/content/render.py", "import redis", "plain Python"),
        ("app/channels/sms.py", "from app.conversation import engine", "never reach into"),
        ("app/content/flows.py", "from app.conversation import steps", "Layers"),
        ("app/store/keys/base.py", "from app.wiring import services", "Layers"),
    ],
)
def test_a_crossed_layer_is_refused(tree: Path, module: str, line: str, contract: str) -> None:
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [ln for ln in result.stdout.splitlines() if ln.rstrip().endswith("BROKEN")]
    assert any(contract in ln for ln in broken), result.stdout
