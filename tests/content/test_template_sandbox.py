"""Issue 13.3: a marketer's template cannot run server code, and `sandi flows check` says why.

The attack: ``{{ cycler.__init__.__globals__.os.popen('id').read() }}`` in a
message template ran on the server. Here it must fail to render (chat text,
OTP text, e-mail HTML) and be refused by the check with file:line:col.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pytest
from click.testing import CliRunner
from jinja2.exceptions import SecurityError

from app.channels.email import EmailChannel
from app.channels.settings import ChannelSettings
from app.cli.main import main
from app.config import ROOT, Settings
from app.content.render import Templates
from app.otp.ports import CodeMessage

#: Reads the server's process id through Python internals: harmless, but proves the breach.
GLOBALS_PAYLOAD = "{{ cycler.__init__.__globals__.os.getpid() }}"
CLASS_PAYLOAD = "{{ brand.__class__.__mro__[1].__subclasses__() }}"
ITEM_PAYLOAD = "{{ brand['__class__'] }}"


def templates_with(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", root)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("payload", [GLOBALS_PAYLOAD, CLASS_PAYLOAD, ITEM_PAYLOAD])
def test_a_message_template_cannot_reach_python_internals(tmp_path: Path, payload: str) -> None:
    root = templates_with(tmp_path, {"en/otp_sms.j2": "Code {{ code }} " + payload})
    with pytest.raises((SecurityError, jinja2.UndefinedError)):
        out = Templates(root).render("otp_sms", "en", {"code": "123456", "brand": "TokoKu"})
        # On an unsandboxed environment the payload renders: make that visible.
        pytest.fail(f"the template ran: {out!r} (pid {os.getpid()})")


def test_the_otp_email_html_cannot_reach_python_internals(tmp_path: Path) -> None:
    root = templates_with(tmp_path, {"en/otp_email_html.j2": "<p>{{ code }}</p>" + CLASS_PAYLOAD})
    settings = ChannelSettings.from_settings(Settings.from_mapping({"SANDI_SANDBOX": "1"}))
    channel = EmailChannel(settings, Templates(root), mailer=None, clock=lambda: datetime.now(UTC))  # type: ignore[arg-type]
    message = CodeMessage("VE" + "7" * 32, "a@example.com", "email", "604413", "en", "signup", 600)
    with pytest.raises(SecurityError):
        channel.compose(message)


def check(templates: Path) -> Any:
    return CliRunner().invoke(
        main, ["flows", "check", str(ROOT / "flows"), "--templates", str(templates)]
    )


def test_flows_check_refuses_a_flow_template_touching_underscore_attributes(
    tmp_path: Path,
) -> None:
    menu = (ROOT / "templates/en/welcome/menu.j2").read_text()
    root = templates_with(tmp_path, {"en/welcome/menu.j2": menu + "\n{{ brand.__class__ }}\n"})
    result = check(root)
    assert result.exit_code == 1, result.output
    line = menu.count("\n") + 2
    assert (
        f"templates/en/welcome/menu.j2:{line}:10: error: attribute '__class__' starts with '_'"
        in result.output
    )


def test_flows_check_refuses_unknown_globals_in_an_otp_template(tmp_path: Path) -> None:
    root = templates_with(
        tmp_path, {"id/otp_email_html.j2": "<p>{{ code }}</p>\n" + GLOBALS_PAYLOAD}
    )
    result = check(root)
    assert result.exit_code == 1, result.output
    assert "templates/id/otp_email_html.j2:2:4: error: unknown global 'cycler'" in result.output
    assert "attribute '__init__' starts with '_'" in result.output


def test_item_access_and_attr_filter_are_caught_too(tmp_path: Path) -> None:
    root = templates_with(
        tmp_path,
        {"en/otp_email_text.j2": "{{ code }}\n{{ brand['__class__'] }} {{ brand|attr('_x') }}\n"},
    )
    result = check(root)
    assert result.exit_code == 1, result.output
    assert "templates/en/otp_email_text.j2:2:" in result.output
    assert result.output.count("starts with '_'") == 2
