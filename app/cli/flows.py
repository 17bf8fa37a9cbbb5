"""``sandi flows check|graph|test|reload``: the marketers' files, checked, drawn, tested, served."""

from __future__ import annotations

import difflib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from app.cli.flow_tests import test_command
from app.config import LOCALES, Settings
from app.content.diagram import diagram, to_dot, to_mermaid
from app.content.registry import check_snapshot
from app.content.restarts import summary
from app.content.snapshot import take
from app.content.source import display_name
from app.store.audit import AuditTrail
from app.store.connection import connect_settings
from app.store.reload_relay import publish_reload, worker_versions
from app.wiring.checks import restart_impact, settings_checks
from app.wiring.flows_reload import check_flows_on_disk


@click.group(help="Check, draw, test and reload the conversation flows.")
def flows() -> None:
    pass


_TEMPLATES_OPTION = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(path_type=Path),
    help="Templates folder (default: SANDI_TEMPLATES_DIR, else ./templates).",
)


def _folders(
    directory: Path | None, templates_dir: Path | None, settings: Settings | None = None
) -> tuple[Path, Path]:
    settings = settings or Settings.load()
    return directory or settings.flows_dir, templates_dir or settings.templates_dir


@flows.command("check")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@_TEMPLATES_OPTION
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    help="json: one object with every problem, for editors and CI.",
)
def check(directory: Path | None, templates_dir: Path | None, output: str) -> None:
    """Check flows, FAQ and templates; print file:line:col problems; exit 1 on errors."""
    settings = Settings.load()
    directory, templates_dir = _folders(directory, templates_dir, settings)
    snapshot = take(directory, templates_dir, settings.locales)
    flowset, _, problems = check_snapshot(snapshot, settings_checks(settings.raw))
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    place = display_name(directory, None)
    if output == "json":
        click.echo(
            json.dumps(
                {
                    "ok": flowset is not None,
                    "version": snapshot.version,
                    "errors": errors,
                    "warnings": warnings,
                    "flows": len(flowset.flows) if flowset else None,
                    "faq": len(flowset.faq) if flowset else None,
                    "problems": [
                        {
                            "file": p.where.file,
                            "line": p.where.line,
                            "col": p.where.col,
                            "severity": p.severity,
                            "message": p.message,
                        }
                        for p in problems
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        if flowset is None:
            raise SystemExit(1)
        return
    for problem in problems:
        click.echo(problem.line())
    if flowset is None:
        click.echo(f"{errors} error(s), {warnings} warning(s) in {place}")
        raise SystemExit(1)
    click.echo(
        f"ok: {len(flowset.flows)} flows, {len(flowset.faq)} FAQ entries, "
        f"{warnings} warning(s) in {place} (version {snapshot.version})"
    )


@flows.command("graph")
@click.argument("flow", required=False)
@click.option(
    "--format",
    "output",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    help="mermaid (GitHub and editors render it) or dot (Graphviz).",
)
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Flows folder.")
@click.option(
    "--lang",
    type=click.Choice(list(LOCALES)),
    help="The language of the button texts on the arrows (default: SANDI_DEFAULT_LOCALE).",
)
@_TEMPLATES_OPTION
def graph(
    flow: str | None,
    output: str,
    directory: Path | None,
    templates_dir: Path | None,
    lang: str | None = None,
) -> None:
    """Draw FLOW (default: every flow) as a diagram: steps, branches, codes, handoffs, ends.

    Without FLOW, Mermaid comes as Markdown (a heading and a block per flow):
    `sandi flows graph > FLOWS.md` renders on GitHub.
    """
    settings = Settings.load()
    directory, templates_dir = _folders(directory, templates_dir, settings)
    flowset, _, problems = check_snapshot(
        take(directory, templates_dir, settings.locales), settings_checks(settings.raw)
    )
    if flowset is None:
        for problem in problems:
            if problem.severity == "error":
                click.echo(problem.line(), err=True)
        click.echo("the flows do not check; fix them first", err=True)
        raise SystemExit(1)
    names = list(flowset.flows)
    if flow is not None and flow not in flowset.flows:
        close = difflib.get_close_matches(flow, names, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f" (flows: {', '.join(names)})"
        click.echo(f"no flow '{flow}'{hint}", err=True)
        raise SystemExit(1)
    draw = to_dot if output == "dot" else to_mermaid
    locale = lang or settings.default_locale
    if flow is not None:
        click.echo(draw(diagram(flowset.flows[flow], locale)), nl=False)
        return
    for index, name in enumerate(names):
        drawn = draw(diagram(flowset.flows[name], locale))
        if output == "dot":
            click.echo(drawn, nl=False)
            continue
        click.echo(("\n" if index else "") + f"## {name}\n\n```mermaid\n{drawn}```")


@flows.command("reload")
@click.option(
    "--wait",
    default=10.0,
    show_default=True,
    help="Seconds to wait for every running worker to serve the new version.",
)
def reload(wait: float) -> None:
    """Check the flows on disk, then have every running server worker reload them.

    Nothing is published when the flows have errors: the servers keep the
    flows they serve. Same as SIGHUP to gunicorn's master.
    """
    settings = Settings.load()
    version, problems, flowset = check_flows_on_disk(settings)
    for problem in problems:
        click.echo(problem.line())
    errors = [p for p in problems if p.severity == "error"]
    if errors or flowset is None:
        click.echo(f"{len(errors)} error(s): not reloaded; the servers keep their flows")
        raise SystemExit(1)
    redis = connect_settings(settings)
    restarts = restart_impact(redis)(flowset)
    if restarts:
        click.echo(summary(restarts) + ":")
        for restart in restarts:
            click.echo(f"  {restart}")
    generation = publish_reload(redis)
    AuditTrail(redis).record(datetime.now(UTC), "cli", "flows reload", version, "local")
    click.echo(f"reload requested (generation {generation}) for flows version {version}")
    deadline = time.monotonic() + wait
    while True:
        workers = worker_versions(redis)
        behind = {w: s for w, s in workers.items() if s.get("version") != version}
        if not behind or time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    if not workers:
        click.echo("no server is running (none reported lately); servers load these flows at start")
        return
    if behind:
        for worker, state in sorted(behind.items()):
            click.echo(f"  {worker} still serves {state.get('version')}")
        click.echo(f"{len(behind)} of {len(workers)} worker(s) not on {version} after {wait:g}s")
        raise SystemExit(1)
    click.echo(f"{len(workers)} worker(s) serve version {version}")


flows.add_command(test_command)
