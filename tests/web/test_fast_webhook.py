"""The webhook's fast path (app.web.fast_webhook) answers exactly as Flask's view does.

Each request goes once through the whole app (the fast path, which hands what
it does not serve to Flask) and once straight to Flask's ``wsgi_app``, for two
customers in the same state; status, headers and body must be the same but
for the customer's number.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request

from app.web.fast_webhook import FastWebhook
from app.web.twilio_request import strict_pairs
from tests.support.twilio_webhooks import MESSAGES_PATH, encode, inbound_form, sign

A, B = "+6281234500001", "+6281234500002"
FORM = "application/x-www-form-urlencoded"


def fast_path(app: Flask) -> FastWebhook:
    assert isinstance(app.wsgi_app, FastWebhook)
    return app.wsgi_app


def answer(wsgi: Any, body: bytes | str, headers: dict[str, str], **kw: Any) -> tuple[Any, ...]:
    builder = EnvironBuilder(
        path=MESSAGES_PATH, method="POST", data=body, content_type=FORM, headers=headers, **kw
    )
    app_iter, status, response_headers = run_wsgi_app(wsgi, builder.get_environ())
    return status, list(response_headers.items()), b"".join(app_iter)


def both(app: Flask, make: Any, **kw: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(whole app for customer A, Flask alone for customer B), B's number written as A's."""
    fast = fast_path(app)
    one = answer(fast, *make(A), **kw)
    status, headers, body = answer(fast.flask, *make(B), **kw)
    other = (status, headers, body.replace(B.encode(), A.encode()))
    return one, other


def signed(text: str, **options: Any) -> Any:
    def make(customer: str) -> tuple[str, dict[str, str]]:
        form = inbound_form(text, sender=customer, **options)
        url = "http://localhost" + MESSAGES_PATH
        return encode(form), {"X-Twilio-Signature": sign(url, form), "X-Request-Id": "req-1"}

    return make


def test_a_signed_webhook_is_served_by_the_fast_path(app: Flask) -> None:
    fast = fast_path(app)
    assert fast.enabled
    for text in ("halo", "1", "apa itu kode OTP? 🙏", "Terima kasih, café", "menu"):
        one, other = both(app, signed(text))
        assert one == other
        assert one[0] == "200 OK" and b"<Response>" in one[2]
    assert fast.served == 5


def test_refusals_are_flasks_own(app: Flask) -> None:
    fast = fast_path(app)

    def forged(customer: str) -> tuple[str, dict[str, str]]:
        body, headers = signed("halo")(customer)
        return body, {**headers, "X-Twilio-Signature": "Zm9yZ2Vk"}

    def not_utf8(customer: str) -> tuple[bytes, dict[str, str]]:
        body, headers = signed("halo")(customer)
        return body.encode() + b"&Extra=%FF%FE", headers

    def too_big(customer: str) -> tuple[str, dict[str, str]]:
        body, headers = signed("halo")(customer)
        return body + "&Pad=" + "x" * 70_000, headers

    def bad_sender(customer: str) -> tuple[str, dict[str, str]]:
        form = inbound_form("halo", sender=customer)
        form["From"] = "pigeon:" + customer
        url = "http://localhost" + MESSAGES_PATH
        return encode(form), {"X-Twilio-Signature": sign(url, form), "X-Request-Id": "req-1"}

    for make in (forged, not_utf8, too_big, bad_sender):
        one, other = both(app, make)
        assert one == other and one[0][:3] in {"400", "403", "413"}, (make.__name__, one)
    one, other = both(app, signed("halo"), base_url="http://evil.example")
    assert one == other and one[0].startswith("400")
    assert fast.served == 0


def test_a_duplicate_is_answered_alike(app: Flask) -> None:
    def again(sid: str) -> Any:
        return signed("halo", sid=sid)

    one = answer(fast_path(app), *again("SM" + "a" * 32)(A))
    repeat_fast = answer(fast_path(app), *again("SM" + "a" * 32)(A))
    answer(fast_path(app).flask, *again("SM" + "b" * 32)(B))
    repeat_flask = answer(fast_path(app).flask, *again("SM" + "b" * 32)(B))
    assert one[0] == repeat_fast[0] == repeat_flask[0] == "200 OK"
    assert repeat_fast[1] == repeat_flask[1]
    assert repeat_fast[2] == repeat_flask[2].replace(B.encode(), A.encode())


def test_a_hook_added_later_sends_every_webhook_to_flask(app: Flask) -> None:
    seen: list[str] = []

    @app.before_request
    def extra() -> None:
        seen.append("hook")

    status, _, _ = answer(app.wsgi_app, *signed("halo")(A))
    assert status == "200 OK" and seen == ["hook"]
    assert fast_path(app).served == 0


_FIELD = st.text(alphabet="aZ09 +%&=._-~!*'()2F8", max_size=12)


@given(st.lists(st.tuples(_FIELD, _FIELD), max_size=6), st.sampled_from(["&", "&&", "=&"]))
def test_the_form_is_split_as_werkzeug_splits_it(fields: list[tuple[str, str]], glue: str) -> None:
    raw = glue.join(f"{name}={value}" for name, value in fields).encode()
    environ = EnvironBuilder(method="POST", data=raw, content_type=FORM).get_environ()
    pairs = strict_pairs(raw)
    if pairs is None:  # an escape that is not UTF-8: refused, fast path or not
        with pytest.raises(UnicodeDecodeError):
            parse_qsl(raw.decode(), keep_blank_values=True, errors="strict")
        return
    assert pairs == parse_qsl(raw.decode(), keep_blank_values=True)
    werkzeug = list(Request(environ).form.items(multi=True))
    assert list(MultiDict(pairs).items(multi=True)) == werkzeug


_ESCAPED = st.text(alphabet="%0123456789abcdefABCDEFgz +=&", max_size=40)


@given(_ESCAPED)
def test_escapes_are_read_as_parse_qsl_reads_them(body: str) -> None:
    """Every kind of escape, valid or not, of an ASCII character or not."""
    pairs = strict_pairs(body.encode())
    if pairs is None:  # an escape that is not UTF-8
        with pytest.raises(UnicodeDecodeError):
            parse_qsl(body, keep_blank_values=True, errors="strict")
        return
    assert pairs == parse_qsl(body, keep_blank_values=True)
