"""The outcome of a validation: :class:`Result` and :class:`Report`, and their formats
(text, JSON as ``POST /api/validate`` answers, a ``sh:ValidationReport`` in Turtle).

Every result says which profile produced it (``skos`` or ``glossary``, see
:mod:`glossary.shapes`): the same shape can be a Violation in one and a Warning in the
other.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rdflib

SH = "http://www.w3.org/ns/shacl#"
GLS = "https://w3id.org/semantic-glossary/shapes#"

#: Order in which severities are reported.
SEVERITIES = ("Violation", "Warning", "Info")

#: Prefixes used to shorten IRIs in the text report.
_SHORT = {
    GLS: "gls:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/2008/05/skos-xl#": "skosxl:",
    "https://w3id.org/semantic-glossary/ontology#": "gl:",
    "http://purl.org/dc/terms/": "dct:",
    "http://www.w3.org/2002/07/owl#": "owl:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
}


@dataclass(frozen=True)
class Result:
    """One validation result. Terms are in N3 form (``<uri>``, ``_:b0``, ``"x"@en``)."""

    focus_node: str
    path: str | None
    severity: str  # "Violation" | "Warning" | "Info"
    message: str
    shape: str  # the shape's IRI (N3 of a blank node otherwise)
    value: str | None = None
    file: str | None = None  # set by validate_files
    profile: str | None = None  # the profile that produced it: "skos" | "glossary"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "focusNode": _bare(self.focus_node),
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
            "shape": self.shape,
        }
        if self.value is not None:
            out["value"] = self.value
        if self.file is not None:
            out["file"] = self.file
        if self.profile is not None:
            out["profile"] = self.profile
        return out

    def with_file(self, name: str) -> Result:
        return replace(self, file=name)

    def sort_key(self) -> tuple[str, int, str, str, str, str]:
        return (
            self.file or "",
            _severity_rank(self.severity),
            self.shape,
            self.focus_node,
            self.path or "",
            self.value or "",
        )


def _severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _bare(n3: str) -> str:
    """``<http://x>`` -> ``http://x`` (JSON gives IRIs plainly); blank nodes stay ``_:b``."""
    return n3[1:-1] if n3.startswith("<") and n3.endswith(">") else n3


def _short(n3: str | None) -> str:
    if n3 is None:
        return ""
    if n3.startswith("<") and n3.endswith(">"):
        iri = n3[1:-1]
        for ns, prefix in _SHORT.items():
            if iri.startswith(ns) and re.fullmatch(r"[\w.-]*", iri[len(ns) :]):
                return prefix + iri[len(ns) :]
    return n3


