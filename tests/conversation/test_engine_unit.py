"""FlowBot and TurnRunner as plain Python: the demo flows on in-memory stores.

No Flask app, no Redis, no webhook: the bot the server runs, built as the
wiring builds it (tests/support/cores.py), answering InboundMessages. The
same journeys as test_demo_flows.py, which drives them through signed
webhooks and Redis, in a fraction of the time.
"""

from __future__ import annotations

import pytest

from app.content.messages import Channel
from tests.support.clock import FakeClock
from tests.support.cores import CUSTOMER, ChatBench

CID = f"wa:{CUSTOMER}"


#: SANDI_HISTORY_TTL of an operator who keeps message history for staff (docs/privacy.md).
HISTORY_ON = 30 * 86400


@pytest.fixture
def bench(clock: FakeClock) -> ChatBench:
    return ChatBench(clock)


@pytest.fixture
def bench_with_history(clock: FakeClock) -> ChatBench:
    return ChatBench(clock, history_ttl=HISTORY_ON)


def test_history_is_off_by_default(bench: ChatBench) -> None:
    bench.say("halo")
    assert "history" not in bench.turn_store.peek(CID).session


def test_verify_number_is_walked_to_its_end(bench_with_history: ChatBench) -> None:
    bench = bench_with_history
    assert bench.say("halo").startswith("Halo Budi! Selamat datang di Toko Kenari.")
    assert "Lewat apa kode dikirim?" in bench.say("1")
    assert "Kode sudah dikirim lewat SMS" in bench.say("sms")
    sent = bench.delivery.sent[-1]
    assert (sent.to, sent.channel, sent.purpose, sent.locale) == (
        CUSTOMER, "sms", "verify_number", "id",
    )  # fmt: skip
    code = sent.code
    assert bench.say(f"{code[:3]} {code[3:]}") == (
        "Berhasil! Nomor +6281234567890 sudah terverifikasi. Terima kasih."
    )
    assert "flow" not in bench.turn_store.peek(CID).session
    history = [h["in"] for h in bench.turn_store.peek(CID).session["history"]]
    assert history[-1] == "[code]"  # a typed code is never stored


def test_wrong_codes_then_the_service_lock_end_the_flow(bench: ChatBench) -> None:
    bench.say("verifikasi")
    bench.say("sms")
    code = bench.delivery.last_code()
    assert "Sisa percobaan: 2" in bench.say("111111")
    assert "Sisa percobaan: 1" in bench.say("222222")
    assert bench.say("333333").startswith("Kode salah 3 kali")
    assert "terverifikasi" not in bench.say(code)


def test_an_expired_code_is_said_so(bench: ChatBench, clock: FakeClock) -> None:
    bench.say("verify my number")
    bench.say("sms")
    clock.advance(minutes=6)
    assert bench.say(bench.delivery.last_code()).startswith("The code has expired.")


def test_change_email_records_the_request_and_sends_an_email_code(bench: ChatBench) -> None:
    bench.say("ganti email")
    assert "Ganti alamat e-mail Anda menjadi Budi@contoh.com?" in bench.say("Budi@Contoh.com")
    assert "Kami sudah mengirim kode ke Budi@contoh.com" in bench.say("ya")
    sent = bench.delivery.sent[-1]
    # The OTP service normalises the address it sends to (email-validator): the
    # domain lowercased, the local part as typed (as Twilio Verify keeps it).
    assert (sent.to, sent.channel, sent.purpose) == ("Budi@contoh.com", "email", "change_email")
    assert bench.say(sent.code) == "Selesai! Alamat e-mail Anda sekarang Budi@contoh.com."
    assert bench.records.records(CID, "/customers/email") == [
        {"phone": CUSTOMER, "email": "Budi@contoh.com", "channel": "whatsapp"}
    ]


def test_a_handoff_mutes_the_bot_until_staff_release_it(bench: ChatBench, clock: FakeClock) -> None:
    bench.say("hello")
    assert "passing this chat to the Toko Kenari team" in bench.say("talk to a person")
    until = clock().timestamp() + 4 * 3600
    [waiting] = bench.desk.waiting()
    assert (waiting.conversation, waiting.until, waiting.name, waiting.locale) == (
        CID,
        until,
        "Budi",
        "en",
    )
    assert bench.send("hello? anyone? my code is 482913") == ()  # a person answers now
    [waiting] = bench.desk.waiting()
    # The handoff's own transcript (history is off): what was asked, said, and written since;
    # a code-like number is masked for staff.
    assert [(e["who"], e["text"][:24]) for e in waiting.log] == [
        ("customer", "talk to a person"),
        ("bot", "OK, we're passing this c"),
        ("customer", "hello? anyone? my code i"),
    ]
    assert waiting.log[-1]["text"].endswith("\u2022" * 6)
    [released] = bench.desk.release(CUSTOMER, Channel.WHATSAPP)
    assert released.conversation == CID
    assert released.replies[0].text.startswith("Your chat with our staff has ended.")
    assert bench.desk.waiting() == []
    assert not bench.say("thanks").startswith("Your chat with our staff has ended.")


