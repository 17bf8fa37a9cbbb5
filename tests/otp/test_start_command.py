"""StartCommand.but is dataclasses.replace, field for field."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from app.otp.ports import StartCommand, _positional_fields

BASE = StartCommand(
    tag="a" * 16, open_field="verify:x", existing_id="", new_id="VE1", expect="new",
    now_ms=1, code_hash="h", digits=6, ttl=600, max_checks=5, max_sends=5, cooldown=30,
    retention=86400, to="+6281234567890", channel="sms", purpose="verify", locale="id",
    amount="", payee="", token="t",
)  # fmt: skip


def test_every_field_changed_alone_and_together_as_replace_does() -> None:
    rng = random.Random(7)
    names = [f.name for f in dataclasses.fields(StartCommand)]
    for name in names:
        changed = BASE.but(**{name: ("x", 9, (1,))[rng.randrange(3)]})
        assert changed == dataclasses.replace(BASE, **{name: getattr(changed, name)})
    for _ in range(200):
        changes: dict[str, Any] = {n: f"v{rng.random()}" for n in rng.sample(names, 4)}
        assert BASE.but(**changes) == dataclasses.replace(BASE, **changes)
    assert BASE.but() == BASE and BASE.but() is not BASE


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no field 'nope'"):
        BASE.but(nope=1)


def test_only_classes_whose_fields_are_all_positional() -> None:
    @dataclasses.dataclass(frozen=True)
    class Keyworded:
        a: int
        b: int = dataclasses.field(default=0, kw_only=True)

    with pytest.raises(TypeError, match="by position"):
        _positional_fields(Keyworded)
