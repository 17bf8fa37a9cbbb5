"""OTP fixtures: the real app (real Redis, sandbox delivery) with an API key."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from app.otp.service import OtpService
from app.store.outbox import OutboxStore
from app.wiring.services import Services
from tests.support.otp import API_KEY


@pytest.fixture(autouse=True)
def _otp_config(app_config: dict[str, Any], redis_client: Any) -> None:
    """Every OTP test starts on an empty database (``redis_client`` flushes it)."""
    app_config.update(
        SANDI_API_KEYS=f"{API_KEY},second-key",
        SANDI_SECRET_KEY="otp-test-secret",
        SANDI_LOG_LEVEL="INFO",
    )


@pytest.fixture
def services(app: Flask) -> Services:
    return app.extensions["sandi"]  # type: ignore[no-any-return]


@pytest.fixture
def otp(services: Services) -> OtpService:
    return services.otp


@pytest.fixture
def outbox(services: Services) -> OutboxStore:
    return services.outbox
