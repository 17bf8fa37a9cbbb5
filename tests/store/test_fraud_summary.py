"""The fraud guard's OBSERVE keeps its baseline's sums for the hour ('sum') instead of
reading every baseline hour on every send; it must answer exactly as the script that
read them all did, through sends, approvals (late ones too), hours turning and a
baseline length that changes. The former scripts are kept here as the oracle."""

from __future__ import annotations

import random

import pytest
import redis

from app.store.fraud_scripts import APPROVE, OBSERVE

FIVE_MIN_MS, HOUR_MS = 300_000, 3_600_000

# The scripts as they were before the summary (app/store/fraud_scripts.py, 2026-12-02).
FORMER_OBSERVE = (
    OBSERVE[: OBSERVE.index("local function n(x)")]
    + """
local fields = {'first'}
for i = b - recent + 1, b do
  fields[#fields + 1] = 'a:' .. i
  fields[#fields + 1] = 'o:' .. i
end
for i = h - 1 - base, h do
  fields[#fields + 1] = 'A:' .. i
  fields[#fields + 1] = 'O:' .. i
end
local v = redis.call('HMGET', KEYS[1], unpack(fields))
local function n(x) return tonumber(x) or 0 end
local ha, ho = 0, 0
for i = 2, 1 + 2 * recent, 2 do ha = ha + n(v[i]); ho = ho + n(v[i + 1]) end
local da, dok, ba, bo, worst = 0, 0, 0, 0, 0
local j = 2 + 2 * recent
for i = h - 1 - base, h do
  local sends, ok = n(v[j]), n(v[j + 1])
  if i >= h - 23 then da = da + sends; dok = dok + ok end
  if i <= h - 2 then
    ba = ba + sends; bo = bo + ok
    if sends - ok > worst then worst = sends - ok end
  end
  j = j + 2
end
"""
    + OBSERVE[OBSERVE.index("local first = tonumber(v[1])") :]
)
FORMER_APPROVE = (
    APPROVE[: APPROVE.index("local sh = ")] + APPROVE[APPROVE.index("if redis.call('PTTL'") :]
)


def _keys(prefix: str) -> list[str]:
    tag = "{sandi:test:fraudsum:" + prefix + "}"
    return [f"{tag}:counts", f"{tag}:block", f"{tag}:seen:a", f"{tag}:seen:b"]


@pytest.mark.parametrize("seed", range(6))
def test_the_summary_answers_as_reading_every_hour_did(
    redis_client: redis.Redis, seed: int
) -> None:
    rng = random.Random(seed)
    new_observe, new_approve = (redis_client.register_script(s) for s in (OBSERVE, APPROVE))
    old_observe, old_approve = (
        redis_client.register_script(s) for s in (FORMER_OBSERVE, FORMER_APPROVE)
    )
    new, old = _keys(f"new{seed}"), _keys(f"old{seed}")
    now = 1_800_000_000_000 + rng.randrange(HOUR_MS)
    base = rng.choice([3, 30, 200])
    sent: list[int] = []  # when each send went out, for approvals later
    answers = 0
    for step in range(600):
        long = 30 * HOUR_MS if rng.random() < 0.02 else 0
        now += long or rng.choice([1_000, 60_000, FIVE_MIN_MS, 20 * 60_000, HOUR_MS, 2 * HOUR_MS])
        if rng.random() < 0.02:
            base = rng.choice([0, 3, 30, 200])
        b, h = now // FIVE_MIN_MS, now // HOUR_MS
        if sent and rng.random() < 0.3:  # an approval, now and then of an old send
            at = rng.choice(sent)
            args = [at // FIVE_MIN_MS, at // HOUR_MS, rng.randint(1, 3), 30 * 24 * HOUR_MS]
            assert new_approve(keys=new[:1], args=args) == old_approve(keys=old[:1], args=args)
            continue
        count = rng.random() < 0.8
        destination = f"d{rng.randrange(40)}"
        args = ["1" if count else "0", b, h, 12, base, 30 * 24 * HOUR_MS, destination, now]
        # the per-hour sets of destinations: each script's own (they count once an hour)
        mine = [new[0], new[1], f"{new[2]}:{h}", f"{new[2]}:{h - 1}"]
        theirs = [old[0], old[1], f"{old[2]}:{h}", f"{old[2]}:{h - 1}"]
        got = new_observe(keys=mine, args=args)
        assert got == old_observe(keys=theirs, args=args), (seed, step)
        answers += any(got[:8])
        if count:
            sent.append(now)
    assert answers > 50  # the histories were not all empty
    assert redis_client.ttl(new[0]) > 0  # the summary is a field of the counted key: its TTL
