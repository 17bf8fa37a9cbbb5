"""Generated flows for the memory and load-time benchmark: valid, and big.

``generate(target, flows=200, steps=20)`` copies the demo flows and templates
into ``target`` and adds ``flows`` flows of ``steps`` steps each — questions
of every kind (text, number, yes/no, choice), messages that use the answers,
a branch back and an end — with an Indonesian and an English template for
every message, so that ``sandi flows check`` accepts the result.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from bench.common import ROOT

#: One round of the step pattern; a flow repeats it until it has its steps.
PATTERN = ("text", "say", "yes_no", "if", "number", "say", "choice", "say")


def _flow(n: int, steps: int) -> tuple[str, dict[str, tuple[str, str]]]:
    """The YAML of flow ``n`` and its templates: name -> (Indonesian, English)."""
    name = f"gen_{n:03d}"
    lines = [
        f"flow: {name}",
        f"description: Generated flow {n} for the memory benchmark.",
        "triggers:",
        f"  id: [mulai alur {n}]",
        f"  en: [start flow {n}]",
        "steps:",
    ]
    templates: dict[str, tuple[str, str]] = {}
    saved: list[str] = []
    last_yes_no = ""
    for i in range(1, steps):
        kind = PATTERN[(i - 1) % len(PATTERN)]
        step = f"s{i:02d}"
        if kind == "say":
            used = saved[-1] if saved else "sender"
            templates[step] = (
                f"Terima kasih. Anda menulis: {{{{ {used} }}}}. Langkah {i} dari alur {n}.",
                f"Thank you. You wrote: {{{{ {used} }}}}. Step {i} of flow {n}.",
            )
            lines += [f"  - id: {step}", f"    say: {name}/{step}"]
        elif kind == "if":
            target = f"s{i - 2:02d}" if i > 2 else "s01"
            lines += [f"  - id: {step}", f"    if: not {last_yes_no}", f"    then: {target}"]
        else:
            answer = f"a{i:02d}"
            templates[step] = (
                f"Pertanyaan {i} dari alur {n} untuk {{{{ sender }}}}: apa jawaban Anda?",
                f"Question {i} of flow {n} for {{{{ sender }}}}: what is your answer?",
            )
            lines += [
                f"  - id: {step}",
                f"    ask: {name}/{step}",
                f"    expect: {kind}",
                f"    save_as: {answer}",
            ]
            if kind == "choice":
                lines.append("    choices:")
                for c, (id_label, en_label) in enumerate(
                    (("Merah", "Red"), ("Hijau", "Green"), ("Biru", "Blue"))
                ):
                    lines += [
                        f"      - value: c{c}",
                        f"        label: {{id: {id_label}, en: {en_label}}}",
                    ]
            if kind == "yes_no":
                last_yes_no = answer
            saved.append(answer)
    templates["done"] = (
        f"Selesai, alur {n}. Jawaban terakhir: {{{{ {saved[-1]} }}}}.",
        f"Done, flow {n}. Last answer: {{{{ {saved[-1]} }}}}.",
    )
    lines += [f"  - end: {name}/done", ""]
    return "\n".join(lines), templates


def generate(target: Path, flows: int = 200, steps: int = 20) -> tuple[Path, Path]:
    """Write the demo plus ``flows`` generated flows; return (flows dir, templates dir)."""
    flows_dir, templates_dir = target / "flows", target / "templates"
    shutil.copytree(ROOT / "flows", flows_dir, ignore=shutil.ignore_patterns("tests"))
    shutil.copytree(ROOT / "templates", templates_dir)
    for n in range(flows):
        text, templates = _flow(n, steps)
        (flows_dir / f"gen_{n:03d}.yml").write_text(text)
        for locale, index in (("id", 0), ("en", 1)):
            folder = templates_dir / locale / f"gen_{n:03d}"
            folder.mkdir(parents=True, exist_ok=True)
            for template, texts in templates.items():
                (folder / f"{template}.j2").write_text(texts[index] + "\n")
    return flows_dir, templates_dir
