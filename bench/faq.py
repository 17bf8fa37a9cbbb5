"""bench/faq: CPU per FAQ search on the demo FAQ, no server, no Redis.

    .venv/bin/python -m bench.faq [--rounds 3] [--profile 25]

Builds a few thousand questions from flows/faq.yml before the clock starts —
every listed question variant, each with one typo (a letter dropped, swapped
or doubled, seeded), and word salads of the FAQ's vocabulary — then times
``FaqIndex.search`` over all of them with ``time.process_time`` and reports
the CPU per search (best of the rounds, so a busy neighbour matters less).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time

from app.config import ROOT
from app.content.loader import load_flows
from app.content.render import Templates
from app.conversation.faq import FaqIndex


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


def questions(index: FaqIndex, rng: random.Random) -> list[str]:
    listed = [q for e in index.entries for qs in e.questions.values() for q in qs]
    vocabulary = sorted({w for q in listed for w in q.split()})
    salads = [" ".join(rng.choices(vocabulary, k=rng.randint(1, 7))) for _ in range(len(listed))]
    mixed = listed + [typo(q, rng) for q in listed] + salads
    return mixed * max(1, 3000 // len(mixed))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    flows = load_flows(ROOT / "flows", Templates(ROOT / "templates"))
    index = FaqIndex(flows.faq)
    asked = questions(index, random.Random(7))
    for text in asked[:500]:  # warm the stem and word caches, as a running server has
        index.search(text)
    best = float("inf")
    for _ in range(args.rounds):
        started = time.process_time()
        for text in asked:
            index.search(text)
        best = min(best, (time.process_time() - started) / len(asked))
    print(f"{len(asked)} questions, {len(index.entries)} entries; best of {args.rounds} rounds")
    print(f"search {best * 1e6:8.1f} µs CPU per question")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [index.search(text) for text in asked])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
