"""Twilio's own Python SDK, unmodified, against a real Sandi server on loopback.

The SDK is pointed at Sandi the way the README tells an app to: its Verify
domain's ``base_url`` set to Sandi's address. Every request crosses a real HTTP
socket (werkzeug's server in a thread), form-encoded and Basic-authenticated
exactly as the SDK sends it to Twilio.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from twilio.rest import Client
from twilio.rest.verify.v2 import V2

from app.wiring.services import Services
from tests.support.clock import FakeClock
from tests.support.live_server import serve
from tests.support.otp import code_in

ENV_KEY = "verify-v2-env-key"


@pytest.fixture(autouse=True)
def _config(app_config: dict[str, Any], redis_client: Any) -> None:
    app_config.update(
        SANDI_API_KEYS=ENV_KEY,
        SANDI_SECRET_KEY="verify-v2-test-secret",
        SANDI_LOG_LEVEL="INFO",
    )


@pytest.fixture
def services(app: Flask) -> Services:
    return app.extensions["sandi"]  # type: ignore[no-any-return]


@pytest.fixture
def base_url(app: Flask) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture
def api_key(services: Services, clock: FakeClock) -> tuple[str, str]:
    """A key made as ``sandi api-keys create`` makes it: (SID, secret)."""
    key, secret = services.api_keys.create("sdk-test", clock())
    return key.sid, secret


def sdk_client(base_url: str, username: str, password: str) -> Client:
    """The two lines an app changes: its credentials, and Verify's base URL."""
    client = Client(username, password)
    client.verify.base_url = base_url
    return client


@pytest.fixture
def client_for(base_url: str) -> Callable[[str, str], Client]:
    return lambda username, password: sdk_client(base_url, username, password)


@pytest.fixture
def verify(base_url: str, api_key: tuple[str, str]) -> V2:
    return sdk_client(base_url, *api_key).verify.v2


class Outbox:
    """What the customer received, read over HTTP from ``GET /sandbox/outbox``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def entries(self, to: str) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.base_url}/sandbox/outbox", params={"to": to}, timeout=5)
        answer.raise_for_status()
        return answer.json()["messages"]  # type: ignore[no-any-return]

    def last(self, to: str) -> dict[str, Any]:
        entries = self.entries(to)
        assert entries, f"nothing was sent to {to}"
        return entries[-1]

    def code(self, to: str) -> str:
        return code_in(self.last(to))


@pytest.fixture
def outbox(base_url: str) -> Outbox:
    return Outbox(base_url)
