"""Which language to answer in, of the server's ``SANDI_LOCALES`` (default ``id``, ``en``).

The order, first that applies: the customer's explicit choice (a language
command, kept in the profile), the language this session settled on, the
language detected in the session's first message, the number's country
(+62 is Indonesia), then ``SANDI_DEFAULT_LOCALE``.

Only Indonesian and English have a detector. A locale without one (``jv``
added to ``SANDI_LOCALES``) is never guessed: the customer's explicit choice
(its ``lang_<locale>`` command) or ``SANDI_DEFAULT_LOCALE`` selects it. A
detected language the server does not speak says nothing.

Detection only has to tell two languages apart, mostly in short chat
messages ("halo", "selamat pagi", "hi", "good morning") where statistical
detectors are weakest. A keyword model does that well: common words,
greetings and chat spellings of each language, plus Indonesian affixes.
Text with no clue (a number, an e-mail address, an emoji) says nothing.
"""

from __future__ import annotations

import re

from app.config import LOCALES
from app.content.text import wordlist, words

INDONESIAN = wordlist(
    """
    halo hallo hai helo selamat pagi siang sore malam permisi assalamualaikum salam met
    apa apakah itu ini saya aku gue gw kamu anda mau ingin bisa tolong bagaimana gimana gmn
    kenapa mengapa knp kapan berapa brp dimana mana siapa tidak tdk gak ga nggak enggak belum blm
    sudah sdh udah udh ya iya yg yang dan atau dengan dgn untuk utk dari ke di pada karena krn
    kalau kalo kl juga jg ada adalah harus hrs boleh lagi masih sama terima kasih makasih trims
    kode nomor nomer ganti ubah kirim ulang masuk daftar akun pesan tanya pertanyaan bantu
    bagaimanakah caranya cara minta dapat dapet kok sih dong deh nih tuh aja saja banget sekali
    mohon maaf bapak ibu kak mas mbak baru lama berlaku aman rahasia petugas orang menelpon telepon
    min gan sis tp td lg skrg msh dpt dtg emg trs org klo gitu gini apaan pake pakai libur lebaran
    tetep tetap buka tutup kirimin masukin nyampe sampai datang muncul salah benar bener beneran
    terus tadi sekarang lagi wkwk wkwkwk kenapa mengapa hari jam menit akun toko belanja bayar
    tak gak nggak kagak suruh disuruh tunggu nunggu maksud maksudnya panggilan terjawab
    dikirim dikirimin kirimkan diminta minta dipakai dipake berhenti langganan berapa lama
    lewat sudah belum kalau gimana kapan dong kok deh sih banget bgt aja udah blm tu ni sy semacam
    """
)
ENGLISH = wordlist(
    """
    hello hi hey hiya good morning afternoon evening night greetings thanks thank you please
    what is are the a an my your i me we want would like can could how why when where who which
    not no yes yeah do does did don't didn't doesn't to of for from with and or in on at it this
    that code number change send resend again log login sign up account message question help
    get got receive received long last safe share someone asks staff call email mail never ever
    should must will way anyone am be been have has there their they about new old
    stop unsubscribe subscribe messages secure expired wrong correct arrive arrived
    working hours open language english phone verify verification
    """
)
#: More everyday words, for detection only (the FAQ search and the lexicon use
#: the lists above): chat spellings, particles, verbs and nouns of daily life a
#: short message may carry alone ("motong pulsa ga", "otp invalid"). Written
#: from common usage, not from any set's misses; a word both languages use
#: ("email", "online", "otp", "chat") is in neither.
INDONESIAN_MORE = wordlist(
    """
    udh udah sdh blom blum lom tdi tadi barusan kemarin kemaren besok nanti ntar entar
    bs bisa gbs gabisa gk gakbisa nda ndak engga ngga gaada gada tau tahu gatau ngerti
    dong donk deh sih nih tuh kan lho loh kok yah ya yaa yak oke sip siap
    knp kenapa napa ngapa kok brp berapa kpn kapan dmn mana gmna gmana bgmn
    sy saya aq gw gue lu lo kamu km kalian kita kami dia mereka beliau anak suami istri
    mama papa ibu bapak adik adek kakak abang temen teman pacar keluarga tetangga
    hp henpon ponsel pulsa kuota sinyal jaringan jelek penuh rumah kosan kantor mnt dtk
    motong potong dipotong kepotong nyampe sampe sampai nongol muncul ilang hilang
    ketik diketik ngetik salah bener benar betul keliru coba nyoba dicoba cobain
    pake pakai dipake dipakai makai kepake terpakai berapa kali tiap setiap selalu sering
    lama lambat cepat cepet lemot telat terlambat tunggu nunggu ditunggu menunggu
    terima nerima diterima dapet dapat didapat kasih dikasih ngasih kasi beri berikan
    ganti diganti ngganti gantiin ubah diubah rubah dirubah hapus dihapus kehapus
    gimana caranya cara bagaimana tolong tlg mohon bantu bantuin dibantu
    bgt banget sekali amat parah aneh ribet susah gampang mudah aman bahaya
    mau pengen pingin ingin perlu butuh wajib harus hrs mesti boleh blh
    sudah belum masih lagi juga jg aja saja cuma cuman hanya doang
    kalo klo kalau kl jika apabila tapi tp tetapi trus terus lalu habis abis
    yg yang dgn dengan utk untuk buat bwt dr dari ke di pd pada sama ama sm
    ini itu tsb tersebut begini begitu gini gitu sini situ sana
    nomor nomer no hp akun sandi katasandi kata bahasa pesan pesannya kode kodenya
    tidak tdk enggak nggak gak ga g bukan bkn jangan jgn lupa inget ingat mulu melulu
    masuk keluar daftar mendaftar verifikasi konfirmasi
    p hehe hihi haha wkwk xixi
    """
)
ENGLISH_MORE = wordlist(
    """
    i'm im i've ive i'll i'd you're it's isn't aren't wasn't won't can't cannot couldn't
    shouldn't haven't hasn't let's what's where's how's there's that's
    was were being had doing done go going goes went come coming came
    make made take took give gave tell told say said see saw seen know knew known
    think thought try tried trying keep keeps kept put need needs needed use used using
    still just only also too very really actually already yet even much many more most
    some any every each all both other another same such than then now today tomorrow
    yesterday soon later ago time times minute minutes hour hours day days week
    here these those them him her his she he our us its
    if but so because while until since after before again back
    invalid valid incorrect right wrong working broken shows showing appear appears
    sent sending texted text texts typed type enter entered entering
    anybody somebody nobody everyone something nothing anything everything
    tonight full signal bad slow hello great fine awesome
    accept accepted accepts work works worked happen happened happens
    pls plz cancel cancelled canceled
    """
)
#: Words Indonesian chat uses as they are in English ("otp via email bisa?",
#: "login dulu"): they say nothing of the language in detection.
LOANWORDS = wordlist("email mail login log")

