"""Access to the app's services from inside a request."""

from __future__ import annotations

from typing import cast

from flask import current_app

from app.wiring.services import Services

EXTENSION = "sandi"


def services() -> Services:
    return cast(Services, current_app.extensions[EXTENSION])
