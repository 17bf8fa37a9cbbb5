"""The fraud guard's keys: the four a screening's OBSERVE touches in one scope, built in
one call, are the keys their own builders name (one hash tag, so one cluster slot)."""

from __future__ import annotations

import pytest

from app.store import keys


@pytest.mark.parametrize(("scope", "scope_id"), [("p", "ab12cd"), ("c", "ID"), ("s", "ip:ff00")])
def test_a_screening_s_keys_are_the_builders_own(scope: str, scope_id: str) -> None:
    hour = 493_123
    assert keys.fraud_observed(scope, scope_id, hour) == [
        keys.fraud_counts(scope, scope_id),
        keys.fraud_block(scope, scope_id),
        keys.fraud_seen(scope, scope_id, hour),
        keys.fraud_seen(scope, scope_id, hour - 1),
    ]
    assert {k.split("}")[0] for k in keys.fraud_observed(scope, scope_id, hour)} == {
        f"sandi:{{fraud:{scope}:{scope_id}"
    }