def test_no_staff_reply_in_time_runs_the_flows_on_timeout(
    bench: ChatBench, clock: FakeClock
) -> None:
    bench.say("talk to a person")
    [waiting] = bench.desk.waiting()
    assert bench.desk.no_reply(CID, waiting.until + 1) is None  # another handoff's timer
    clock.advance(minutes=10)
    done = bench.desk.no_reply(CID, waiting.until)
    assert done is not None and done.replies[0].text.startswith("Sorry, all our staff are busy")
    assert bench.desk.waiting() == []
    assert "Welcome" in bench.say("menu") or "1." in bench.say("menu")


def test_without_the_timer_job_the_next_message_gets_on_timeout(
    bench: ChatBench, clock: FakeClock
) -> None:
    bench.say("talk to a person")
    clock.advance(minutes=9)
    assert bench.send("hello?") == ()
    clock.advance(minutes=1)
    [busy] = bench.send("anyone there?")
    assert busy.text.startswith("Sorry, all our staff are busy")
    assert bench.desk.waiting() == [] and bench.handoffs.active(0) == []


def test_a_staff_reply_stops_the_no_reply_timer(bench: ChatBench, clock: FakeClock) -> None:
    bench.say("talk to a person")
    [waiting] = bench.desk.waiting()
    replied = bench.desk.reply(CID, "sari", "Hi Budi, Sari here.")
    assert replied is not None and replied.assigned == "sari" and replied.replied_at
    assert replied.log[-1] == {
        "at": clock().timestamp(),
        "who": "staff:sari",
        "text": "Hi Budi, Sari here.",
    }
    assert bench.desk.note(CID, "sari", "asked about order 7781") is not None
    clock.advance(minutes=10)
    assert bench.desk.no_reply(CID, waiting.until) is None
    [still] = bench.desk.waiting()
    assert [n["text"] for n in still.notes] == ["asked about order 7781"]


def test_a_handoff_times_out_after_four_hours(bench: ChatBench, clock: FakeClock) -> None:
    bench.say("bicara dengan cs")
    assert bench.desk.reply(CID, "sari", "Sebentar ya") is not None  # answered: no on_timeout
    clock.advance(hours=3, minutes=59)
    assert bench.send("halo?") == ()
    clock.advance(minutes=2)
    assert bench.say("halo?").startswith("Sesi dengan petugas kami sudah selesai.")
    assert bench.desk.waiting() == []


def test_a_language_choice_sticks_across_sessions(bench: ChatBench, clock: FakeClock) -> None:
    assert "Selamat datang" in bench.say("halo")
    assert bench.say("english").startswith("OK, we'll continue in English.")
    clock.advance(hours=2)  # the session is long gone; the profile keeps the language
    assert "Welcome to Toko Kenari" in bench.say("halo")
    assert bench.turn_store.peek(CID).profile["locale"] == "en"
    assert bench.say("bahasa indonesia").startswith("Baik, kita lanjutkan dalam Bahasa Indonesia.")


def test_a_retried_message_sid_gets_the_same_replies_without_a_second_turn(
    bench_with_history: ChatBench,
) -> None:
    bench = bench_with_history
    first = bench.send("halo", sid="SM-retried")
    again = bench.send("halo", sid="SM-retried")
    assert again == first
    assert len(bench.turn_store.peek(CID).session["history"]) == 1


def test_each_customer_and_channel_has_its_own_conversation(bench: ChatBench) -> None:
    bench.say("verifikasi")
    other = "+6281111111111"
    assert "Selamat datang" in bench.say("halo", sender=other)
    assert bench.say("hi", sender=other, channel=Channel.SMS).startswith("Hello!")
    assert "Lewat apa kode dikirim?" not in bench.say("sms", sender=other)
    assert "Kode sudah dikirim lewat SMS" in bench.say("sms")
