"""Loading ``flows/*.yml`` into a checked :class:`FlowSet`, or failing with every problem.

Three passes, each reporting ``file:line:col``: YAML syntax (ruamel marks),
structure (the JSON Schema), then meaning (:mod:`app.content.checks`:
references, reachability, templates and their variables). Nothing that fails
here can fail later in front of a customer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from app.content import flows as f
from app.content.builder import Builder
from app.content.cascade import LeftOut, fold, left_out
from app.content.checks import FlowCheck, check_flowset
from app.content.render import Templates
from app.content.schema import validate
from app.content.source import (
    Document,
    FlowError,
    Problem,
    Where,
    display_name,
    parse_yaml,
    read_yaml,
)


def flow_files(flows_dir: Path) -> list[Path]:
    """The flow files of a folder (not its sub-folders, where conversation tests live)."""
    return sorted(p for p in flows_dir.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))


def load_flows(
    flows_dir: Path, templates: Templates, flow_checks: Sequence[FlowCheck] = ()
) -> f.FlowSet:
    """Load and check every flow; raise :class:`FlowError` listing all problems."""
    flowset, problems = check_flows(flows_dir, templates, flow_checks=flow_checks)
    errors = [p for p in problems if p.severity == "error"]
    if errors or flowset is None:
        raise FlowError(errors, source=f"flows in {flows_dir}")
    return flowset


def check_flows(
    flows_dir: Path,
    templates: Templates,
    texts: Mapping[Path, str] | None = None,
    flow_checks: Sequence[FlowCheck] = (),
) -> tuple[f.FlowSet | None, list[Problem]]:
    """Every problem (errors and warnings) and, when there is no error, the flows.

    ``texts`` are the flow files already read (a hot reload's snapshot);
    without them the files are read from ``flows_dir`` now. ``flow_checks``
    are the checks other packages add (the FAQ collisions).
    """
    if not flows_dir.is_dir():
        return None, [Problem(_where_dir(flows_dir), "the flows folder does not exist")]
    problems: list[Problem] = []
    docs: list[Document] = []
    broken: list[LeftOut] = []
    for path in sorted(texts) if texts is not None else flow_files(flows_dir):
        name = display_name(path, flows_dir)
        result = parse_yaml(texts[path], name) if texts is not None else read_yaml(path, name)
        if isinstance(result, Problem):
            problems.append(result)
            broken.append(left_out(result, texts[path] if texts is not None else _text(path)))
            continue
        found = validate(result)
        problems.extend(found)
        if not found:
            docs.append(result)
        elif "flow" in result.data:
            broken.append(left_out(min(found, key=lambda p: p.where), result.text, result.data))
    if not docs and not problems:
        problems.append(Problem(_where_dir(flows_dir), "no flow files (*.yml) in this folder"))
    builder = Builder(problems, templates.locales)
    flowset = builder.build(docs)
    problems.extend(check_flowset(flowset, builder.origins, templates, flow_checks))
    problems = fold(problems, broken)
    problems.sort(key=lambda p: (p.where, p.message))
    errors = [p for p in problems if p.severity == "error"]
    return (None if errors else flowset), problems


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _where_dir(path: Path) -> Where:
    return Where(display_name(path, None), 1, 1)
