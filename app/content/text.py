"""Small text helpers shared by matching, commands and language detection."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")
_INNER_PUNCT = re.compile(r"[^\w\s@.+-]")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")


#: Text that normalise() gives back as it is: lower-case ASCII letters and digits,
#: one space between words ("halo", "berapa lama kode berlaku", "3").
_NORMAL = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def normalise(text: str) -> str:
    """Lower case, one space between words, no punctuation or emoji at the edges.

    ``"  STOP!! "`` and ``"stop"`` are the same command; ``"E-mail"`` and
    ``"email"`` the same word. A turn normalises its message several times,
    and many messages are normal already: one match says so.
    """
    if _NORMAL.fullmatch(text):
        return text
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("e-mail", "email")
    text = _INNER_PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text).strip()
    return _EDGE_PUNCT.sub("", text).strip()


def wordlist(text: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string (easier to edit)."""
    return frozenset(text.split())


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def has_content(text: str) -> bool:
    """True when the text holds a letter or digit (not only emoji or punctuation)."""
    return bool(_LETTER_OR_DIGIT.search(text))


def has_letters(text: str) -> bool:
    return bool(_LETTER.search(text))
