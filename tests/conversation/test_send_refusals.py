"""A code that cannot be sent says why: an unsupported country, a full limit (issue 17)."""

from __future__ import annotations

from typing import Any

from app import create_app
from app.content.messages import Channel
from app.flow_tests.driver import Simulator
from app.web.current import EXTENSION
from tests.support.clock import FakeClock


def chat(config: dict[str, Any], sender: str, *bodies: str) -> list[str]:
    app = create_app(config)
    simulator = Simulator(app, app.extensions[EXTENSION])
    return [simulator.send(Channel.SMS, sender, body).texts[-1] for body in bodies]


def test_a_us_number_is_told_it_is_not_supported(
    app_config: dict[str, Any], redis_client: Any
) -> None:
    replies = chat(app_config, "+14155550123", "verify my number", "1")
    assert "only Indonesian (+62) numbers are supported" in replies[-1]
    assert "Try again later" not in replies[-1]


def test_a_full_limit_says_when_to_try_again(
    app_config: dict[str, Any], redis_client: Any, clock: FakeClock
) -> None:
    app = create_app({**app_config, "SANDI_OTP_DESTINATION_LIMITS": "1/hour"})
    simulator = Simulator(app, app.extensions[EXTENSION])
    for body in ("verifikasi", "1", "batal"):
        simulator.send(Channel.WHATSAPP, "+6281234567890", body)
    clock.advance(seconds=40)  # past the resend cooldown: the hour's limit is what is left
    simulator.send(Channel.WHATSAPP, "+6281234567890", "verifikasi")
    reply = simulator.send(Channel.WHATSAPP, "+6281234567890", "1").texts[-1]
    assert "terlalu banyak kode" in reply and "menit" in reply
