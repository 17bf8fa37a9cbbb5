"""A customer with data of every kind, and ways to look for them in Redis (issue 21)."""

from __future__ import annotations

import contextlib
import json
import re
import zlib
from typing import Any

import redis
from flask import Flask
from redis.client import NEVER_DECODE

from tests.support.api import Api
from tests.support.chat import Chat
from tests.support.otp import CUSTOMER, code_in
from tests.support.twilio_webhooks import Twilio

EMAIL = "Budi.Santoso@Contoh.co.id"
#: The address as Sandi keeps it: the domain lowercased, the local part as typed (as Twilio).
STORED_EMAIL = "Budi.Santoso@contoh.co.id"
#: The number as it may be written: E.164, without the plus, national, WhatsApp address.
SPELLINGS = (CUSTOMER, CUSTOMER.lstrip("+"), "0" + CUSTOMER[3:], f"whatsapp:{CUSTOMER}")


def codes_sent(app: Flask) -> set[str]:
    """Every code issued (a flash call's: the whole caller number, whose end is the code)."""
    from app.web.current import services

    with app.app_context():
        outbox = services().outbox
        addresses = (CUSTOMER, f"whatsapp:{CUSTOMER}", STORED_EMAIL)
        entries = [e for a in addresses for e in outbox.read(a)]
    return {
        str(e["extra"]["caller"]) if e["channel"] == "flashcall" else code_in(e) for e in entries
    }


def contains_code(text: str, code: str) -> bool:
    """``code`` as a number of its own (not inside a longer run of digits, e.g. a time)."""
    return re.search(rf"(?<![0-9]){re.escape(code)}(?![0-9])", text) is not None


def code_hashes(clients: list[redis.Redis]) -> set[str]:
    """The code hashes stored now (of the verifications still pending)."""
    found = set()
    for client in clients:
        for key in client.scan_iter(match="sandi:{otp:*}:v:*"):
            value = client.hget(key, "hash")
            if value:
                found.add(value)
    return found


def everything(clients: list[redis.Redis]) -> list[tuple[str, str]]:
    """(key, its value as text) of every key of each server, whatever its type."""
    out = []
    for client, key in ((c, k) for c in clients for k in c.scan_iter(count=500)):
        kind = client.type(key)
        if key.startswith("rq:job:") and kind == "hash":
            out.append((key, _rq_job(client, key)))
            continue
        if kind == "string":
            value: Any = client.get(key)
        elif kind == "hash":
            value = client.hgetall(key)
        elif kind == "list":
            value = client.lrange(key, 0, -1)
        elif kind == "set":
            value = sorted(client.smembers(key))
        elif kind == "zset":
            value = client.zrange(key, 0, -1, withscores=True)
        elif kind == "stream":
            value = client.xrange(key)
        else:
            continue
        out.append((key, json.dumps(value, ensure_ascii=False, default=str)))
    return out


def _rq_job(client: redis.Redis, key: str) -> str:
    """An rq job's fields as text, its pickled call (zlib-compressed) unpacked: jobs
    must carry ids and digests only, never a number (the handoff timers, the events)."""
    fields = client.execute_command("HGETALL", key, **{NEVER_DECODE: True})
    if isinstance(fields, list):  # RESP2: a flat list of names and values
        fields = dict(zip(fields[::2], fields[1::2], strict=True))
    text = []
    for name, value in fields.items():
        with contextlib.suppress(zlib.error):
            value = zlib.decompress(value)
        text.append(f"{name.decode(errors='replace')}={value.decode(errors='replace')}")
    return "\n".join(text)


def leaks(clients: list[redis.Redis]) -> list[tuple[str, str]]:
    """Every key whose name or value names the customer in clear, in any spelling."""
    needles = [n.lower() for n in (*SPELLINGS, EMAIL)]
    return [
        (key, value)
        for key, value in everything(clients)
        if any(n in key.lower() or n in value.lower() for n in needles)
    ]


def build_customer(app: Flask, twilio: Twilio) -> Api:
    """Through the real webhook and API: a WhatsApp chat that verifies the number, changes
    the e-mail with a code and asks for a person; a code on every channel; STOP by SMS."""
    wa = Chat(twilio)
    wa.say("halo")
    wa.say("verifikasi")
    wa.say("sms")
    assert "terverifikasi" in wa.say(last(app, CUSTOMER))
    wa.say("ganti email")
    wa.say(EMAIL)
    assert "Kami sudah mengirim kode" in wa.say("ya")
    assert "Selesai" in wa.say(last(app, STORED_EMAIL))
    assert "verifikasi" not in wa.say("talk to a person")  # handed over: staff will answer
    api = Api(app.test_client())
    for channel in ("whatsapp", "call", "flashcall", "sms"):
        api.post(
            "/v1/verifications",
            201,
            json={"to": CUSTOMER, "channel": channel, "purpose": f"p_{channel}"},
        )
    api.post("/v1/verifications", 201, json={"to": EMAIL, "channel": "email", "purpose": "signup"})
    sms = Chat(twilio, channel="sms")
    sms.say("halo")
    sms.say("STOP")
    api.error("POST", "/v1/verifications", 502, "delivery_failed",
              json={"to": CUSTOMER, "channel": "sms", "purpose": "after_stop"})  # fmt: skip
    return api


def last(app: Flask, address: str) -> str:
    from app.web.current import services

    with app.app_context():
        return code_in(services().outbox.read(address)[-1])
