"""bench/faq.py measures any labelled set, and the cost as the FAQ grows (issues 17, 22).

The lead measures a hidden set written later with ``bench/faq.py --set FILE``:
any file in the sets' format must give every figure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.config import ROOT
from bench.faq_synthetic import demo_faq, synthetic_faq


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.faq", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_any_labelled_file_gets_every_figure(tmp_path: Path) -> None:
    labelled = tmp_path / "hidden.yml"
    labelled.write_text(
        '- text: "kode otp ga masuk2 min"\n  expect: not_received\n  lang: id\n'
        '- text: "saya mau pesan pizza"\n  expect: none\n  lang: id\n'
        '- text: "how long is the code valid"\n  expect: how_long\n',  # lang left out
        encoding="utf-8",
    )
    done = bench("--set", str(labelled))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "hidden.yml: 2 answerable, 1 no-match messages" in out
    for figure in (
        "direct right answer",
        "wrong direct answer",
        "didn't understand",
        "no-match answered",
        "language detected     2/2",  # the message without lang: counts for none
    ):
        assert figure in out, out
    assert "FAQ search" in out and "µs" in out


def test_a_malformed_set_is_refused_with_a_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text("- text: no label\n", encoding="utf-8")
    done = bench("--set", str(broken))
    assert done.returncode != 0
    assert "message 1 needs text: and expect:" in done.stderr
    assert "no labelled set at" in bench("--set", str(tmp_path / "missing.yml")).stderr


def test_synthetic_faqs_grow_from_the_demo_one() -> None:
    demo = demo_faq()
    big = synthetic_faq(120)
    assert len(big) == 120 and big[: len(demo)] == demo
    assert len({e.id for e in big}) == 120
    assert synthetic_faq(120) == big  # seeded
    made = big[len(demo)]
    assert len(made.questions["id"]) == len(made.questions["en"]) >= 4


def test_the_cost_curve_is_printed_per_size() -> None:
    done = bench("--entries", "15,40", "--rounds", "1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["15", "40"]
    assert all("µs CPU per message" in line for line in lines)
