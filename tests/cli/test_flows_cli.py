"""``sandi flows check`` and a server that refuses to start on broken flows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli.main import main
from app.config import ROOT
from app.content.source import FlowError


def check(*args: str) -> Any:
    return CliRunner().invoke(main, ["flows", "check", *args])


def test_bundled_flows_pass() -> None:
    result = check(str(ROOT / "flows"), "--templates", str(ROOT / "templates"))
    assert result.exit_code == 0, result.output
    assert "ok: 6 flows, 15 FAQ entries, 0 warning(s)" in result.output


def test_broken_copy_prints_file_line_col_and_exits_1(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    text = (flows / "welcome.yml").read_text()
    (flows / "welcome.yml").write_text(text.replace("goto_flow: verify_number", "goto_flow: verfy"))
    result = check(str(flows), "--templates", str(ROOT / "templates"))
    assert result.exit_code == 1
    assert (
        "flows/welcome.yml:21:20: error: unknown flow 'verfy'; did you mean 'verify_number'?"
        in result.output
    )
    assert "1 error(s), 0 warning(s)" in result.output


def test_an_otp_sms_too_long_for_one_segment_is_an_error(tmp_path: Path) -> None:
    """The check a reload makes of the OTP SMS, so `check` and a reload agree."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    sms = templates / "en" / "otp_sms.j2"
    sms.write_text(sms.read_text().strip() + " Thank you for shopping with us!" * 4 + "\n")
    result = check(str(ROOT / "flows"), "--templates", str(templates))
    assert result.exit_code == 1, result.output
    assert "templates/en/otp_sms.j2:1:1: error: renders up to" in result.output
    assert "one segment (160)" in result.output


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


def graph(*args: str) -> Any:
    return CliRunner().invoke(main, ["flows", "graph", *args])


def test_graph_prints_one_flow_as_mermaid() -> None:
    result = graph("verify_number", "--dir", str(ROOT / "flows"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "flowchart TD"
    assert "  start((start)) --> choose_channel" in lines
    # OTP steps, their error branches (dashed) and the ends are all drawn.
    assert '  send_code[["send_code<br/>send code: verify_number via code_channel"]]' in lines
    assert '  send_code -.->|"error"| send_failed' in lines
    assert '  enter_code -->|"code ok"| step4' in lines
    assert '  enter_code -.->|"too many tries"| too_many_tries' in lines
    assert "  class send_code,enter_code otp" in lines


def test_graph_draws_branches_handoffs_and_other_flows() -> None:
    change = graph("change_email").output
    assert 'step3{"check: not address_ok<br/>if not address_ok"}' in change
    assert 'step3 -->|"yes"| ask_address' in change
    assert 'step3 -->|"no"| send_code' in change
    assert 'step1>"hand over to a person<br/>hand off agent/connecting"]' in graph("agent").output
    welcome = graph("welcome").output
    # The arrows say the button text customers see, in the language asked for.
    assert 'menu -->|"Verifikasi nomor saya"| to_verify_number' in welcome
    assert (
        'menu -->|"Verify my number"| to_verify_number' in graph("welcome", "--lang", "en").output
    )
    assert 'to_verify_number(("flow verify_number"))' in welcome


def test_graph_of_every_flow_is_markdown_and_dot_is_graphviz() -> None:
    everything = graph().output
    assert everything.count("```mermaid") == 6
    assert "## welcome\n\n```mermaid\nflowchart TD" in everything
    dot = graph("faq", "--format", "dot").output
    assert dot.startswith('digraph "faq" {')
    assert '"step3" -> "question" [label="yes"];' in dot
    assert dot.rstrip().endswith("}")


def test_graph_of_an_unknown_or_broken_flow(tmp_path: Path) -> None:
    result = graph("verfy_number")
    assert result.exit_code == 1
    assert "no flow 'verfy_number'; did you mean 'verify_number'?" in result.output
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    (flows / "agent.yml").write_text("flow: agent\nsteps:\n  - handoff: agent/nope\n")
    broken = graph("agent", "--dir", str(flows))
    assert broken.exit_code == 1
    assert "agent.yml:3:14: error: missing template 'agent/nope'" in broken.output


def test_check_json_on_good_flows() -> None:
    import json

    result = check(str(ROOT / "flows"), "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["ok"] is True
    assert (data["errors"], data["warnings"], data["flows"], data["faq"]) == (0, 0, 6, 15)
    assert data["problems"] == []
