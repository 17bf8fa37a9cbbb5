"""A customer's message, or a listed question, as the FAQ search compares them.

Both sides go through the same steps, so "Kode OTP-nya gak masuk2" and the
listed "kode otp tidak masuk" meet as the same words: lower case, chat
spellings spelled out (:mod:`app.conversation.lexicon` for Indonesian, only
when the text is not English; ABBREVIATIONS below for both), filler words
dropped, each word stemmed (English then Indonesian snowball).
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

import snowballstemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from app.content.flows import FaqEntry
from app.content.text import wordlist, words
from app.conversation.faq_scores import TYPO
from app.conversation.language import ENGLISH, ENGLISH_MORE, INDONESIAN, INDONESIAN_MORE, detect
from app.conversation.lexicon import spell_out
from app.conversation.offtopic import is_off_topic, off_topic_pairs

#: What a word of the shop's other business becomes (:mod:`app.conversation.offtopic`):
#: one token no entry has, which the search weighs more than the FAQ's rarest word.
OFF_TOPIC_MARK = "~"

#: Chat spellings, expanded before matching.
ABBREVIATIONS = {
    "yg": "yang", "brp": "berapa", "brapa": "berapa", "gmn": "bagaimana", "gimana": "bagaimana",
    "bgmn": "bagaimana", "knp": "kenapa", "napa": "kenapa", "tdk": "tidak", "gak": "tidak",
    "ga": "tidak", "gk": "tidak", "nggak": "tidak", "ngga": "tidak", "enggak": "tidak",
    "engga": "tidak", "sy": "saya", "aku": "saya", "aq": "saya", "gw": "saya", "gue": "saya",
    "kl": "kalau", "klo": "kalau", "kalo": "kalau", "dgn": "dengan", "dg": "dengan",
    "utk": "untuk", "buat": "untuk", "blm": "belum", "udh": "sudah", "udah": "sudah",
    "sdh": "sudah", "jg": "juga", "krn": "karena", "hrs": "harus", "bs": "bisa", "bsa": "bisa",
    "nmr": "nomor", "nomer": "nomor", "wa": "whatsapp", "whatsap": "whatsapp", "kasih": "beri",
    "dikasih": "diberi", "ngasih": "memberi", "kode2": "kode", "otpnya": "otp", "kodenya": "kode",
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "msg": "message",
    "msgs": "messages", "txt": "text", "wont": "will not", "dont": "do not", "didnt": "did not",
    "cant": "can not", "cannot": "can not", "isnt": "is not", "doesnt": "does not",
    "e": "", "mail": "email", "tlp": "telepon", "telpon": "telepon", "nelpon": "menelepon",
    "ditelpon": "ditelepon", "sms": "sms", "ok": "", "oke": "",
    # vowels dropped, as thumbs do: short words that no typo rule may guess
    "wht": "what", "wat": "what", "whats": "what", "hows": "how", "wheres": "where",
    "hw": "how", "lwt": "lewat", "kd": "kode", "pwd": "password",
}  # fmt: skip

#: Words that carry no meaning for telling questions apart.
FILLER = wordlist(
    """
    sih dong deh nih tuh ya kak min admin mas mbak pak bu halo hai hi hello please tolong mohon
    the a an is are do does did i my me to of it this that and or be can could would will you your
    saya itu ini yang dan atau di ke dari bisa mau ingin ada adalah kah
    nya kok saja tadi kalau tapi kata tanya bertanya nanya sini situ sekarang masih banget sih
    begitu begini jadi jd dulu agak kira pernah gan sis bro min kakak selamat pagi siang sore malam
    permisi assalamualaikum terus lalu juga nah lho kan lah yah y wkwk wkwkwk hehe haha
    so from got via just there here they he she even though also really very thanks thank hey
    sorry okay hmm um any
    padahal sesuai sebenarnya sebenernya siapapun apapun biar supaya agar soalnya katanya
    memang emang emg sangat hanya cuma cuman doang aja saja kan kah pun sih gitu gini begitu
    because but if then than as what's it's im i'm ive i've actually just still anyway
    its thats theres youre hes shes weve theyre id ill
    """
)

#: Snowball stemmers keep their working state in the object, so one shared by
#: two threads (gthread workers, the flows reloader) mixes up their words:
#: each thread gets its own.
_STEMMERS = threading.local()


@lru_cache(maxsize=8192)  # pure, and customers use the same few hundred words
def stem(word: str) -> str:
    """One stem for "asked"/"ask" and "dikirim"/"kirim" (both stemmers, same order on both sides)."""
    pair = getattr(_STEMMERS, "pair", None)
    if pair is None:
        pair = _STEMMERS.pair = (
            snowballstemmer.stemmer("english"),
            snowballstemmer.stemmer("indonesian"),
        )
    english, indonesian = pair
    return str(indonesian.stemWord(english.stemWord(word)))


#: "what's", "don't": one word, as the chat spellings "whats", "dont" are.
_APOSTROPHES = re.compile(r"['’`]")
#: Thanks written as two words is one (chit-chat: app.conversation.offtopic),
#: not "terima" (receive) and "kasih" (give).
_THANKS = re.compile(r"\bterima\s*kasih\b", re.IGNORECASE)
#: A letter typed three times or more ("masukkk", "lagiii") is one letter.
_DRAWN_OUT = re.compile(r"([a-z])\1{2,}")


def prepare(text: str, keep: frozenset[str] = frozenset()) -> str:
    """The words that matter, stemmed: chat spellings spelled out (Indonesian
    ones only when the text is not English, never a word in ``keep``), filler
    dropped, words of the shop's other business as OFF_TOPIC_MARK."""
    typed = words(_THANKS.sub("terimakasih", _APOSTROPHES.sub("", text[:300])))
    colloquial = detect(text) != "en"
    expanded: list[str] = []
    others = off_topic_pairs(typed)
    for n, word in enumerate(typed):
        if n in others:
            expanded.append(OFF_TOPIC_MARK)
            continue
        if word not in keep:
            word = _DRAWN_OUT.sub(r"\1", word)
        if colloquial:
            word = spell_out(word, keep)
        for part in word.split():
            part = ABBREVIATIONS.get(part, part)
            expanded.extend(_token(w, keep) for w in part.split() if w and w not in FILLER)
    return " ".join(expanded)


