"""``sandi customers``: answer a customer's request to see or erase their data.

An operator runs ``sandi customers export +62812...`` when a customer asks
what Sandi holds about them (hand them the JSON), and ``sandi customers
forget +62812...`` when they ask to be erased. Both are written to the audit
trail under the number's keyed digest. See docs/privacy.md.
"""

from __future__ import annotations

import getpass
import json
from typing import IO

import click
from flask.cli import AppGroup

from app.store.turns import LockTimeout, LostLock
from app.wiring.customers import NotACustomer, normalise


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli"


def _address(raw: str) -> str:
    try:
        return normalise(raw)
    except NotACustomer as err:
        raise click.BadParameter(str(err), param_hint="CUSTOMER") from None


@click.group("customers", cls=AppGroup, help="See (export) or erase one customer's data.")
def customers_command() -> None:
    pass


@customers_command.command("export")
@click.argument("customer")
@click.option("--output", "-o", type=click.File("w"), default="-", help="File (default: stdout).")
def export(customer: str, output: IO[str]) -> None:
    """Everything Sandi holds about CUSTOMER (+62..., 0812..., or an e-mail), as JSON."""
    from app.web.current import services

    data = services().customers.export(_address(customer), _actor())
    output.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@customers_command.command("forget")
@click.argument("customer")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget(customer: str, yes: bool) -> None:
    """Erase everything Sandi holds about CUSTOMER; an opt-out stays, as a keyed hash."""
    from app.web.current import services

    address = _address(customer)
    if not yes:
        click.confirm(f"Erase all data of {address}? This cannot be undone", abort=True)
    try:
        result = services().customers.forget(address, _actor())
    except (LockTimeout, LostLock) as err:
        raise click.ClickException(f"{err}; try again") from None
    kept = ", ".join(result["opt_outs_kept"]) or "none"
    click.echo(f"erased; audit reference {result['customer']}; opt-outs kept (hashed): {kept}")
