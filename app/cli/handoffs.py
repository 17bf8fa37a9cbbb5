"""``sandi handoff release|list``: conversations handed to a person."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from app.content.messages import Channel
from app.web.twilio_request import Rejected, e164

handoff = AppGroup("handoff", help="Conversations handed to a person.")


@handoff.command("release")
@click.argument("number")
@click.option("--channel", type=click.Choice([c.value for c in Channel]), default=None)
def release(number: str, channel: str | None) -> None:
    """Give NUMBER's conversation (WhatsApp and SMS, or --channel) back to the bot."""
    try:
        normalised = e164(number.removeprefix("whatsapp:").strip(), "NUMBER")
    except Rejected as err:
        raise click.BadParameter(str(err), param_hint="NUMBER") from None
    desk = current_app.extensions["sandi"].handoffs
    released = desk.release(normalised, Channel(channel) if channel else None)
    if not released:
        click.echo(f"no handoff active for {normalised}", err=True)
        raise SystemExit(1)
    for cid in released:
        click.echo(f"released {cid}")


@handoff.command("list")
def waiting() -> None:
    """Conversations waiting for a person, with when the bot takes them back."""
    items = current_app.extensions["sandi"].handoffs.waiting()
    if not items:
        click.echo("no conversation is handed off")
    for cid, until in items:
        click.echo(f"{cid}  until {datetime.fromtimestamp(until, UTC).isoformat()}")
