"""``sandi fraud``: the operator's hand on the fraud guard.

``allow`` / ``deny`` a number prefix, a country or a client IP; ``list`` the
lists and the blocks in force; ``unblock`` a prefix or country the guard
blocked (its counts start afresh), e.g. after a customer calls in. A
self-contained click group, registered by one line in :mod:`app.cli.main`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from app.otp import fraud_admin
from app.otp.codes import CodeHasher
from app.otp.errors import OtpError
from app.otp.fraud import FraudStore
from app.otp.fraud_lists import KINDS


def _store() -> tuple[FraudStore, CodeHasher, datetime]:
    from app.web.current import services

    s = services()
    return s.fraud, s.otp.hasher, s.clock()


@click.group("fraud", cls=AppGroup, help="Fraud guard: allow/deny lists, blocks, unblocking.")
def fraud() -> None:
    pass


def _set(action: str, kind: str, value: str, note: str) -> None:
    store, _, now = _store()
    try:
        entry = fraud_admin.set_entry(store, kind, value, action, note, now)
    except OtpError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"{action} {entry.kind} {entry.value}")


_KIND = click.argument("kind", type=click.Choice(KINDS))
_NOTE = click.option("--note", default="", help="Why (shown by `sandi fraud list`).")


@fraud.command("allow")
@_KIND
@click.argument("value")
@_NOTE
def allow(kind: str, value: str, note: str) -> None:
    """Never block KIND VALUE: a prefix or whole number (e.g. a test phone), a
    country (never blocked whole), or an IP (never blocked as a source)."""
    _set("allow", kind, value, note)


@fraud.command("deny")
@_KIND
@click.argument("value")
@_NOTE
def deny(kind: str, value: str, note: str) -> None:
    """Refuse every SMS, call and flash call to KIND VALUE (or from an IP)."""
    _set("deny", kind, value, note)


@fraud.command("remove")
@_KIND
@click.argument("value")
def remove(kind: str, value: str) -> None:
    """Take KIND VALUE off the allow or deny list."""
    store, _, _ = _store()
    try:
        removed = fraud_admin.remove_entry(store, kind, value)
    except OtpError as err:
        raise click.ClickException(err.message) from None
    if not removed:
        raise click.ClickException(f"{kind} {value} is on no list")
    click.echo(f"removed {kind} {value}")


@fraud.command("list")
def list_() -> None:
    """The allow and deny lists, then the blocks in force (with the id to unblock)."""
    store, _, now = _store()
    entries = store.entries()
    click.echo("lists:" if entries else "lists: (empty)")
    for e in entries:
        note = f"  # {e.note}" if e.note else ""
        click.echo(f"  {e.action:5} {e.kind:7} {e.value}  (since {e.at}){note}")
    blocks = store.blocks(int(now.timestamp() * 1000))
    click.echo("blocks:" if blocks else "blocks: (none)")
    for b in blocks:
        until = datetime.fromtimestamp(b.until_ms / 1000, UTC).isoformat(timespec="minutes")
        click.echo(f"  {b.scope}:{b.id}  {b.shown} ({b.country})  {b.reason}  until {until}")


@fraud.command("unblock")
@click.argument("target")
def unblock(target: str) -> None:
    """Lift the block on TARGET: a number or prefix (+62812...), a country (ID), or an
    id from `sandi fraud list`. Its counts start afresh."""
    store, hasher, _ = _store()
    try:
        lifted = fraud_admin.unblock(store, hasher, target)
    except OtpError as err:
        raise click.ClickException(err.message) from None
    if not lifted:
        raise click.ClickException(f"nothing is blocked for {target}")
    click.echo(f"unblocked {target}")