#: Indonesian suffixes rare in English ("kodenya", "kirimkan", "bisakah").
_ID_AFFIX = re.compile(r"^\w{3,}(?:nya|kan|lah|kah)$")

#: Votes the winning language must lead by; ties say nothing.
MARGIN = 1


def detect(text: str, locales: tuple[str, ...] = LOCALES) -> str | None:
    """``"id"``, ``"en"`` or None when the text gives no clue (or names a
    language not in ``locales``)."""
    found = _detect(text)
    return found if found in locales else None


def _detect(text: str) -> str | None:
    tokens = words(text)[:60]
    if not tokens:
        return None
    id_score = en_score = 0.0
    for token in tokens:
        if token in LOANWORDS:
            continue
        in_id = token in INDONESIAN or token in INDONESIAN_MORE
        in_en = token in ENGLISH or token in ENGLISH_MORE
        if in_id and not in_en:
            id_score += 1
        elif in_en and not in_id:
            en_score += 1
        elif not in_id and not in_en and _ID_AFFIX.match(token) and not token.isdigit():
            id_score += 0.5
    if id_score - en_score >= MARGIN:
        return "id"
    if en_score - id_score >= MARGIN:
        return "en"
    return None


def country_locale(number: str, locales: tuple[str, ...] = LOCALES) -> str | None:
    """Indonesian for Indonesian numbers (if the server speaks it); nothing about the others."""
    return "id" if number.startswith("+62") and "id" in locales else None
