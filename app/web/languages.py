"""Human names for the language codes of ``SANDI_LOCALES``, as the pages show them.

A marketer picking a language in the simulator reads "Basa Jawa", not "jv". The
table holds the languages a shop in Indonesia and its neighbours is likely to
configure, each in its own tongue (as a phone's language menu shows them); any
other code is shown as it is written, so a new locale works before it has a name.
"""

from __future__ import annotations

#: Code (``SANDI_LOCALES`` spelling, lowercase) -> the language's own name.
NAMES: dict[str, str] = {
    "id": "Bahasa Indonesia",
    "en": "English",
    "jv": "Basa Jawa",
    "su": "Basa Sunda",
    "ms": "Bahasa Melayu",
    "ban": "Basa Bali",
    "mad": "Basa Madhura",
    "min": "Baso Minang",
    "bug": "Basa Ugi",
    "ace": "Bahsa Acèh",
    "bjn": "Bahasa Banjar",
    "tl": "Tagalog",
    "fil": "Filipino",
    "th": "ภาษาไทย",
    "vi": "Tiếng Việt",
    "zh": "中文",
    "ar": "العربية",
    "nl": "Nederlands",
    "ja": "日本語",
    "ko": "한국어",
    "hi": "हिन्दी",
}


def language_name(code: str) -> str:
    """``jv`` -> ``Basa Jawa``; ``en-GB`` -> ``English (en-GB)``; unknown codes as given."""
    lowered = code.strip().lower()
    if lowered in NAMES:
        return NAMES[lowered]
    base = lowered.replace("_", "-").split("-")[0]
    if base in NAMES:
        return f"{NAMES[base]} ({code})"
    return code
