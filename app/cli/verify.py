"""``sandi verify-services``: Twilio Verify services for ``/v2``, from the shell.

What Twilio's console is to a Twilio app: an operator makes the service once
and gives the app its ``VA`` SID. It is also the way to set Sandi's own
``--purpose``, which Twilio's SDKs have no argument for.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.config import ConfigError
from app.otp import request_checks as req
from app.otp.errors import OtpError
from app.otp.verify_services import service_code_length, service_name
from app.store.verify_services import TooManyServices


@click.group(
    "verify-services", cls=AppGroup, help="Create, list and delete Twilio Verify services (/v2)."
)
def verify_services() -> None:
    pass


@verify_services.command("create")
@click.argument("friendly_name")
@click.option("--purpose", default="verify", show_default=True, help="OTP purpose it uses.")
@click.option("--code-length", type=int, help="Digits, 6-10 (default: the purpose's).")
def create(friendly_name: str, purpose: str, code_length: int | None) -> None:
    """Create a service called FRIENDLY_NAME (shown in the messages)."""
    from app.web.current import services

    s = services()
    try:
        name = service_name(friendly_name, s.templates, "friendly name")
        purpose = req.purpose_of(purpose)
        code_length = service_code_length(
            code_length, s.otp.settings.policy(purpose), "code length"
        )
        service = s.verify_services.create(name, code_length, purpose, s.clock())
    except (OtpError, ConfigError, TooManyServices) as err:
        raise click.ClickException(str(err)) from None
    click.echo(service.sid)


@verify_services.command("list")
def list_services() -> None:
    """SID, purpose, code length and friendly name of every service."""
    from app.web.current import services

    for service in services().verify_services.list():
        length = service.code_length or "policy"
        click.echo(f"{service.sid}  {service.purpose}  {length}  {service.friendly_name}")


@verify_services.command("delete")
@click.argument("sid")
def delete(sid: str) -> None:
    """Delete the service SID (its pending verifications run their course)."""
    from app.web.current import services

    if not services().verify_services.delete(sid):
        raise click.ClickException(f"no service with SID {sid}")
    click.echo(f"deleted {sid}")
