"""Driving a VerificationStore the way OtpService does: claim, then commit."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from app.otp.ports import StartCommand, StartOutcome

T0 = 1_764_579_600_000  # ms: any fixed instant; every call names its own "now"
TAG = "0123456789abcdef"
TTL_MS = 300_000


def command(now_ms: int = T0, **overrides: Any) -> StartCommand:
    """A first send to one destination and purpose; ``overrides`` change any field.

    The id carries the destination's tag, as the service makes it (Redis finds
    the verification's keys from its id).
    """
    tag = overrides.get("tag", TAG)
    base = StartCommand(
        tag=tag, open_field=f"verify:{tag}{'0' * 16}", existing_id="",
        new_id=f"VE{tag}{secrets.token_hex(8)}", expect="new", now_ms=now_ms,
        code_hash="hash-of-123456", digits=6, ttl=TTL_MS // 1000, max_checks=5, max_sends=5,
        cooldown=30, retention=86400, to="+6281234567890", channel="sms", purpose="verify",
        locale="id", amount="", payee="", token=secrets.token_hex(8),
    )  # fmt: skip
    return replace(base, **overrides)


def send(store: Any, c: StartCommand) -> StartOutcome:
    """Claim and commit one send, following ``retry`` to the open id as the service does."""
    for _ in range(3):
        claimed = store.start(c, claim=True)
        if claimed.kind == "retry":
            c = replace(c, existing_id=claimed.open_id)
            continue
        if claimed.kind not in ("new", "resend"):
            return claimed  # a refusal: cooldown, max_sends, locked, binding_conflict
        c = replace(c, expect=claimed.kind)
        written: StartOutcome = store.start(c, claim=False)
        if written.kind != "retry":
            return written
        c = replace(c, existing_id=written.open_id or c.existing_id)
    raise AssertionError("the store kept answering retry")


def first(store: Any, **overrides: Any) -> tuple[str, StartOutcome]:
    """A new verification; its id and the store's answer."""
    c = command(**overrides)
    outcome = send(store, c)
    assert outcome.kind == "created", outcome
    return c.new_id, outcome


def check(store: Any, vid: str, code_hash: str, now_ms: int = T0, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "code_length": 6, "has_binding": False, "purpose": "", "retention": 86400,
    }  # fmt: skip
    args.update(kw)
    return store.check(vid, now_ms=now_ms, code_hash=code_hash, **args)
