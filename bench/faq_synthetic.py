"""A shop's FAQ of any size: the demo's entries, then made-up ones like them.

A real shop's FAQ has hundreds of entries about its products, orders and
payments. To measure what FAQ search costs as the content grows (issue 22),
``synthetic_faq(n)`` returns the demo FAQ's entries followed by made-up
ones: each is about a topic of two invented words ("kasur tomlin") asked in
four to six of the usual shapes, both languages ("berapa harga kasur tomlin",
"how much is the kasur tomlin"). The shapes' words ("berapa", "cara", "how")
are shared by many entries, as in a real FAQ, and topic words are drawn so
that some recur across entries: the inverted index cannot skip everything.

Seeded: the same ``n`` gives the same FAQ on every run.
"""

from __future__ import annotations

import random

from app.config import ROOT
from app.content.flows import FaqEntry, Text
from app.content.loader import load_flows
from app.content.render import Templates
from app.content.source import Where

#: The usual shapes of a shop's questions: (Indonesian, English).
SHAPES = (
    ("berapa harga {a} {b}", "how much is the {a} {b}"),
    ("bagaimana cara pakai {a} {b}", "how do i use the {a} {b}"),
    ("apakah {a} {b} masih ada", "is the {a} {b} still available"),
    ("{a} {b} saya rusak bagaimana", "my {a} {b} is broken what now"),
    ("kapan {a} {b} dikirim", "when will the {a} {b} be sent"),
    ("bisa tukar {a} {b} tidak", "can i exchange the {a} {b}"),
    ("ukuran {a} {b} berapa", "what size is the {a} {b}"),
    ("garansi {a} {b} berapa lama", "how long is the {a} {b} warranty"),
)
_SYLLABLES = [
    "ka",
    "ri",
    "mo",
    "tu",
    "la",
    "ne",
    "si",
    "po",
    "ba",
    "de",
    "gu",
    "ra",
    "to",
    "mi",
    "su",
    "ke",
    "na",
    "lo",
    "pe",
    "di",
]


def demo_faq() -> tuple[FaqEntry, ...]:
    return load_flows(ROOT / "flows", Templates(ROOT / "templates")).faq


def _word(rng: random.Random) -> str:
    return "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 3))) + rng.choice("nrsklm")


def synthetic_faq(n: int, seed: int = 22) -> tuple[FaqEntry, ...]:
    """The demo FAQ's entries, then made-up ones up to ``n`` entries in all."""
    demo = demo_faq()
    rng = random.Random(seed)
    vocabulary = sorted({_word(rng) for _ in range(max(n, 40))})
    made = []
    for i in range(max(0, n - len(demo))):
        # Low indices are drawn more often: some topic words recur across entries.
        a = vocabulary[int(len(vocabulary) * rng.random() ** 2)]
        b = rng.choice(vocabulary)
        shapes = rng.sample(SHAPES, rng.randint(4, 6))
        made.append(
            FaqEntry(
                id=f"synthetic_{i}",
                where=Where("synthetic.yml", i + 1, 1),
                title=Text({"id": f"{a} {b}", "en": f"{a} {b}"}),
                questions={
                    "id": tuple(s[0].format(a=a, b=b) for s in shapes),
                    "en": tuple(s[1].format(a=a, b=b) for s in shapes),
                },
                answer="faq/what_is_otp",
            )
        )
    return demo[:n] + tuple(made)


def typo(text: str, rng: random.Random) -> str:
    """One slip of the thumb: a letter dropped, two swapped, or one doubled."""
    if len(text) < 3:
        return text
    i = rng.randrange(len(text) - 1)
    kind = rng.choice(("drop", "swap", "double"))
    if kind == "drop":
        return text[:i] + text[i + 1 :]
    if kind == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i] + text[i:]


def questions(entries: tuple[FaqEntry, ...], rng: random.Random, count: int = 3000) -> list[str]:
    """Listed questions, each also with a typo, and word salads of the FAQ's words."""
    listed = [q for e in entries for qs in e.questions.values() for q in qs]
    listed = rng.sample(listed, min(len(listed), count // 3))
    vocabulary = sorted({w for q in listed for w in q.split()})
    salads = [" ".join(rng.choices(vocabulary, k=rng.randint(1, 7))) for _ in range(len(listed))]
    mixed = listed + [typo(q, rng) for q in listed] + salads
    return mixed * max(1, count // len(mixed))
