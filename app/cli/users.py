"""``sandi users``: the staff accounts that may open the pages of a live server.

Passwords are asked for twice on the terminal (or read from standard input
with ``--password-stdin``, for scripts) and stored only as scrypt hashes.
Every change is written to the audit trail, as ``cli``.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.store.staff import StaffError, check_name
from app.wiring.services import Services


def _services() -> Services:
    from app.web.current import services

    return services()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _audit(svc: Services, action: str, name: str) -> None:
    svc.audit.record(svc.clock(), "cli", action, name, "local")


@click.group(
    "users", cls=AppGroup, help="Staff accounts for the pages (simulator, flows, inbox, audit)."
)
def users() -> None:
    pass


_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)


@users.command("add")
@click.argument("name")
@_STDIN
def users_add(name: str, password_stdin: bool) -> None:
    """Add the staff user NAME (asks for a password of at least 12 characters)."""
    svc = _services()
    try:
        check_name(name)
        svc.staff.add(name, _password(password_stdin), svc.clock())
    except StaffError as err:
        raise click.ClickException(str(err)) from None
    _audit(svc, "user added", name)
    click.echo(f"added {name}")


@users.command("list")
def users_list() -> None:
    """List staff users (name, created, password changed); never a password."""
    for user in _services().staff.list():
        click.echo(f"{user.name}  created {user.created_at}  password changed {user.changed_at}")


@users.command("remove")
@click.argument("name")
def users_remove(name: str) -> None:
    """Remove NAME and end every session it has open."""
    svc = _services()
    if not svc.staff.remove(name):
        raise click.ClickException(f"no user {name}")
    _audit(svc, "user removed", name)
    click.echo(f"removed {name}")


@users.command("passwd")
@click.argument("name")
@_STDIN
def users_passwd(name: str, password_stdin: bool) -> None:
    """Set NAME's password; its open sessions end."""
    svc = _services()
    try:
        svc.staff.set_password(name, _password(password_stdin), svc.clock())
    except StaffError as err:
        raise click.ClickException(str(err)) from None
    _audit(svc, "password changed", name)
    click.echo(f"password of {name} changed; its sessions ended")
