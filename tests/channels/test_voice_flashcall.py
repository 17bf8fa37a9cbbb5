"""Voice OTP TwiML, its signed "press 1 to repeat" route, and flash calls."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from werkzeug.datastructures import MultiDict

from app.channels.settings import MIN_FLASHCALL_POOL, ChannelSettings
from app.config import ConfigError, Settings
from app.otp.ports import CodeMessage
from app.wiring.services import Services
from tests.channels.conftest import CUSTOMER, FLASH_POOL, VOICE_FROM
from tests.support.fake_twilio import ACCOUNT_SID, FakeTwilio
from tests.support.twilio_webhooks import Twilio

CODE = "739120"
DIGITS = "7, 3, 9, 1, 2, 0."


def call(live: Services, fake: FakeTwilio, locale: str = "id", expires_in: int = 300):
    message = CodeMessage("VE" + "4" * 32, CUSTOMER, "call", CODE, locale, "login", expires_in)
    receipt = live.channels.deliver(message)
    (sent,) = fake.created("Calls")
    return receipt, sent, ET.fromstring(sent.get("Twiml") or "")


def spoken(root: ET.Element) -> list[str]:
    return [say.text or "" for say in root.iter("Say")]


def gather_form(digits: str) -> MultiDict[str, str]:
    return MultiDict(
        {
            "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01", "CallSid": "CA" + "9" * 32,
            "CallStatus": "in-progress", "Called": CUSTOMER, "Caller": VOICE_FROM,
            "Digits": digits, "Direction": "outbound-api", "FinishedOnKey": "",
            "From": VOICE_FROM, "To": CUSTOMER, "msg": "Gather End",
        }
    )  # fmt: skip


def press(poster: Twilio, action: str, digits: str = "1") -> ET.Element:
    url = urlsplit(action)
    response = poster.post(gather_form(digits), path=url.path, query=url.query)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return ET.fromstring(response.get_data())


def test_voice_twiml_reads_the_code_digit_by_digit_twice_in_indonesian(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    receipt, sent, root = call(live, fake_twilio)
    assert receipt.channel == "call" and sent.sid == receipt.message_id
    assert sent.get("From") == VOICE_FROM and sent.get("To") == CUSTOMER
    assert sent.get("StatusCallback") == "http://localhost/webhooks/twilio/status"
    assert root.tag == "Response"
    says = list(root.iter("Say"))
    assert {(s.get("language"), s.get("voice")) for s in says} == {
        ("id-ID", "Google.id-ID-Standard-A")
    }
    assert spoken(root).count(DIGITS) == 2
    assert "Kode verifikasi Anda adalah" in spoken(root)[0]
    gather = root.find("Gather")
    assert gather is not None and gather.get("numDigits") == "1"
    assert "Tekan 1 untuk mengulang." in [s.text for s in gather.iter("Say")]
    action = gather.get("action") or ""
    assert action.startswith("http://localhost/webhooks/twilio/voice/otp/VE4444")
    assert CODE not in action  # the code rides encrypted
    assert [child.tag for child in root][-1] == "Hangup"


def test_voice_in_english_uses_en_us(live: Services, fake_twilio: FakeTwilio) -> None:
    _, _, root = call(live, fake_twilio, "en")
    assert {s.get("language") for s in root.iter("Say")} == {"en-US"}
    assert "Press 1 to hear it again." in spoken(root)


def test_press_1_repeats_the_code_until_the_repeats_run_out(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    _, _, root = call(live, fake_twilio)
    action = root.find("Gather").get("action")  # type: ignore[union-attr]
    for _ in range(3):  # SANDI_VOICE_REPEATS defaults to 3
        again = press(poster, action)
        assert spoken(again).count(DIGITS) == 2
        assert {s.get("language") for s in again.iter("Say")} == {"id-ID"}
        gather = again.find("Gather")
        if gather is None:
            break
        action = gather.get("action")
    else:
        pytest.fail("the repeats never ran out")
    assert again.find("Hangup") is not None


def test_other_keys_end_the_call(live: Services, fake_twilio: FakeTwilio, poster: Twilio) -> None:
    _, _, root = call(live, fake_twilio)
    bye = press(poster, root.find("Gather").get("action"), "2")  # type: ignore[union-attr]
    assert DIGITS not in spoken(bye) and bye.find("Hangup") is not None


def test_a_tampered_or_expired_token_reads_no_code(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio, clock: Any
) -> None:
    _, _, root = call(live, fake_twilio, expires_in=120)
    action = root.find("Gather").get("action") or ""  # type: ignore[union-attr]
    forged = action[:-6] + ("AAAAAA" if not action.endswith("AAAAAA") else "BBBBBB")
    assert DIGITS not in spoken(press(poster, forged))
    moved = action.replace("VE4444", "VE5555", 1)  # bound to its verification
    assert DIGITS not in spoken(press(poster, moved))
    clock.advance(seconds=121)
    expired = press(poster, action)
    assert DIGITS not in spoken(expired) and "tidak berlaku" in " ".join(spoken(expired))


def test_the_repeat_route_needs_twilios_signature(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    _, _, root = call(live, fake_twilio)
    url = urlsplit(root.find("Gather").get("action") or "")  # type: ignore[union-attr]
    response = poster.post(gather_form("1"), path=url.path, query=url.query, signature="Zm9v")
    assert response.status_code == 403 and CODE not in response.get_data(as_text=True)


def test_no_code_is_stored_in_redis_by_any_channel(
    live: Services, fake_twilio: FakeTwilio, redis_client: Any
) -> None:
    call(live, fake_twilio)
    live.channels.deliver(CodeMessage("VE9", CUSTOMER, "sms", CODE, "id", "login", 300))
    live.channels.deliver(CodeMessage("VE8", CUSTOMER, "whatsapp", CODE, "id", "login", 300))
    raw = redis.Redis.from_url(live.settings.redis_url or "")
    everything = {k.decode(): readable(raw, k) for k in raw.scan_iter("*")}
    assert any(k.endswith(":delivery") for k in everything)
    assert any(k.startswith("rq:job:") for k in everything)  # the receipt checks, as jobs
    assert not [k for k, v in everything.items() if CODE in v or CODE in k]


def readable(redis: Any, key: bytes) -> str:
    """Every value as text; rq's job payloads (zlib-compressed) unpacked first."""
    kind = redis.type(key).decode()
    if kind == "hash":
        fields = redis.hgetall(key)
        if b"data" in fields:
            with contextlib.suppress(zlib.error):
                fields[b"data"] = zlib.decompress(fields[b"data"])
        return repr(fields)
    value = {
        "string": lambda: redis.get(key),
        "hash": lambda: redis.hgetall(key),
        "list": lambda: redis.lrange(key, 0, -1),
        "set": lambda: redis.smembers(key),
        "zset": lambda: redis.zrange(key, 0, -1),
    }[kind]()
    return repr(value)


