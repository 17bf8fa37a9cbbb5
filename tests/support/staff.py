"""Staff logins and CSRF tokens for tests that drive the pages like a browser does."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.web.current import EXTENSION
from app.wiring.services import Services

PASSWORD = "kata-sandi-yang-panjang"
#: Good enough for SANDI_ENV=production: 43 random-looking characters, never the dev key.
SECRET_KEY = "Zq3v8Rk1Wm7Xp2Ls9Dn4Hf6Tb0Yc5Gj-Ue_Ai8Oo2Pe"
_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def production_config(redis_url: str, instance: str, **extra: Any) -> dict[str, Any]:
    """A production app as the deployment guide starts it (Redis durability vouched for)."""
    return {
        "TESTING": True,
        "REDIS_URL": redis_url,
        "SANDI_ENV": "production",
        "SANDI_SECRET_KEY": SECRET_KEY,
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "SANDI_PUBLIC_URL": "https://bot.example.co.id",
        # The shared test Redis is not ours to reconfigure; persistence has its own tests.
        "SANDI_REDIS_DURABILITY": "unchecked",
        "SANDI_INSTANCE_DIR": instance,
        # No background worker runs beside these apps; /readyz would say so (its own tests).
        "SANDI_EXPECT_WORKER": "0",
        **extra,
    }


def csrf_from(html: str) -> str:
    found = _META.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def with_csrf(client: FlaskClient, path: str = "/simulator", **kwargs: Any) -> FlaskClient:
    """Open ``path`` as a browser would, then send its CSRF token on every request."""
    page = client.get(path, **kwargs)
    assert page.status_code == 200, page.status_code
    client.environ_base["HTTP_X_CSRF_TOKEN"] = csrf_from(page.get_data(as_text=True))
    return client


def services_of(app: Flask) -> Services:
    svc: Services = app.extensions[EXTENSION]
    return svc


def log_in(
    app: Flask,
    client: FlaskClient,
    name: str = "ana",
    password: str = PASSWORD,
    base_url: str = "https://bot.example.co.id",
) -> FlaskClient:
    """Make the user if needed, log in through the form, then carry the page's CSRF token."""
    svc = services_of(app)
    if not svc.staff.exists(name):
        svc.staff.add(name, password, svc.clock())
    form = client.get("/staff/login", base_url=base_url).get_data(as_text=True)
    answer = client.post(
        "/staff/login",
        data={"user": name, "password": password, "csrf_token": csrf_from(form)},
        base_url=base_url,
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return with_csrf(client, base_url=base_url)
