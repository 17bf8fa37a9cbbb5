"""Customers understood in their own words (issue 17).

The dev set (tests/conversation/data/faq_dev.yml, written blind, see its
header) goes through the real engine's routing; its figures must meet the
goals. The second dev set (faq_dev2.yml, the holdout set until 2026-12-02) is
counted here; its figures are in docs/faq.md. The routing cases below
go through the real webhook.
"""

from __future__ import annotations

import math

import pytest

from app.conversation.faq import faq_words, prepare
from app.conversation.language import ENGLISH
from app.conversation.lexicon import COLLOQUIAL, spell_out
from bench.faq_eval import DATA, Figures, demo_bot, evaluate, load_set
from tests.support.chat import Chat


@pytest.fixture(scope="module")
def dev() -> Figures:
    return evaluate(load_set(DATA / "faq_dev.yml"))[0]


def test_the_sets_are_big_and_cover_every_entry() -> None:
    dev_set, dev2 = load_set(DATA / "faq_dev.yml"), load_set(DATA / "faq_dev2.yml")
    assert len(dev_set) + len(dev2) >= 150
    entries = {e.id for e in demo_bot().flowset.faq}
    assert {m.expect for m in dev_set} - {None} == entries
    assert sum(m.expect is None for m in dev_set) >= 20
    assert all(m.lang in ("id", "en", "mix") for m in dev_set + dev2)


def test_most_answerable_messages_get_the_right_answer_directly(dev: Figures) -> None:
    # The goal is 70 %; the dev set, read message by message, is at 97 % (2026-12-02):
    # the bar is raised to keep that, not to say what unseen messages get.
    assert dev.right >= math.ceil(0.90 * dev.answerable)


def test_wrong_answers_are_rare(dev: Figures) -> None:
    assert dev.wrong <= math.floor(0.01 * dev.answerable)


def test_didnt_understand_is_rare_for_answerable_messages(dev: Figures) -> None:
    assert dev.not_understood <= math.floor(0.02 * dev.answerable)


def test_no_match_messages_are_not_answered_with_an_entry(dev: Figures) -> None:
    assert dev.no_match_answered <= math.floor(0.05 * dev.no_match)


def test_language_detection_stays_right(dev: Figures) -> None:
    assert dev.language_right >= math.ceil(0.99 * dev.language_checked)


def test_the_lexicon_never_rewrites_faq_or_common_english_words() -> None:
    keep = faq_words(demo_bot().flowset.faq)
    for word in COLLOQUIAL:
        if word in keep or word in ENGLISH:
            assert spell_out(word, keep) == word
    assert spell_out("gmn") == "bagaimana"
    assert spell_out("masuk2") == "masuk"
    assert spell_out("buat", frozenset({"buat"})) == "buat"


def test_english_messages_are_not_spelled_out_as_indonesian() -> None:
    # "tau" would be "tahu" in an Indonesian message; in an English one it stays.
    assert "tahu" not in prepare("what does tau mean in my code please")
    assert "tahu" in prepare("sy ga tau kodenya")


def test_greeting_and_question_get_the_answer(chat: Chat) -> None:
    reply = chat.say("halo kak, tadi sy coba login tp kode otp nya ga masuk2, gmn ya?")
    assert reply.startswith("Kode bisa terlambat karena sinyal lemah")


def test_someone_asking_for_the_code_is_warned_not_verified(chat: Chat) -> None:
    chat.say("halo")
    chat.say("batal")
    reply = chat.say(
        "tadi ada yg telpon ngaku dari toko, minta kode verifikasi yg masuk ke sms, udh sy kasih"
    )
    assert reply.startswith("Jangan berikan kodenya dan akhiri percakapan itu")
    assert "Lewat apa kode dikirim" not in reply


def test_short_exact_triggers_still_start_their_flows(chat: Chat) -> None:
    assert "Lewat apa kode dikirim?" in chat.say("verifikasi")
    assert chat.say("menu").startswith("Halo Budi!")
    assert "Bicara dengan CS" not in chat.say("agent")


def test_a_long_message_naming_a_flow_in_passing_offers_the_flow_too(chat: Chat) -> None:
    chat.say("halo")
    chat.say("batal")
    reply = chat.say("kode verifikasi nya gimana sih")
    assert reply.startswith("Apakah maksud Anda salah satu dari ini?")
    assert "Verifikasi nomor saya" in reply


def test_a_typo_is_a_slip_not_another_word() -> None:
    index = demo_bot().faq
    assert index._resolve("kode")[1] == "kode"
    assert index._resolve("cod")[1] is None  # three letters: too short to call a typo
    assert index._resolve("gopay")[1] is None  # two letters more than "pay": another word
    assert index._resolve("verifkasi")[1] == prepare("verifikasi")  # one letter dropped


def test_a_negation_written_together_is_spelled_out() -> None:
    assert spell_out("gaboleh", frozenset({"boleh"})) == "tidak boleh"
    assert spell_out("gakbisa", frozenset({"bisa"})) == "tidak bisa"
    assert spell_out("gapura", frozenset({"boleh"})) == "gapura"  # not ga + a word of the FAQ


def test_no_match_messages_naming_other_things_get_no_answer() -> None:
    index = demo_bot().faq
    for text in ("cod bisa ga min", "saya mau pesan pizza", "berapa harga kopi susu"):
        assert index.classify(text).kind != "sure", text


def test_messages_about_the_shops_other_business_get_no_answer() -> None:
    index = demo_bot().faq
    for text in ("pesanan sy kok blm dikirim", "kak bayar pake gopay bisa ga", "makasih kak"):
        assert index.classify(text).kind != "sure", text
    # An off-topic word in a message about codes costs little.
    assert index.classify("kurir minta kode otp sy, boleh dikasih?").kind != "none"


def test_a_message_of_one_or_two_words_must_be_clear_to_be_answered() -> None:
    index = demo_bot().faq
    assert index.classify("Promo lama").kind != "sure"
    assert index.classify("unsubscribe").matches[0].entry.id == "stop_messages"


def test_drawn_out_letters_apostrophes_and_affixed_typos() -> None:
    index = demo_bot().faq
    assert prepare("KODE GA MASUKKK") == prepare("kode ga masuk")
    assert index.classify("what's an OTP").matches[0].entry.id == "what_is_otp"
    assert index._resolve("dikirm")[1] == prepare("dikirim")  # a slip from the written word


def test_codes_accounts_and_passwords_of_other_business_get_no_answer() -> None:
    # A code that is not a one-time code, closing the account, a forgotten
    # password: two words together name what the FAQ does not cover.
    index = demo_bot().faq
    for text in (
        "kode promo tidak valid",
        "my discount code is wrong",
        "kode bayarnya di indomaret blm masuk",
        "how do I delete my account",
        "hapus akun gmn",
        "lupa password",
    ):
        assert index.classify(text).kind != "sure", text
    # The same words about one-time codes are still answered.
    assert index.classify("kode otp buat bayar ga masuk").kind == "sure"
    assert index.classify("I deleted the code message").kind == "sure"
