"""The ``sandi`` command: Flask's CLI (``sandi run``, ``sandi routes``) plus ours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click
from flask.cli import FlaskGroup

from app import create_app
from app.cli.chat import chat_command
from app.cli.customers import customers_command
from app.cli.fraud import fraud
from app.cli.project import init_command, version_option
from app.store.api_keys import SCOPES, ApiKeyStore


@click.group(
    cls=FlaskGroup,
    create_app=create_app,
    add_version_option=False,  # Flask's prints Flask's version; ours prints Sandi's
    params=[version_option()],
    help="Sandi chatbot and OTP server.",
)
def main() -> None:
    pass


main.add_command(chat_command)
main.add_command(init_command)


def _register_sandbox_commands() -> None:
    from app.cli.sandbox import sandbox

    main.add_command(sandbox)


_register_sandbox_commands()


def _register_conversation_commands() -> None:
    from app.cli.flows import flows
    from app.cli.handoffs import handoff

    main.add_command(flows)
    main.add_command(handoff)


_register_conversation_commands()
# --- sandi api-keys: keys for the OTP REST API ---------------------------------


def _api_keys() -> tuple[ApiKeyStore, Callable[[], datetime]]:
    from app.web.current import services

    s = services()
    return s.api_keys, s.clock


@main.group("api-keys", help="Create, list and revoke keys for the OTP REST API.")
def api_keys() -> None:
    pass


@api_keys.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(sorted(SCOPES)),
    help="Extra rights: admin reads and erases customer data (/v1/customers).",
)
def api_keys_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a key called NAME; its secret is shown this once only."""
    store, clock = _api_keys()
    key, secret = store.create(name, clock(), scopes)
    click.echo(f"SID:    {key.sid}")
    click.echo(f"Secret: {secret}")
    click.echo(
        "Store the secret now: Sandi keeps only its hash and cannot show it again.", err=True
    )


@api_keys.command("list")
def api_keys_list() -> None:
    """List keys (SID, name, created, revoked); never secrets."""
    store, _ = _api_keys()
    for key in store.list():
        state = f"revoked {key.revoked_at}" if key.revoked_at else "active"
        created = key.created_at or "(from SANDI_API_KEYS)"
        scopes = f"  scopes={','.join(key.scopes)}" if key.scopes else ""
        click.echo(f"{key.sid}  {key.name}  {created}  {state}{scopes}")


@api_keys.command("revoke")
@click.argument("sid")
def api_keys_revoke(sid: str) -> None:
    """Revoke the key with this SID at once."""
    store, clock = _api_keys()
    if not store.revoke(sid, clock()):
        raise click.ClickException(f"no active API key with SID {sid}")
    click.echo(f"revoked {sid}")


def _register_verify_commands() -> None:
    from app.cli.verify import verify_services

    main.add_command(verify_services)


_register_verify_commands()


def _register_users_commands() -> None:
    from app.cli.users import users

    main.add_command(users)


_register_users_commands()


def _register_worker_commands() -> None:
    from app.cli.worker import run_with_worker, worker_command

    main.add_command(worker_command)
    # Replaces Flask's run: the same options, the URLs first, a worker beside it.
    main.add_command(run_with_worker, "run")


_register_worker_commands()
main.add_command(customers_command)
main.add_command(fraud)
