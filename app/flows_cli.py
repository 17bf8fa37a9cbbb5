"""``sandi flows check`` and ``sandi handoff ...``: the conversation commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.config import Settings
from app.conversation.loader import check_flows
from app.conversation.model import Channel
from app.conversation.render import Templates
from app.web.twilio_request import Rejected, e164


@click.group(help="Check the conversation flows.")
def flows() -> None:
    pass


@flows.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path),
    help="Templates folder (default: SANDI_TEMPLATES_DIR, else ./templates).",
)
def check(directory: Path | None, templates_dir: Path | None) -> None:
    """Check flows, FAQ and templates; print file:line:col problems; exit 1 on errors."""
    settings = Settings.load()
    directory = directory or settings.flows_dir
    templates = Templates(templates_dir or settings.templates_dir)
    flowset, problems = check_flows(directory, templates)
    for problem in problems:
        click.echo(str(problem), err=problem.severity == "error")
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors or flowset is None:
        click.echo(f"{errors} error(s), {warnings} warning(s) in {directory}", err=True)
        raise SystemExit(1)
    click.echo(
        f"ok: {len(flowset.flows)} flows, {len(flowset.faq)} FAQ entries, "
        f"{warnings} warning(s) in {directory}"
    )


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
