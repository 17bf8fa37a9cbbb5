"""``sandi flows test [DIR]``: run the conversation tests, print what differs."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask
from flask.cli import ScriptInfo

from app.content.source import FlowError, Problem, display_name
from app.flow_tests.cases import Case, case_files, load_cases
from app.flow_tests.driver import Simulator
from app.flow_tests.runner import CaseResult, CaseRunner
from app.web.current import services


@click.command("test")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("-k", "match", default=None, help="Only tests whose name contains this text.")
@click.option("-v", "--verbose", is_flag=True, help="Print every conversation, not only failures.")
def test_command(directory: Path | None, match: str | None, verbose: bool) -> None:
    """Run the conversation tests in DIR (default: flows/tests) through the real webhook.

    Uses the app's Redis: each test first resets its sender's conversation
    and sandbox outbox. Exits 1 if any test fails.
    """
    app = _load_app()
    if not verbose:
        # The conversation is in the report; one log line per message would bury it.
        logging.getLogger("app").setLevel(logging.WARNING)
    with app.app_context():
        svc = services()
        folder = directory or svc.settings.flows_dir / "tests"
        files = case_files(folder) if folder.is_dir() else []
        if not files:
            click.echo(f"no conversation tests (*.yml) in {folder}", err=True)
            raise SystemExit(1)
        loaded: list[tuple[Path, list[Case]]] = []
        problems: list[Problem] = []
        for path in files:
            cases, found = load_cases(path, folder)
            problems += found
            loaded.append((path, [c for c in cases if not match or match in c.name]))
        if problems:
            for problem in problems:
                click.echo(problem.line(), err=True)
            click.echo(f"{len(problems)} error(s) in the test files; nothing ran", err=True)
            raise SystemExit(1)
        runner = CaseRunner(Simulator(app, svc), svc)
        passed = failed = 0
        try:
            for path, cases in loaded:
                if not cases:
                    continue
                click.echo(click.style(_name(path, folder), bold=True))
                for case in cases:
                    result = runner.run(case)
                    _report(result, verbose)
                    passed += result.passed
                    failed += not result.passed
        finally:
            runner.close()  # the loopback back end of the tests that declare http:
    summary = f"{passed} passed, {failed} failed"
    click.echo(click.style(summary, fg="red" if failed else "green"))
    if failed or not passed:
        raise SystemExit(1)


def _load_app() -> Flask:
    info = click.get_current_context().ensure_object(ScriptInfo)
    try:
        app = info.load_app()
    except FlowError as err:
        for problem in err.problems:
            click.echo(problem.line(), err=True)
        click.echo("the flows do not check; fix them first (sandi flows check)", err=True)
        raise SystemExit(1) from None
    from app.wiring.flows_reload import RELOADER

    reloader = app.extensions.get(RELOADER)
    if reloader is not None:
        reloader.disabled = True  # a test run is not a server: no watching, no reports
    return app


def _name(path: Path, folder: Path) -> str:
    return display_name(path, folder)


def _report(result: CaseResult, verbose: bool) -> None:
    mark = click.style("PASS", fg="green") if result.passed else click.style("FAIL", fg="red")
    click.echo(f"  {mark}  {result.case.name}")
    if result.failure is None and not verbose:
        return
    if result.failure is not None:
        f = result.failure
        click.echo(f"        {f.where}: {f.message}")
        for line in f.details:
            click.echo(f"          {line}")
    if result.transcript and (verbose or result.failure is not None):
        click.echo("        conversation:")
        for who, text in result.transcript:
            lines = text.splitlines() or [""]
            click.echo(f"          {who:>6}: {lines[0]}")
            for line in lines[1:]:
                click.echo(f"                  {line}")
