"""bench/faq: CPU per FAQ search on the demo FAQ, no server, no Redis.

    .venv/bin/python -m bench.faq [--rounds 3] [--profile 25]
    .venv/bin/python -m bench.faq --set dev [--misses]     # or --set holdout, or a path

With ``--set``, how well the bot understands a labelled set of customer
messages (see bench/faq_eval.py): direct right answers, wrong ones, "did you
mean", "didn't understand", no-match messages answered with an entry, and
CPU per message. ``--misses`` lists the messages that went wrong — for the
dev set only: the holdout set is never read message by message.

Without it:

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
from pathlib import Path

from app.config import ROOT
from app.content.loader import load_flows
from app.content.render import Templates
from app.conversation.faq import FaqIndex
from bench import faq_eval


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
    parser.add_argument("--set", metavar="dev|holdout|PATH", help="report on a labelled set")
    parser.add_argument("--misses", action="store_true", help="list the dev set's misses")
    args = parser.parse_args()
    if args.set:
        labelled_set(args.set, args.misses)
        return
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


def labelled_set(name: str, show_misses: bool) -> None:
    path = faq_eval.DATA / f"faq_{name}.yml" if name in ("dev", "holdout") else Path(name)
    if show_misses and "holdout" in path.name:
        raise SystemExit("--misses is for the dev set: the holdout set is not tuned on")
    figures, results = faq_eval.evaluate(faq_eval.load_set(path))
    print(faq_eval.report(path.name, figures))
    if show_misses:
        print(faq_eval.misses(results))


if __name__ == "__main__":
    main()
