"""The HandoffIndex and RecordStore contracts, on Redis and in memory."""

from __future__ import annotations

from typing import Any

from app.store import keys


def test_the_handoff_index_lists_live_handoffs_soonest_first(handoff_index: Any) -> None:
    handoff_index.add("wa:+621", 2000.0)
    handoff_index.add("sms:+622", 1500.0)
    handoff_index.add("wa:+623", 900.0)
    handoff_index.add("wa:+621", 2500.0)  # listed again: the new timeout counts
    assert handoff_index.active(1000.0) == [("sms:+622", 1500.0), ("wa:+621", 2500.0)]
    handoff_index.remove("sms:+622")
    handoff_index.remove("never-listed")
    assert handoff_index.active(1000.0) == [("wa:+621", 2500.0)]
    assert handoff_index.active(2500.0) == []  # past its timeout: not listed
    # ...but kept until its end is handled (the expiry job finds the conversation there).
    assert handoff_index.active(0) == [("wa:+623", 900.0), ("wa:+621", 2500.0)]


def test_records_keep_the_newest_payloads_per_path(record_store: Any) -> None:
    for i in range(keys.BACKEND_RECORD_MAX + 3):
        record_store.record("wa:+621", "/email", {"n": i, "email": "a@example.com"})
    record_store.record("wa:+621", "/other", {"n": -1})
    kept = record_store.records("wa:+621", "/email")
    assert [r["n"] for r in kept] == list(range(3, keys.BACKEND_RECORD_MAX + 3))
    assert record_store.records("wa:+622", "/email") == []
