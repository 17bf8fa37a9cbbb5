"""``sandi flows check`` and a server that refuses to start on broken flows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main
from app.config import ROOT
from app.conversation.source import FlowError


def check(*args: str) -> Any:
    return CliRunner().invoke(main, ["flows", "check", *args])


def test_bundled_flows_pass() -> None:
    result = check(str(ROOT / "flows"), "--templates", str(ROOT / "templates"))
    assert result.exit_code == 0, result.output
    assert "ok: 5 flows, 15 FAQ entries, 0 warning(s)" in result.output


def test_broken_copy_prints_file_line_col_and_exits_1(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    text = (flows / "welcome.yml").read_text()
    (flows / "welcome.yml").write_text(text.replace("goto_flow: verify_number", "goto_flow: verfy"))
    result = check(str(flows), "--templates", str(ROOT / "templates"))
    assert result.exit_code == 1
    assert (
        "flows/welcome.yml:21:20: unknown flow 'verfy'; did you mean 'verify_number'?"
        in result.output
    )
    assert "1 error(s), 0 warning(s)" in result.output


def test_missing_folder() -> None:
    result = check("/nonexistent/flows")
    assert result.exit_code == 1
    assert "the flows folder does not exist" in result.output


def test_create_app_refuses_broken_flows(app_config: dict[str, Any], tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    (flows / "agent.yml").write_text("flow: agent\nsteps:\n  - handoff: agent/nope\n")
    app_config["SANDI_FLOWS_DIR"] = str(flows)
    with pytest.raises(FlowError) as caught:
        create_app(app_config)
    assert "flows/agent.yml:3:14: missing template 'agent/nope'" in str(caught.value)