def test_flash_call_rings_briefly_from_a_pool_number_whose_ending_is_the_code(
    live: Services, fake_twilio: FakeTwilio
) -> None:
    message = CodeMessage("VE" + "6" * 32, CUSTOMER, "flashcall", "ignored", "id", "login", 300)
    receipts = [live.channels.deliver(message) for _ in range(12)]
    calls = fake_twilio.created("Calls")
    for receipt, sent in zip(receipts, calls, strict=True):
        caller = sent.get("From") or ""
        assert (
            caller in FLASH_POOL and receipt.code == caller[-4:] and receipt.channel == "flashcall"
        )
        assert sent.get("Timeout") == "10" and sent.get("TimeLimit") == "1"
        root = ET.fromstring(sent.get("Twiml") or "")
        assert [child.tag for child in root] == ["Hangup"]
    assert len({r.code for r in receipts}) > 1  # chosen at random each time


def settings_with(**raw: str) -> Settings:
    return Settings.from_mapping({"SANDI_SANDBOX": "0", **raw})


def test_flash_call_refuses_a_pool_smaller_than_the_code_space() -> None:
    small = ",".join(FLASH_POOL[: MIN_FLASHCALL_POOL - 1])
    short = MIN_FLASHCALL_POOL - 1
    with pytest.raises(
        ConfigError, match=rf"{short} distinct .* at least {MIN_FLASHCALL_POOL}.*code space"
    ):
        ChannelSettings.from_settings(settings_with(SANDI_FLASHCALL_NUMBERS=small))
    same_ending = ",".join(f"+6221{n}0000" for n in range(1000, 1200))
    with pytest.raises(ConfigError, match="1 distinct"):
        ChannelSettings.from_settings(settings_with(SANDI_FLASHCALL_NUMBERS=same_ending))
    with pytest.raises(ConfigError, match=r"not E\.164"):
        ChannelSettings.from_settings(settings_with(SANDI_FLASHCALL_NUMBERS="12345"))


def test_flash_call_pool_may_come_from_a_file(tmp_path: Path) -> None:
    pool = tmp_path / "pool.txt"
    pool.write_text("\n".join(FLASH_POOL) + "\n")
    parsed = ChannelSettings.from_settings(settings_with(SANDI_FLASHCALL_NUMBERS=f"@{pool}"))
    assert parsed.flashcall_numbers == FLASH_POOL


def test_a_payment_call_says_the_amount_and_payee_and_its_token_keeps_them(
    live: Services, fake_twilio: FakeTwilio, poster: Twilio
) -> None:
    message = CodeMessage(
        "VE" + "5" * 32, CUSTOMER, "call", CODE, "id", "payment", 300,
        amount="Rp150.000", payee="Toko Kenari",
    )  # fmt: skip
    live.channels.deliver(message)
    (sent,) = fake_twilio.created("Calls")
    root = ET.fromstring(sent.get("Twiml") or "")
    assert (
        spoken(root)[0]
        == "Halo, ini TokoKu. Kode untuk membayar Rp150.000 kepada Toko Kenari adalah"
    )
    action = urlsplit(root.find("Gather").get("action") or "")  # type: ignore[union-attr]
    token = action.query.removeprefix("t=")
    grant = live.channels.voice.tokens.open(message.verification_id, token, now=0)
    assert grant is not None and (grant.amount, grant.payee) == ("Rp150.000", "Toko Kenari")
    assert spoken(press(poster, root.find("Gather").get("action"))).count(DIGITS) == 2  # type: ignore[union-attr]
