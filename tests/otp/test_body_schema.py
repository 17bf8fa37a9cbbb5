"""The /v1 request schemas compiled by fastjsonschema say "valid" exactly
when jsonschema finds no error: the fast one answers, the slow one explains."""

from __future__ import annotations

import itertools
from typing import Any

import fastjsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from app.web import openapi
from app.web.api import BodySchema

FIELDS = ["to", "channel", "locale", "purpose", "amount", "payee", "id", "code", "extra"]
SAMPLES = [
    "", "+6281234567890", "sms", "whatsapp", "email", "auto", "SMS", "id", "en", "en-US",
    "id_ID", "en-", "fr", "verify", "login", "change_email", "Payment", "9abc", "a" * 33,
    "123456", "12 34-56", "Rp150.000", "Toko Budi", "x" * 255, "VE" + "0" * 32, "id\n",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(SAMPLES),
    st.text(max_size=70),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
BODIES = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=len(FIELDS))


SCHEMAS = [BodySchema(openapi.START_REQUEST), BodySchema(openapi.CHECK_REQUEST)]


def fast_says_valid(schema: BodySchema, body: dict[str, Any]) -> bool:
    try:
        schema.is_valid(body)
    except fastjsonschema.JsonSchemaException:  # anything else would be a 500: let it fail
        return False
    return True


@settings(max_examples=1500)
@given(BODIES)
def test_both_validators_agree_on_start_and_check_bodies(body: dict[str, Any]) -> None:
    for schema in SCHEMAS:
        slow_valid = not list(schema.explainer.iter_errors(body))
        assert fast_says_valid(schema, body) == slow_valid, body


def test_defaults_are_not_filled_in() -> None:
    body = {"to": "+6281234567890", "channel": "sms"}
    BodySchema(openapi.START_REQUEST).is_valid(body)
    assert body == {"to": "+6281234567890", "channel": "sms"}


#: Values that are each valid for their field, so that what decides is the rules between
#: fields (payment binding, amount with payee, to or id, the channel's kind of address).
NEAR_VALID = {
    "to": ["+6281234567890", "budi@example.co.id"],
    "channel": ["sms", "email", "auto"],
    "purpose": ["login", "payment", "custom_one"],
    "amount": ["Rp150.000"],
    "payee": ["Toko Budi"],
    "id": ["VE" + "0" * 32],
    "code": ["123456"],
    "locale": ["en"],
}


def test_both_validators_agree_on_every_mix_of_valid_fields() -> None:
    """Random bodies are nearly all invalid; here every subset of the fields, each with
    a valid value, so the rules between fields (rewritten for the fast check) decide."""
    valid = 0
    for size in range(len(NEAR_VALID) + 1):
        for names in itertools.combinations(NEAR_VALID, size):
            for values in itertools.product(*(NEAR_VALID[n] for n in names)):
                body = dict(zip(names, values, strict=True))
                for schema in SCHEMAS:
                    slow_valid = not list(schema.explainer.iter_errors(body))
                    assert fast_says_valid(schema, body) == slow_valid, body
                    valid += slow_valid
    assert valid > 20  # the grid does reach valid starts and checks
