"""``sandi chat``: talk to the flows in the terminal as a customer would."""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from app.content.messages import Channel
from app.flow_tests.driver import Simulator
from app.web.current import services
from app.web.twilio_request import Rejected, e164

QUIT = {"/quit", "/exit"}


@click.command("chat")
@click.option("--channel", type=click.Choice(["whatsapp", "sms"]), default="whatsapp")
@click.option("--from", "sender", default="+6281234567890", help="The customer's number (E.164).")
@click.option("--name", default="Budi", help="WhatsApp profile name.")
@click.option(
    "--lang", type=click.Choice(["id", "en"]), default=None, help="Start in this language."
)
@click.option("--reset/--keep", default=True, help="Start a fresh conversation (default).")
@with_appcontext
def chat_command(channel: str, sender: str, name: str, lang: str | None, reset: bool) -> None:
    """Chat with the flows; OTPs and other outbound messages show inline.

    Type /quit to leave. Messages go through the real signed webhook, so this
    is exactly what a customer gets.
    """
    try:
        number = e164(sender, "--from")
    except Rejected as err:
        raise click.BadParameter(str(err)) from None
    svc = services()
    sim = Simulator(current_app._get_current_object(), svc)  # type: ignore[attr-defined]
    chan = Channel(channel)
    if reset or lang:
        sim.reset(chan, number, {"locale": lang} if lang else {})
        svc.outbox.clear(number)
    seen = len(svc.outbox.read(number))
    click.secho(f"Chatting as {number} on {channel}. /quit to leave.", dim=True)
    while True:
        try:
            text = click.prompt(click.style("you", fg="green"), prompt_suffix="> ")
        except (click.Abort, EOFError):
            click.echo()
            return
        if text.strip().lower() in QUIT:
            return
        exchange = sim.send(
            chan, number, text, profile_name=name if chan is Channel.WHATSAPP else None
        )
        if exchange.status != 200:
            click.secho(f"  [webhook answered {exchange.status}]", fg="red")
        for reply in exchange.replies:
            click.secho("bot> ", fg="cyan", nl=False)
            click.echo(reply.text)
            for i, button in enumerate(reply.buttons, start=1):
                click.echo(f"     [{i}] {button.title}")
        entries = svc.outbox.read(number)
        for entry in entries[seen:]:
            click.secho(f"  [{entry['channel']}] ", fg="yellow", nl=False)
            click.echo(_describe(entry))
        seen = len(entries)


def _describe(entry: dict[str, Any]) -> str:
    extra = entry.get("extra") or {}
    if entry.get("channel") == "flashcall" and extra.get("caller"):
        return f"missed call from {extra['caller']}"
    return str(entry.get("body", ""))
