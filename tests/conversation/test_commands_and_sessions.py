"""Global commands mid-flow, language switches, session expiry, handoff and opt-out."""

from __future__ import annotations

import threading

from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo

from app.cli.main import main
from tests.support.chat import Chat
from tests.support.clock import FakeClock
from tests.support.sent_codes import SentCodes
from tests.support.twilio_webhooks import CUSTOMER, Twilio


def sandi(app: Flask, *args: str) -> Result:
    """Run a ``sandi`` command against this app (its Redis, its clock)."""
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def at_code_step(chat: Chat, greeting: str = "halo") -> None:
    chat.say(greeting)
    chat.say("1")
    chat.say("sms")


def test_menu_wins_over_the_code_step(chat: Chat) -> None:
    at_code_step(chat)
    reply = chat.say("MENU")
    assert reply.startswith("Halo Budi!")
    assert "1. Verifikasi nomor saya" in reply


def test_cancel_leaves_the_flow_with_a_way_back(chat: Chat) -> None:
    at_code_step(chat, "hello")
    reply = chat.say("Cancel")
    assert reply.startswith("OK, cancelled.")
    assert "1. Main menu" in reply
    assert "Welcome to Toko Kenari" in chat.say("1")


def test_help_explains_then_asks_the_same_question_again(chat: Chat) -> None:
    at_code_step(chat)
    reply = chat.say("bantuan")
    assert reply.startswith("Kata yang bisa Anda ketik kapan saja:")
    assert reply.endswith("Belum menerima kode? Ketik KIRIM ULANG.")


def test_language_switch_mid_flow_repeats_the_question_and_sticks(
    chat: Chat, otp: SentCodes, clock: FakeClock
) -> None:
    at_code_step(chat)
    reply = chat.say("English")
    assert reply.startswith("OK, we'll continue in English.")
    assert "Type the 6-digit code" in reply
    assert "Done! Your number" in chat.say(otp.last().code)
    # The explicit choice outlives the session.
    clock.advance(hours=2)
    assert chat.say("halo").startswith("Hello Budi!")
    assert chat.say("bahasa indonesia").startswith("Baik, kita lanjutkan dalam Bahasa Indonesia.")


def test_agent_command_mid_flow_hands_off(chat: Chat) -> None:
    at_code_step(chat)
    assert "kami teruskan ke petugas" in chat.say("cs")


def test_commands_need_the_whole_message(chat: Chat) -> None:
    chat.say("halo")
    chat.say("batal")
    reply = chat.say("we have got to stop this bill")
    # "stop" inside a sentence is no opt-out: at most the FAQ offers its entry.
    assert "tidak akan menerima pesan lagi" not in reply
    assert "Sorry" in reply or "Maaf" in reply or reply.startswith("Apakah maksud Anda")
    assert chat.say("halo") != ""  # not opted out


def test_marketer_added_words_work_like_built_ins(chat: Chat) -> None:
    at_code_step(chat)
    assert chat.say("kembali ke menu").startswith("Halo Budi!")


def test_session_expires_after_thirty_idle_minutes(chat: Chat, clock: FakeClock) -> None:
    chat.say("ganti email")
    clock.advance(minutes=29)
    assert "bukan alamat e-mail" in chat.say("abc")  # still in the flow
    clock.advance(minutes=31)
    reply = chat.say("1")
    assert reply.startswith("Percakapan sebelumnya sudah ditutup")
    assert "Selamat datang di Toko Kenari" in reply


def test_idle_without_an_open_flow_starts_fresh_without_a_note(
    chat: Chat, clock: FakeClock
) -> None:
    chat.say("halo")
    chat.say("batal")
    clock.advance(minutes=45)
    reply = chat.say("hmm")
    assert "ditutup" not in reply
    assert "Selamat datang" in reply


def test_code_step_wait_timeout(chat: Chat, otp: SentCodes, clock: FakeClock) -> None:
    at_code_step(chat)
    clock.advance(minutes=11)
    assert chat.say(otp.last().code).startswith("Kode sudah kedaluwarsa.")


def test_stop_confirms_once_then_silence_until_mulai(chat: Chat, clock: FakeClock) -> None:
    at_code_step(chat)
    assert chat.say("BERHENTI").startswith("Anda tidak akan menerima pesan lagi")
    assert chat.send("halo") == []
    assert chat.send("STOP") == []
    assert chat.send("menu") == []
    clock.advance(days=3)
    assert chat.send("cs") == []
    reply = chat.say("Mulai")
    assert reply.startswith("Selamat datang kembali!")
    assert "1. Verifikasi nomor saya" in reply


def test_handoff_mutes_the_bot_until_released_by_the_cli(app: Flask, chat: Chat) -> None:
    chat.say("halo")
    assert "teruskan ke petugas" in chat.say("4")
    assert chat.send("halo?") == []
    assert chat.send("menu") == []
    listed = sandi(app, "handoff", "list")
    assert f"wa:{CUSTOMER}" in listed.output
    result = sandi(app, "handoff", "release", "+62 812-3456-7890")
    assert result.exit_code == 0, result.output
    assert f"released wa:{CUSTOMER}" in result.output
    # The customer is told at once (by REST; the sandbox outbox here), in their language.
    told = [m["body"] for m in app.extensions["sandi"].outbox.read(CUSTOMER)]
    assert told[-1].startswith("Sesi dengan petugas kami sudah selesai.")
    reply = chat.say("halo")
    assert "Selamat datang" in reply and "Sesi dengan petugas" not in reply
    again = sandi(app, "handoff", "release", CUSTOMER)
    assert again.exit_code == 1
    assert "no handoff active" in again.output


