"""Indonesian as customers type it on WhatsApp, spelled out for the FAQ search.

"kak sy udh coba tp kodenya ga masuk2" means "saya sudah coba tapi kodenya
tidak masuk masuk": chat spellings, dropped vowels and doubled words written
with a 2. The FAQ lists questions in standard spelling, so a message is
spelled out before it is searched.

Guarded, because short chat spellings collide with real words: the lexicon
is used only on messages that do not read as English (``detect`` is not
``"en"``), never rewrites a common English word (``language.ENGLISH``: "no"
stays "no"), and never a word the FAQ itself uses (the caller passes those
as ``keep``: if a marketer writes "buat", "buat" matches "buat").

Jakarta's -in for -kan ("matiin") and chat's ke- for ter- ("kehapus") are
undone only into a word the FAQ uses ("matikan", "terhapus").

Written for Sandi from common Indonesian chat usage (no word list vendored).
"""

from __future__ import annotations

import re

from app.conversation.language import ENGLISH

#: Chat spelling -> standard Indonesian (one or more words).
COLLOQUIAL = {
    # pronouns and people
    "sy": "saya", "aku": "saya", "aq": "saya", "gw": "saya", "gue": "saya", "gua": "saya",
    "ak": "saya", "ku": "saya", "org": "orang", "orng": "orang",
    # question words
    "gmn": "bagaimana", "gimana": "bagaimana", "gmana": "bagaimana", "bgmn": "bagaimana",
    "gmna": "bagaimana", "knp": "kenapa", "napa": "kenapa", "ngapa": "kenapa", "brp": "berapa",
    "brapa": "berapa", "brpa": "berapa", "apaan": "apa", "apaaan": "apa", "dmn": "di mana",
    "kpn": "kapan", "mksd": "maksud", "maksudnya": "maksud",
    # negation
    "ga": "tidak", "gak": "tidak", "gk": "tidak", "g": "tidak", "nggak": "tidak",
    "ngga": "tidak", "enggak": "tidak", "engga": "tidak", "ngak": "tidak", "kagak": "tidak",
    "tdk": "tidak", "tak": "tidak", "gatau": "tidak tahu", "gabisa": "tidak bisa",
    "gamau": "tidak mau", "gaada": "tidak ada", "gada": "tidak ada", "gaa": "tidak",
    # time and aspect
    "udh": "sudah", "udah": "sudah", "sdh": "sudah", "dah": "sudah", "blm": "belum",
    "blom": "belum", "belom": "belum", "td": "tadi", "tdi": "tadi", "skrg": "sekarang",
    "skrng": "sekarang", "skr": "sekarang", "msh": "masih", "masi": "masih", "lg": "lagi",
    "lgi": "lagi", "trs": "terus", "trus": "terus", "bntr": "sebentar", "bentar": "sebentar",
    "sbntr": "sebentar", "lama2": "lama", "telat": "terlambat",
    # joining words
    "yg": "yang", "tu": "itu", "tuh": "itu", "ni": "ini", "tp": "tapi", "tpi": "tapi", "dr": "dari", "dri": "dari", "jg": "juga",
    "krn": "karena", "karna": "karena", "kl": "kalau", "klo": "kalau", "kalo": "kalau",
    "dgn": "dengan", "dg": "dengan", "jgn": "jangan", "ato": "atau", "pd": "pada",
    "bnyk": "banyak", "bbrp": "beberapa", "knapa": "kenapa", "nda": "tidak", "ndak": "tidak",
    "sm": "sama", "ama": "sama", "utk": "untuk",
    "aja": "saja", "ajah": "saja", "cuma": "hanya", "cuman": "hanya", "doang": "saja",
    "emg": "memang", "emang": "memang", "bgt": "banget", "bngt": "banget", "gitu": "begitu",
    "gini": "begini", "hrs": "harus", "bs": "bisa", "bsa": "bisa", "bisaa": "bisa",
    # verbs
    "dpt": "dapat", "dapet": "dapat", "dtg": "datang", "dateng": "datang", "nyampe": "sampai",
    "nyampai": "sampai", "sampe": "sampai", "nongol": "muncul", "kirimin": "kirim",
    "dikirimin": "dikirim", "ngirim": "kirim", "krm": "kirim", "masukin": "masukkan",
    "dimasukin": "dimasukkan", "pake": "pakai", "dipake": "dipakai",
    "ngasih": "memberi", "ngasi": "memberi", "kasi": "kasih", "ksh": "kasih",
    "dikasi": "diberi", "dikasih": "diberi", "ngaku": "mengaku", "ngakunya": "mengaku",
    "dichat": "dikirimi pesan", "nanya": "tanya", "nelpon": "menelepon", "nelfon": "menelepon",
    "nelepon": "menelepon",
    "ditelpon": "ditelepon", "telp": "telepon", "tlp": "telepon", "telpon": "telepon",
    "tlpn": "telepon", "nyoba": "coba", "liat": "lihat", "ngeliat": "lihat", "bikin": "buat",
    "bales": "balas", "ilang": "hilang", "ngerti": "mengerti", "tau": "tahu", "tlg": "tolong",
    "minta2": "minta", "mkasih": "terimakasih", "makasih": "terimakasih", "mksh": "terimakasih",
    "pesen": "pesan", "trima": "terima", "nerima": "menerima", "msk": "masuk",
    "smpe": "sampai", "ttp": "tetap", "tetep": "tetap", "dapetin": "dapat", "ngecek": "cek",
    "ganti2": "ganti", "nunggu": "tunggu", "ditunggu": "tunggu", "nyadap": "menyadap",
    "jelasin": "jelaskan", "dijelasin": "dijelaskan", "bagiin": "bagikan", "ngirimin": "mengirimi",
    # things
    "nmr": "nomor", "nomer": "nomor", "wa": "whatsapp", "whatsap": "whatsapp",
    "watsap": "whatsapp", "miscall": "missed call", "misscall": "missed call",
    "misscal": "missed call", "miskol": "missed call", "kadaluarsa": "kedaluwarsa",
    "kadaluwarsa": "kedaluwarsa", "kedaluarsa": "kedaluwarsa", "ijo": "hijau",
    "centang2": "centang", "verif": "verifikasi", "kodeotp": "kode otp", "otpnya": "otp",
    "kodenya": "kode", "notif": "notifikasi", "beneran": "benar", "bener": "benar",
    "asli": "resmi", "ori": "resmi", "palsu": "tidak resmi", "bodong": "tidak resmi", "inggris": "inggris", "indo": "indonesia",
}  # fmt: skip

