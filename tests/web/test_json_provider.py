"""app.web.json_input.BoundedJSONProvider.dumps writes what Flask's own dumps writes."""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from app.web.json_input import BoundedJSONProvider


@dataclasses.dataclass
class Thing:
    name: str


VALUES: list[Any] = [
    {"id": "VE1", "z": 1, "a": [1.5, None, True], "nested": {"b": "é", "a": "\u2028"}},
    {"when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "day": date(2026, 1, 2)},
    {"u": uuid.UUID(int=7), "d": decimal.Decimal("1.10"), "thing": Thing("x")},
    "a string",
    [],
    {},
]
KWARGS: list[dict[str, Any]] = [
    {},
    {"separators": (",", ":")},
    {"indent": 2},
    {"indent": 2, "separators": (", ", ": ")},
    {"separators": [",", ":"]},  # not a key: Flask's way
    {"skipkeys": True},  # not one the encoders are kept for
]


@pytest.mark.parametrize("kwargs", KWARGS)
@pytest.mark.parametrize("ascii_", [True, False])
@pytest.mark.parametrize("sort", [True, False])
def test_the_same_text_as_flasks_dumps(kwargs: dict[str, Any], ascii_: bool, sort: bool) -> None:
    app = Flask(__name__)
    ours, flasks = BoundedJSONProvider(app), DefaultJSONProvider(app)
    for provider in (ours, flasks):
        provider.ensure_ascii, provider.sort_keys = ascii_, sort
    for value in VALUES:
        for _ in range(2):  # made, then kept
            assert ours.dumps(value, **dict(kwargs)) == flasks.dumps(value, **dict(kwargs))


def test_a_provider_changed_later_is_obeyed() -> None:
    ours = BoundedJSONProvider(Flask(__name__))
    compact = {"separators": (",", ":")}
    assert ours.dumps({"b": "é", "a": 1}, **compact) == '{"a":1,"b":"\\u00e9"}'
    ours.sort_keys = False
    ours.ensure_ascii = False
    assert ours.dumps({"b": "é", "a": 1}, **compact) == '{"b":"é","a":1}'
    ours.default = lambda o: "custom"  # type: ignore[method-assign, assignment]
    assert ours.dumps({"x": object()}, **compact) == '{"x":"custom"}'
    with pytest.raises(TypeError):
        BoundedJSONProvider(Flask(__name__)).dumps({"x": object()}, **compact)


def test_the_app_answers_through_it() -> None:
    app = Flask(__name__)
    app.json = BoundedJSONProvider(app)
    app.add_url_rule("/", "x", lambda: {"b": 1, "a": datetime(2026, 1, 2, tzinfo=UTC)})
    body = app.test_client().get("/").get_data(as_text=True)
    assert body == '{"a":"Fri, 02 Jan 2026 00:00:00 GMT","b":1}\n'
    assert len(vars(app.json)["_encoders"]) == 1
