"""``sandi chat``: talk to the flows in the terminal as a customer would."""

from __future__ import annotations

import logging
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from app.content.messages import Channel
from app.flow_tests.driver import Simulator
from app.web.current import services
from app.web.sim_codes import cancel_pending, code_addresses
from app.web.twilio_request import Rejected, e164

QUIT = {"/quit", "/exit"}


@click.command("chat")
@click.option("--channel", type=click.Choice(["whatsapp", "sms"]), default="whatsapp")
@click.option("--from", "sender", default="+6281234567890", help="The customer's number (E.164).")
@click.option("--name", default="Budi", help="WhatsApp profile name.")
@click.option(
    "--lang", default=None, help="Start in this language (one of SANDI_LOCALES: id, en...)."
)
@click.option("--reset/--keep", default=True, help="Start a fresh conversation (default).")
@click.option("--verbose", is_flag=True, help="Show the server's log lines too.")
@with_appcontext
def chat_command(
    channel: str, sender: str, name: str, lang: str | None, reset: bool, verbose: bool
) -> None:
    """Chat with the flows; OTPs and other outbound messages show inline.

    Type /quit to leave. Messages go through the real signed webhook, so this
    is exactly what a customer gets. The server's own log lines (warnings
    included) are kept out of the conversation unless --verbose.
    """
    app_log = logging.getLogger("app")
    level = app_log.level
    if not verbose:
        app_log.setLevel(logging.ERROR)
    try:
        _chat(channel, sender, name, lang, reset)
    finally:
        app_log.setLevel(level)


def _chat(channel: str, sender: str, name: str, lang: str | None, reset: bool) -> None:
    try:
        number = e164(sender, "--from")
    except Rejected as err:
        raise click.BadParameter(str(err)) from None
    svc = services()
    if lang and lang not in svc.settings.locales:
        raise click.BadParameter(
            f"must be one of {', '.join(svc.settings.locales)}", param_hint="--lang"
        )
    sim = Simulator(current_app._get_current_object(), svc)  # type: ignore[attr-defined]
    chan = Channel(channel)
    if reset or lang:
        cancel_pending(svc, chan, number)
        for address in [number, *code_addresses(svc, chan, number)]:
            svc.outbox.clear(address)
        sim.reset(chan, number, {"locale": lang} if lang else {})
    seen = {number: len(svc.outbox.read(number))}
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
        for address in [number, *code_addresses(svc, chan, number)]:
            # A code sent elsewhere (change_email's new address) shows too, with where it went.
            entries = svc.outbox.read(address)
            for entry in entries[seen.setdefault(address, 0) :]:
                where = "" if address == number else f" to {address}"
                click.secho(f"  [{entry['channel']}{where}] ", fg="yellow", nl=False)
                click.echo(_describe(entry))
            seen[address] = len(entries)


def _describe(entry: dict[str, Any]) -> str:
    extra = entry.get("extra") or {}
    if entry.get("channel") == "flashcall" and extra.get("caller"):
        return f"missed call from {extra['caller']}"
    if entry.get("channel") == "email" and extra.get("subject"):
        return str(extra["subject"])  # the subject names the code; the body is a whole letter
    return str(entry.get("body", ""))