@dataclass
class Report:
    """The outcome of a validation: ``conforms`` is true when there is no Violation."""

    results: list[Result]
    conforms: bool
    files: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. what the parser logged
    #: The profile that applied ("skos" | "glossary"); None when several files were
    #: validated under different profiles (``profiles`` names each file's).
    profile: str | None = None
    profiles: dict[str, str] = field(default_factory=dict)  # file -> profile

    @classmethod
    def of(
        cls,
        results: Iterable[Result],
        files: Sequence[str] = (),
        *,
        profile: str | None = None,
        profiles: dict[str, str] | None = None,
    ) -> Report:
        ordered = sorted(set(results), key=Result.sort_key)
        return cls(
            results=ordered,
            conforms=not any(r.severity == "Violation" for r in ordered),
            files=list(files),
            profile=profile,
            profiles=dict(profiles or {}),
        )

    def counts(self) -> Counter[tuple[str, str]]:
        """``(severity, shape) -> number of results``."""
        return Counter((r.severity, r.shape) for r in self.results)

    def count(self, shape: str | None = None, severity: str | None = None) -> int:
        """Results of one shape (IRI or ``gls:`` name) and/or one severity."""
        if shape is not None and shape.startswith("gls:"):
            shape = GLS + shape[4:]
        return sum(
            1
            for r in self.results
            if (shape is None or r.shape == shape) and (severity is None or r.severity == severity)
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"conforms": self.conforms, "profile": self.profile}
        if len(self.profiles) > 1:
            out["profiles"] = dict(self.profiles)
        out["results"] = [r.to_json() for r in self.results]
        return out

    def _profile_text(self) -> str:
        if self.profile is not None:
            return f"profile {self.profile}"
        return "profiles " + ", ".join(f"{f}: {p}" for f, p in self.profiles.items())

    def to_text(self, limit: int | None = 10) -> str:
        """A readable report: totals, a table of counts per shape, then the first
        ``limit`` results of each shape (all with ``limit=None``)."""
        by_severity = Counter(r.severity for r in self.results)
        what = ", ".join(
            f"{by_severity[s]:,} {s.lower()}{'s' if by_severity[s] != 1 else ''}"
            for s in SEVERITIES
            if by_severity[s]
        )
        files = f"{len(self.files)} files" if len(self.files) > 1 else (self.files or ["data"])[0]
        verdict = "conforms" if self.conforms else "DOES NOT CONFORM"
        lines = [f"{files}: {verdict}" + (f" ({what})" if what else " (no results)")]
        if self.profile is not None or self.profiles:
            lines.append(f"  {self._profile_text()} (glossary validate --profile skos|glossary)")
        lines += [f"  note: {n}" for n in self.notes]
        if not self.results:
            return "\n".join(lines) + "\n"
        counts = self.counts()
        lines += ["", "  count  severity   shape"]
        for (severity, shape), n in sorted(
            counts.items(), key=lambda kv: (_severity_rank(kv[0][0]), -kv[1], kv[0][1])
        ):
            lines.append(f"{n:7,}  {severity:<9}  {_short('<' + shape + '>')}")
        groups: dict[tuple[str, str], list[Result]] = defaultdict(list)
        for r in self.results:
            groups[(r.severity, r.shape)].append(r)
        for (severity, shape), results in sorted(
            groups.items(), key=lambda kv: (_severity_rank(kv[0][0]), kv[0][1])
        ):
            lines += ["", f"{_short('<' + shape + '>')} ({severity}, {len(results):,})"]
            messages = {r.message for r in results}
            same = len(messages) == 1
            if same:
                lines.append(f"  {results[0].message}")
            shown = results if limit is None else results[:limit]
            for r in shown:
                parts = [_short(r.focus_node)]
                if r.path:
                    parts.append(f"path {_short(r.path)}")
                if r.value is not None:
                    parts.append(f"value {_short(r.value)}")
                if r.file and len(self.files) > 1:
                    parts.append(f"in {r.file}")
                lines.append("  - " + "  ".join(parts))
                if not same:
                    lines.append(f"      {r.message}")
            if len(shown) < len(results):
                lines.append(
                    f"  ... and {len(results) - len(shown):,} more (--limit N or --all shows them)"
                )
        return "\n".join(lines) + "\n"

    def to_turtle(self) -> str:
        """The report as a ``sh:ValidationReport`` graph in Turtle."""
        import rdflib
        from rdflib.util import from_n3

        sh = rdflib.Namespace(SH)
        g = rdflib.Graph()
        g.bind("sh", sh)
        g.bind("gls", GLS)
        g.bind("skos", "http://www.w3.org/2004/02/skos/core#")
        report = rdflib.BNode()
        g.add((report, rdflib.RDF.type, sh.ValidationReport))
        g.add((report, sh.conforms, rdflib.Literal(self.conforms)))
        from glossary.shapes import load_shapes

        shapes = load_shapes().graph
        for r in self.results:
            node = rdflib.BNode()
            g.add((report, sh.result, node))
            g.add((node, rdflib.RDF.type, sh.ValidationResult))
            g.add((node, sh.focusNode, _term(from_n3, r.focus_node)))
            g.add((node, sh.resultSeverity, sh[r.severity]))
            g.add((node, sh.resultMessage, rdflib.Literal(r.message)))
            shape = _term(from_n3, r.shape if r.shape.startswith("_:") else f"<{r.shape}>")
            g.add((node, sh.sourceShape, shape))
            if r.value is not None:
                g.add((node, sh.value, _term(from_n3, r.value)))
            if r.path is not None:
                if re.fullmatch(r"<[^<>\s]*>", r.path):
                    g.add((node, sh.resultPath, rdflib.URIRef(r.path[1:-1])))
                else:  # a complex path: the shape's own sh:path, copied with its structure
                    path = shapes.value(shape, sh.path)
                    if path is not None:
                        g.add((node, sh.resultPath, path))
                        for triple in _reachable(shapes, path):
                            g.add(triple)
            if r.file is not None:
                g.add((node, rdflib.RDFS.comment, rdflib.Literal(f"in {r.file}")))
            if r.profile is not None:
                g.add((node, rdflib.RDFS.comment, rdflib.Literal(f"profile {r.profile}")))
        return g.serialize(format="turtle")


def _term(from_n3: Callable[..., Any], n3: str) -> Any:
    return from_n3(n3)


def _reachable(graph: rdflib.Graph, node: Any) -> Iterable[tuple[Any, Any, Any]]:
    """The triples of the blank-node structure under ``node`` (a SHACL path, a list)."""
    import rdflib

    seen = set()
    todo = [node]
    while todo:
        n = todo.pop()
        if n in seen or not isinstance(n, rdflib.BNode):
            continue
        seen.add(n)
        for p, o in graph.predicate_objects(n):
            yield (n, p, o)
            todo.append(o)
