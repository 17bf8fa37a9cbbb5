"""``sandi init DIR`` and ``sandi --version``: the commands of an installed Sandi."""

from __future__ import annotations

from pathlib import Path

import click

from app.__about__ import __version__
from app.project import ProjectError, init_project


def version_option() -> click.Option:
    """``sandi --version``: Sandi's own version (Flask's option prints Flask's)."""
    return click.Option(
        ["--version"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        help="Show Sandi's version and exit.",
        callback=_print_version,
    )


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"sandi {__version__}")
        ctx.exit()


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init_command(directory: Path) -> None:
    """Write a new project into DIRECTORY: demo flows, templates, flow tests and a .env.

    The .env holds a freshly generated SANDI_SECRET_KEY. `sandi run` in DIRECTORY
    serves the project.
    """
    try:
        written = init_project(directory)
    except ProjectError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Wrote {len(written)} files into {directory}.")
    click.echo(f"Next: cd {directory} && sandi run   (then open http://127.0.0.1:5000/simulator)")