def _token(word: str, keep: frozenset[str]) -> str:
    return OFF_TOPIC_MARK if is_off_topic(word, keep) else stem(word)


#: Everyday words of either language, stemmed: a message's word the FAQ does
#: not know but that is one of these ("dapet", "setiap", "online") is no sign
#: of another topic, so it weighs less than an unknown word (faq.COMMON_UNKNOWN).
EVERYDAY = frozenset(stem(w) for w in INDONESIAN | ENGLISH | INDONESIAN_MORE | ENGLISH_MORE)


def faq_words(entries: tuple[FaqEntry, ...]) -> frozenset[str]:
    """Every word the FAQ's questions use, as typed: the lexicon leaves those alone."""
    return frozenset(
        w
        for e in entries
        for questions in e.questions.values()
        for q in questions
        for w in words(q)
    )


#: Typed words shorter than this are never taken for a misspelt known word.
SHORTEST = 4


def closest_known(
    token: str, vocabulary: dict[str, float], surface: dict[str, str] | None = None
) -> tuple[float, str | None]:
    """The closest known word to ``token`` (typos cost a little), 0-1.

    A typo is a slip or two, not another word: a typed word shorter than
    SHORTEST is never taken for another ("cod" is not "code"), nor a word
    for a known one that short ("note" is not "not", "noted" comes to "note"), and one taken
    for a known word differs by at most one edit (a letter dropped, added,
    changed, or two swapped) in seven letters ("gopay"
    is not "pay", "prtama" is "pertama"). The known words are stems; a
    mistyped word keeps its affixes ("dikirm" is not one slip from "kirim"),
    so it is also compared with the FAQ's words as written (``surface``:
    written word -> its stem): "dikirm" is "dikirim", so "kirim"."""
    if token in vocabulary:
        return 1.0, token
    if len(token) < SHORTEST:
        return 0.0, None
    for known, similarity, _ in process.extract(
        token, vocabulary.keys(), scorer=fuzz.ratio, score_cutoff=TYPO, limit=3
    ):
        if _slip(token, known):
            return similarity / 100, known
    if surface:
        for written, similarity, _ in process.extract(
            token, surface.keys(), scorer=fuzz.ratio, score_cutoff=TYPO, limit=3
        ):
            if _slip(token, written):
                return similarity / 100, surface[written]
    return 0.0, None


def _slip(typed: str, known: str) -> bool:
    """Whether ``typed`` can be a slip of the fingers writing ``known`` (closest_known)."""
    return len(known) >= SHORTEST and OSA.distance(typed, known) <= 1 + len(typed) // 8


def surface_forms(keep: frozenset[str], vocabulary: dict[str, float]) -> dict[str, str]:
    """The FAQ's words as written whose stem is a known word, each with that stem."""
    out = {}
    for word in keep:
        stemmed = stem(word)
        if stemmed != word and stemmed in vocabulary:
            out[word] = stemmed
    return out