def test_handoff_release_through_the_api(app_config, app: Flask, chat: Chat) -> None:
    chat.say("agent")
    client = app.test_client()
    assert client.post("/v1/handoffs/release", json={"to": CUSTOMER}).status_code == 401
    assert client.get("/v1/handoffs").status_code == 401


def test_handoff_api_with_a_key(app_config, redis_client, otp) -> None:
    from app import create_app

    app_config["SANDI_API_KEYS"] = "k1, k2"
    app = create_app(app_config)
    chat = Chat(Twilio(app.test_client()))
    chat.say("talk to a person")
    client = app.test_client()
    auth = {"Authorization": "Bearer k2"}
    listed = client.get("/v1/handoffs", headers=auth).get_json()
    assert [h["conversation"] for h in listed["handoffs"]] == [f"wa:{CUSTOMER}"]
    assert client.post("/v1/handoffs/release", json={"to": "nope"}, headers=auth).status_code == 400
    response = client.post("/v1/handoffs/release", json={"to": CUSTOMER}, headers=auth)
    assert response.status_code == 200
    assert response.get_json() == {"released": [f"wa:{CUSTOMER}"]}
    again = client.post("/v1/handoffs/release", json={"to": CUSTOMER}, headers=auth)
    assert again.status_code == 404
    told = [m["body"] for m in app.extensions["sandi"].outbox.read(CUSTOMER)]
    assert told[-1].startswith("Your chat with our staff has ended.")
    assert "Your chat with our staff" not in chat.say("hello")


def test_list_and_release_agree_about_who_is_waiting(
    app: Flask, chat: Chat, clock: FakeClock
) -> None:
    """The list used to read the index, the release the profile: a conversation the
    simulator reset (its profile gone) was listed but could not be released, and one
    whose time ran out could be released but was not listed. Both now judge by the profile."""
    chat.say("cs")
    assert f"wa:{CUSTOMER}" in sandi(app, "handoff", "list").output
    app.extensions["sandi"].turn_store.reset(f"wa:{CUSTOMER}", {})
    assert "no conversation is handed off" in sandi(app, "handoff", "list").output
    assert sandi(app, "handoff", "release", CUSTOMER).exit_code == 1
    chat.say("cs")
    clock.advance(hours=4, minutes=1)
    assert "no conversation is handed off" in sandi(app, "handoff", "list").output
    assert sandi(app, "handoff", "release", CUSTOMER).exit_code == 1
    assert chat.say("halo").startswith("Sesi dengan petugas kami sudah selesai.")


def test_handoff_times_out(app: Flask, chat: Chat, clock: FakeClock) -> None:
    chat.say("cs")
    sent, _ = app.extensions["sandi"].inbox.reply(f"wa:{CUSTOMER}", "sari", "Sebentar ya")
    assert sent.sent  # a person answered: the flow's on_timeout (nobody answered) is not due
    clock.advance(hours=3)
    assert chat.send("halo") == []
    clock.advance(hours=1, minutes=1)
    assert chat.say("halo").startswith("Sesi dengan petugas kami sudah selesai.")


def test_stop_works_during_a_handoff(chat: Chat) -> None:
    chat.say("cs")
    assert chat.say("stop").startswith("Anda tidak akan menerima pesan lagi")
    assert chat.send("halo") == []


def test_concurrent_customers_keep_their_own_conversations(twilio: Twilio, otp: SentCodes) -> None:
    numbers = [f"+62812000000{i:02d}" for i in range(8)]
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def customer(number: str, index: int) -> None:
        try:
            chat = Chat(Twilio(twilio.client.application.test_client()), sender=number)
            chat.say("halo" if index % 2 else "hello")
            chat.say("1")
            chat.say(["sms", "call", "whatsapp"][index % 3])
            code = otp.last(number).code
            results[number] = chat.say(code)
        except BaseException as err:  # surfaced below, with the thread's own traceback
            errors.append(err)

    threads = [threading.Thread(target=customer, args=(n, i)) for i, n in enumerate(numbers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    for i, number in enumerate(numbers):
        expected = "sudah terverifikasi" if i % 2 else "is verified"
        assert expected in results[number] and number in results[number]
    assert sorted(s.to for s in otp.sent) == sorted(numbers)


def test_a_step_removed_by_an_edit_does_not_strand_the_customer(
    app_config, redis_client, otp, tmp_path
) -> None:
    import shutil

    from app import create_app
    from app.config import ROOT

    chat = Chat(Twilio(create_app(app_config).test_client()))
    chat.say("ganti email")  # waits at step ask_address
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    edited = (flows / "change_email.yml").read_text().replace("id: ask_address", "id: address")
    (flows / "change_email.yml").write_text(edited.replace("then: ask_address", "then: address"))
    app_config["SANDI_FLOWS_DIR"] = str(flows)
    chat = Chat(Twilio(create_app(app_config).test_client()))
    # The answer belonged to a question that is gone: a note, and the flow from its start.
    assert chat.say("budi@contoh.com") == (
        "Maaf, alur percakapan ini baru saja kami perbarui. Kita mulai lagi dari awal, ya."
        "\n\nApa alamat e-mail baru Anda?"
    )
    assert "menjadi budi@contoh.com?" in chat.say("budi@contoh.com")
