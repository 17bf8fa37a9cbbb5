"""``sandi sandbox reset`` and the start-up banner of ``sandi run`` / ``make run``."""

from __future__ import annotations

import importlib.util

import click
from flask.cli import with_appcontext

from app.config import ConfigError, Settings
from app.content.source import display_name
from app.project import bundled, home
from app.store.sandbox_reset import reset_sandbox
from app.web.current import services
from app.web.start import LINKS


@click.group("sandbox", help="Sandbox mode: what would have been sent, and the send limits.")
def sandbox() -> None:
    pass


@sandbox.command("reset")
@with_appcontext
def sandbox_reset() -> None:
    """Forget every send count and empty every outbox (sandbox mode only)."""
    s = services()
    if not s.settings.sandbox:
        raise click.ClickException("sandi sandbox reset works only in sandbox mode")
    limits, outboxes = reset_sandbox(s.redis)
    click.echo(f"sandbox reset: {limits} send-limit counter(s) and {outboxes} outbox(es) cleared")


def banner(host: str, port: int, settings: Settings) -> list[str]:
    """The lines ``sandi run`` prints first: where to click, before Flask's own lines."""
    # Listening on every interface: this machine's own address is the one to click.
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only compared
    base = f"http://{shown}:{port}"
    mode = "sandbox delivery: nothing leaves this machine" if settings.sandbox else "Twilio"
    lines = [f"Sandi is starting ({settings.env} mode, {mode}). Open {base}/"]
    if settings.live or settings.production:
        lines.append("  Pages need a staff login here (add one with: sandi users add NAME)")
    for endpoint, path, label, _ in LINKS:
        if endpoint.startswith("inbox.") and importlib.util.find_spec("app.web.inbox") is None:
            continue
        lines.append(f"  {label + ':':11s} {base}{path}")
    lines.extend(content_lines(settings))
    return lines


def content_lines(settings: Settings) -> list[str]:
    """Which flows and templates this server serves: the folder's own, or the bundled demo."""
    lines = []
    for label, folder, name in (
        ("flows", settings.flows_dir, "flows"),
        ("templates", settings.templates_dir, "templates"),
    ):
        if folder == bundled(name) and not (home() / name).is_dir():
            lines.append(
                f"  {label + ':':11s} the bundled demo ({folder}): there is no ./{name} here "
                "(sandi init DIR writes a project of your own)"
            )
        else:
            shown = display_name(folder, None)
            lines.append(f"  {label + ':':11s} {shown if shown.startswith('/') else './' + shown}")
    return lines


def print_banner(host: object, port: object) -> None:
    """The URLs a newcomer opens, printed before Flask's own lines (``sandi run``)."""
    try:
        settings = Settings.load()
    except ConfigError:
        return  # Flask's run will load the app and say what is wrong
    for line in banner(str(host or "127.0.0.1"), int(str(port or 5000)), settings):
        click.secho(line, fg="green" if line.startswith("Sandi") else None)
