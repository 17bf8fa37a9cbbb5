"""``sandi chat`` in the terminal, through the real webhook."""

from __future__ import annotations

from app.cli.chat import chat_command
from app.web.current import EXTENSION
from tests.support.outbox import sandbox_send


def test_chat_shows_replies_and_new_outbox_entries(app) -> None:
    runner = app.test_cli_runner()
    services = app.extensions[EXTENSION]
    # Something queued before the session is not shown again.
    result = runner.invoke(chat_command, ["--lang", "en"], input="halo\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "Chatting as +6281234567890 on whatsapp" in result.output
    assert "bot> Hello Budi! Welcome to Toko Kenari" in result.output  # --lang wins
    assert "[1] Verify my number" in result.output
    sandbox_send(services, "sms", "+6281234567890", "Kode: 123456")
    result = runner.invoke(chat_command, ["--keep"], input="menu\n")
    assert "[sms] Kode: 123456" not in result.output  # sent before this session started
    assert "[4] Talk to a person" in result.output


def test_chat_refuses_a_bad_number(app) -> None:
    result = app.test_cli_runner().invoke(chat_command, ["--from", "0812"])
    assert result.exit_code == 2
    assert "E.164" in result.output


def test_chat_on_sms(app) -> None:
    result = app.test_cli_runner().invoke(
        chat_command, ["--channel", "sms", "--from", "+6591234567"], input="hello\n/quit\n"
    )
    assert "bot> Hello! Welcome to Toko Kenari" in result.output
