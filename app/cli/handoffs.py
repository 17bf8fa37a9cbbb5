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
    inbox = current_app.extensions["sandi"].inbox
    released = inbox.release(normalised, Channel(channel) if channel else None, "cli")
    if not released:
        click.echo(f"no handoff active for {normalised}", err=True)
        raise SystemExit(1)
    for done in released:
        click.echo(f"released {done.conversation}")


@handoff.command("list")
def waiting() -> None:
    """Conversations waiting for a person (as /inbox shows them), the longest-waiting first."""
    items = current_app.extensions["sandi"].inbox.waiting()
    if not items:
        click.echo("no conversation is handed off")
    for w in items:
        since = datetime.fromtimestamp(w.since, UTC).isoformat()
        until = datetime.fromtimestamp(w.until, UTC).isoformat()
        who = f"  assigned to {w.assigned}" if w.assigned else ""
        click.echo(f"{w.conversation}  since {since}  until {until}{who}")