#: "ga"/"gak"/"nggak"/"gk" written together with the word it negates ("gaboleh").
_NEGATED = re.compile(r"^(nggak|ngga|gak|ga|gk)([a-z]{3,})$")
#: A word doubled with a 2 ("masuk2", "angka2"): the word itself.
_DOUBLED = re.compile(r"^([a-z]{2,})2$")


def spell_out(word: str, keep: frozenset[str] = frozenset()) -> str:
    """One chat word in standard spelling (maybe several words); kept words stay as they are."""
    if word in keep or word in ENGLISH:
        return word
    found = COLLOQUIAL.get(word)
    if found is not None:
        return found
    negated = _NEGATED.match(word)
    if negated and negated.group(2) in keep:  # "gaboleh", "gakbisa": tidak + a word of the FAQ
        return "tidak " + negated.group(2)
    if word.endswith("in") and len(word) > 5 and word[:-2] + "kan" in keep:
        return word[:-2] + "kan"  # "matiin", "bacain": Jakarta's -in is -kan
    if word.startswith("ke") and len(word) > 5 and "ter" + word[2:] in keep:
        return "ter" + word[2:]  # "kehapus", "kekirim": chat's ke- is ter- (by accident)
    doubled = _DOUBLED.match(word)
    if doubled:
        base = doubled.group(1)
        return base if base in keep else COLLOQUIAL.get(base, base)
    return word
