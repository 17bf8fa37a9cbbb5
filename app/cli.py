"""The ``sandi`` command: Flask's CLI (``sandi run``, ``sandi routes``) plus ours."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from app import create_app
from app.chat import chat_command


@click.group(cls=FlaskGroup, create_app=create_app, help="Sandi chatbot and OTP server.")
def main() -> None:
    pass


main.add_command(chat_command)


def _register_conversation_commands() -> None:
    from app.flows_cli import flows, handoff

    main.add_command(flows)
    main.add_command(handoff)


_register_conversation_commands()
