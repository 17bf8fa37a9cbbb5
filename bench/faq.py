"""bench/faq: CPU per FAQ search, and how well the FAQ understands customers.

    .venv/bin/python -m bench.faq [--rounds 3] [--profile 25]
    .venv/bin/python -m bench.faq --entries 15,100,300,1000   # the cost curve
    .venv/bin/python -m bench.faq --set dev [--misses]        # dev, dev2 … dev6, or any FILE

With ``--set``, how well the bot understands a labelled set of customer
messages (see bench/faq_eval.py; any file of the same format): direct right
answers, wrong ones, "did you mean", "didn't understand", no-match messages
answered with an entry, language detection, and CPU per message.
``--misses`` lists the messages that did not get their right answer.

Without it: FAQs of each size in ``--entries`` (the demo's 15 entries, then
synthetic ones, bench/faq_synthetic.py) get a few thousand questions built
before the clock starts — listed variants, each with a typo, word salads of
the FAQ's words, and the labelled sets' messages — and ``FaqIndex.classify``
(what every customer message costs) is timed over all of them with
``time.process_time``: the CPU per message, best of the rounds, so a busy
neighbour matters less.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from pathlib import Path

from app.conversation.faq import FaqIndex
from bench import faq_eval
from bench.faq_synthetic import questions, synthetic_faq

SETS = ("dev", "dev2", "dev3", "dev4", "dev5", "dev6")


def cost(entries: int, rounds: int, profile: int) -> None:
    index = FaqIndex(synthetic_faq(entries))
    labelled = [m.text for name in SETS for m in faq_eval.load_set(_path(name))]
    asked = questions(index.entries, random.Random(7)) + labelled
    for text in asked:  # warm the stem and word caches, as a running server has
        index.classify(text)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in asked:
            index.classify(text)
        best = min(best, (time.process_time() - started) / len(asked))
    variants = sum(len(q) for e in index.entries for q in e.questions.values())
    print(
        f"{len(index.entries):5d} entries {variants:6d} variants: "
        f"{best * 1e6:7.1f} µs CPU per message ({len(asked)} messages, best of {rounds})"
    )
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [index.classify(text) for text in asked])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)


def _path(name: str) -> Path:
    return faq_eval.DATA / f"faq_{name}.yml" if name in SETS else Path(name)


def labelled_set(name: str, show_misses: bool) -> None:
    path = _path(name)
    if not path.is_file():
        raise SystemExit(f"no labelled set at {path}")
    try:
        labelled = faq_eval.load_set(path)
    except ValueError as problem:
        raise SystemExit(str(problem)) from None
    figures, results = faq_eval.evaluate(labelled)
    print(faq_eval.report(path.name, figures))
    if show_misses:
        print(faq_eval.misses(results))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--entries", default="15", metavar="N[,N...]", help="FAQ sizes to time")
    parser.add_argument("--set", metavar="dev|dev2..dev6|FILE", help="report on a labelled set")
    parser.add_argument("--misses", action="store_true", help="list the set's misses")
    args = parser.parse_args()
    if args.set:
        labelled_set(args.set, args.misses)
        return
    for size in args.entries.split(","):
        cost(int(size), args.rounds, args.profile)


if __name__ == "__main__":
    main()
