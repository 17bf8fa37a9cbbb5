"""A code a chat flow asks for is counted under its flow, and its sender is a fraud-guard source."""

from __future__ import annotations

from flask import Flask

from app.otp.insights_report import report, window_hours
from app.store.insights import RedisInsightsStore
from tests.support.chat import Chat
from tests.support.sent_codes import SentCodes


def test_a_chat_code_is_counted_under_its_flow(app: Flask, chat: Chat, otp: SentCodes) -> None:
    chat.say("verifikasi")
    chat.say("sms")
    assert "terverifikasi" in chat.say(otp.last().code)
    s = app.extensions["sandi"]
    now_ms = int(s.clock().timestamp() * 1000)
    day = report("day", now_ms, RedisInsightsStore(s.redis).buckets(window_hours("day", now_ms)))
    (flow,) = day["by"]["flow"]
    assert flow["key"] not in {"api", "-"} and flow["approved"] == 1
    trace_keys = [k for k in s.redis.scan_iter("sandi:*:trace:*")]
    (trace,) = [s.redis.hgetall(k) for k in trace_keys]
    assert "sender=" in trace["src"]  # the chat customer, as a keyed digest
    assert "+62" not in str(trace)
