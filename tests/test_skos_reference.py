"""The examples of the SKOS Reference (tests/data/shapes/skos-reference/), as data.

Each fixture is one example of the Recommendation, with a header that names it (section,
position) and states its outcome as the Reference does (``# reference: consistent`` or
``not consistent``) and the Violations we expect (``# violation: SHAPE FOCUS [VALUE]``,
or ``none``). Validated with inference off, in the generic ``skos`` profile the data
asks for: every consistent example must give no Violation; every example that is not
consistent must give exactly the Violations named, from the shape of the condition it
breaks. pySHACL, the reference engine, must give the same results on each.
The number of examples that ran is asserted and printed in the terminal summary.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SUMMARY

from glossary.validate import GLS, Report, validate_files, validate_graph

SUITE = Path(__file__).resolve().parent / "data" / "shapes" / "skos-reference"
BASE = "http://example.org/ns/"
FILES = sorted(SUITE.glob("*.ttl"))
#: Examples of the Reference in the suite; a new fixture must raise it.
EXAMPLES = 52
OUTCOMES = ("consistent", "not consistent", "consistent (unmarked)")
RAN: dict[str, str] = {}

_FIELD = re.compile(r"^# (section|example|reference|violation): (.*)$")


def header(path: Path) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = _FIELD.match(line)
        if match:
            fields.setdefault(match.group(1), []).append(match.group(2).strip())
    return fields


def term(text: str) -> str:
    """``gls:X`` -> the shape IRI; ``<A>`` -> N3 against the examples' base; literals as is."""
    if text.startswith("gls:"):
        return GLS + text[4:]
    if text.startswith("<") and "://" not in text:
        return f"<{BASE}{text[1:-1]}>"
    return text


def expected(fields: dict[str, list[str]]) -> set[tuple[str, str, str | None]]:
    out = set()
    for line in fields.get("violation", []):
        if line == "none":
            continue
        shape, focus, *value = line.split(" ", 2)
        out.add((term(shape), term(focus), term(value[0]) if value else None))
    return out


def violations(report: Report, with_values: set[str]) -> set[tuple[str, str, str | None]]:
    return {
        (r.shape, r.focus_node, r.value if r.shape in with_values else None)
        for r in report.results
        if r.severity == "Violation"
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_example(path: Path) -> None:
    fields = header(path)
    [outcome] = fields["reference"]
    assert outcome in OUTCOMES
    assert fields["section"] and fields["example"]
    want = expected(fields)
    assert (outcome == "not consistent") == bool(want), (
        "a not consistent example names its Violations"
    )
    report = validate_files([path])
    assert report.profile == "skos"  # no glossary markers: the generic profile
    with_values = {shape for shape, _, value in want if value is not None}
    got = violations(report, with_values)
    assert got == want, "\n" + report.to_text(limit=None)
    assert report.conforms == (outcome != "not consistent")
    RAN[path.name] = outcome


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_pyshacl_agrees(path: Path) -> None:
    """The reference engine: pySHACL runs every per-node shape and every SHACL-SPARQL
    shape with targets (the ones that name S27, S46, S37), focus node by focus node."""
    import rdflib

    graph = rdflib.Graph().parse(path, format="turtle")

    def full(engine: str) -> list[tuple[str, str, str, str | None, str | None]]:
        report = validate_graph(graph, engine=engine)
        return [(r.shape, r.severity, r.focus_node, r.path, r.value) for r in report.results]

    assert full("sparql") == full("pyshacl")


def test_every_example_ran() -> None:
    """Counts the examples (running them when this test is selected alone), and prints
    the count in the terminal summary."""
    if len(RAN) < len(FILES):
        for path in FILES:
            test_example(path)
    assert len(RAN) == len(FILES) == EXAMPLES
    marked = [o for o in RAN.values() if o != "consistent (unmarked)"]
    consistent = marked.count("consistent")
    inconsistent = marked.count("not consistent")
    SUMMARY.append(
        f"SKOS Reference examples: {len(RAN)} validated as the Reference says: "
        f"{consistent} marked consistent pass with no Violation, {inconsistent} marked not "
        f"consistent each give their condition's Violation, "
        f"{len(RAN) - len(marked)} unmarked pass; pySHACL agrees on all"
    )
