"""A request without a usable X-Request-Id gets a new one, shaped as uuid4().hex always was."""

from __future__ import annotations

import uuid

from app.request_context import new_request_id


def test_a_new_request_id_is_a_random_uuid4_in_hex() -> None:
    made = {new_request_id("") for _ in range(2000)}
    assert len(made) == 2000
    for rid in made:
        parsed = uuid.UUID(hex=rid)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert parsed.hex == rid  # 32 lower-case hex digits, no dashes
    # every other bit is random: each of the 122 takes both values
    ones = [sum(int(rid, 16) >> bit & 1 for rid in made) for bit in range(128)]
    fixed = {bit for bit in range(128) if ones[bit] in (0, len(made))}
    assert fixed == {76, 77, 78, 79, 62, 63}


def test_a_plain_token_is_kept_and_anything_else_replaced() -> None:
    assert new_request_id("req-1.a:b_c") == "req-1.a:b_c"
    assert new_request_id("bad id\n") != "bad id\n"
    assert len(new_request_id("x" * 65)) == 32
