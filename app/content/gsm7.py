"""The SMS alphabet (GSM 03.38): what fits in a septet, and folding text into it.

One character outside it (a curly quote, an emoji) sends the whole message
as UCS-2, 70 characters per part instead of 160: the template checks warn
about it, and the OTP SMS folds look-alikes to plain ASCII before it goes.
"""

from __future__ import annotations

import unicodedata

#: The GSM 03.38 alphabet SMS uses by default; one character outside it sends the
#: whole message as UCS-2 (70 characters per part instead of 160).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table: two septets each.
GSM7_EXTENDED = frozenset("^{}\\[~]|€")
GSM_CHARS = GSM7 | GSM7_EXTENDED
#: One SMS segment of GSM-7 text, in septets.
SEGMENT = 160
_LOOKALIKES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "`": "'"}
    | {"…": "...", "\u00a0": " ", "\u2009": " ", "•": "-"}
)


def septets(text: str) -> int | None:
    """Length in GSM-7 septets, or None if some character is not GSM-7."""
    chars = set(text)
    if chars <= GSM7:  # the usual case, decided in C
        return len(text)
    if not chars <= GSM_CHARS:
        return None
    return len(text) + sum(text.count(c) for c in chars & GSM7_EXTENDED)


def to_ascii_gsm(text: str) -> str:
    """Fold look-alikes and accents to plain ASCII that GSM-7 carries (é -> e)."""
    if text.isascii() and set(text) <= GSM_CHARS:
        return text  # nothing to fold: every rendered OTP SMS, unless a template changed
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKES))
    folded = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c in GSM_CHARS else "?" for c in folded)
