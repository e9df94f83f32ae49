"""SHACL validation with the project's shapes (``ontology/shapes/*.ttl``).

Two engines share one set of shapes, so every check is declared as data:

* **per-node shapes** (SHACL Core: shapes with a target) run in pySHACL, inference off;
* **global shapes** (a ``sh:sparql`` constraint and no target; the query selects
  ``$this`` itself) run ONCE over the whole graph, in pyoxigraph, instead of once per
  focus node. Cross-concept checks (cycles, transitive S27, unidirectional links) would
  otherwise grow quadratically. A global shape marked
  ``gls:evaluatedOn gls:LanguageTaggedTriples`` (its query judges each triple alone, by
  its literal's language tag) also runs in rdflib over the triples whose tag pyoxigraph
  refused to hold (it accepts only well-formed BCP 47 tags, and lower-cases them).

A global query's solutions are results: ``?this`` the focus node, ``?path`` and
``?value`` when bound; ``{?var}`` in the shape's ``sh:message`` is replaced by the
solution's value. See ``ontology/README.md`` for the shapes and their severities.

Several files given to :func:`validate_files` are validated one by one (each file is
one vocabulary, as ``glossary load`` loads it) and every result names its file; with
``merge=True`` they are validated together as one graph.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary.config import shapes_dir

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

    from glossary.shacl_sparql import CoreQuery

SH = "http://www.w3.org/ns/shacl#"
GLS = "https://w3id.org/semantic-glossary/shapes#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

#: Order in which severities are reported.
SEVERITIES = ("Violation", "Warning", "Info")

#: Prefixes used to shorten IRIs in the text report.
_SHORT = {
    GLS: "gls:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
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
        return out

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

    @classmethod
    def of(cls, results: Iterable[Result], files: Sequence[str] = ()) -> Report:
        ordered = sorted(set(results), key=Result.sort_key)
        return cls(
            results=ordered,
            conforms=not any(r.severity == "Violation" for r in ordered),
            files=list(files),
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
        return {"conforms": self.conforms, "results": [r.to_json() for r in self.results]}

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


# --- The shapes -------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalShape:
    iri: str
    query: str  # with PREFIX lines
    severity: str
    message: str
    on_tagged_literals: bool  # gls:evaluatedOn gls:LanguageTaggedTriples


@dataclass(frozen=True)
class Shapes:
    graph: rdflib.Graph
    files: tuple[Path, ...]
    core: tuple[str, ...]  # IRIs of the per-node shapes (SHACL Core, with targets)
    global_shapes: tuple[GlobalShape, ...]
    translated: tuple[CoreQuery, ...]  # the per-node shapes as global queries
    untranslated: tuple[str, ...]  # per-node shapes the translation cannot take (pySHACL)
    messages: dict[str, str]  # shape IRI -> its sh:message
    severities: dict[str, str]  # shape IRI -> "Violation" | "Warning" | "Info"

    @property
    def names(self) -> list[str]:
        """Every named shape, per-node and global."""
        return sorted([*self.core, *(s.iri for s in self.global_shapes)])


def _pick_message(graph: rdflib.Graph, shape: Any) -> str:
    import rdflib

    messages = list(graph.objects(shape, rdflib.URIRef(SH + "message")))
    for m in messages:
        if getattr(m, "language", None) in (None, "en"):
            return str(m)
    return str(messages[0]) if messages else ""


@functools.lru_cache(maxsize=4)
def load_shapes(directory: Path | None = None) -> Shapes:
    """Read every ``*.ttl`` in the shapes directory (cached)."""
    import rdflib

    directory = directory or shapes_dir()
    files = tuple(sorted(directory.glob("*.ttl")))
    g = rdflib.Graph()
    g.bind("sh", SH)
    for f in files:
        g.parse(f, format="turtle")
    sh = rdflib.Namespace(SH)
    targets = (sh.targetClass, sh.targetNode, sh.targetSubjectsOf, sh.targetObjectsOf, sh.target)
    shapes: set[Any] = set()
    for kind in (sh.NodeShape, sh.PropertyShape):
        shapes.update(s for s in g.subjects(rdflib.RDF.type, kind) if isinstance(s, rdflib.URIRef))
    core: list[str] = []
    global_shapes: list[GlobalShape] = []
    for shape in sorted(shapes):
        has_target = any(g.value(shape, t) is not None for t in targets)
        constraints = list(g.objects(shape, sh.sparql))
        if has_target or not constraints:
            core.append(str(shape))
            continue
        if len(constraints) != 1:
            raise ValueError(f"global shape {shape} must have exactly one sh:sparql constraint")
        constraint = constraints[0]
        select = str(g.value(constraint, sh.select))
        prefixes = []
        for ontology in g.objects(constraint, sh.prefixes):
            for decl in g.objects(ontology, sh.declare):
                prefixes.append(
                    f"PREFIX {g.value(decl, sh.prefix)}: <{g.value(decl, sh.namespace)}>"
                )
        severity = g.value(shape, sh.severity) or sh.Violation
        global_shapes.append(
            GlobalShape(
                iri=str(shape),
                query="\n".join(sorted(prefixes)) + "\n" + select,
                severity=str(severity).removeprefix(SH),
                message=_pick_message(g, shape),
                on_tagged_literals=(
                    shape,
                    rdflib.URIRef(GLS + "evaluatedOn"),
                    rdflib.URIRef(GLS + "LanguageTaggedTriples"),
                )
                in g,
            )
        )
    from glossary.shacl_sparql import NotTranslatable, translate

    translated: list[CoreQuery] = []
    untranslated: list[str] = []
    for iri in core:
        try:
            translated += translate(g, rdflib.URIRef(iri))
        except NotTranslatable:
            untranslated.append(iri)
    return Shapes(
        graph=g,
        files=files,
        core=tuple(core),
        global_shapes=tuple(global_shapes),
        translated=tuple(translated),
        untranslated=tuple(untranslated),
        messages={iri: _pick_message(g, rdflib.URIRef(iri)) for iri in core},
        severities={
            iri: str(g.value(rdflib.URIRef(iri), sh.severity) or sh.Violation).removeprefix(SH)
            for iri in core
        },
    )


# --- Validating ---------------------------------------------------------------------

Step = Callable[[str], None]


#: ``engine`` values of :func:`validate_graph`.
ENGINES = ("sparql", "pyshacl")


def validate_graph(
    graph: rdflib.Graph, *, engine: str = "sparql", on_step: Step | None = None
) -> Report:
    """Validate an rdflib graph against all the project's shapes.

    ``engine="sparql"`` (the default) runs the per-node shapes as global queries in
    pyoxigraph (:mod:`glossary.shacl_sparql`), and only the shapes it cannot
    translate in pySHACL; ``engine="pyshacl"`` runs them all in pySHACL (the
    reference the tests compare with). ``on_step(name)`` is called after each stage.
    """
    start = time.perf_counter()
    store = _to_oxigraph(graph)
    copied = time.perf_counter() - start
    if on_step:
        on_step("copy to pyoxigraph")
    return _validate(store, lambda: graph, engine=engine, on_step=on_step, copied=copied)


def validate_triples(
    triples: Iterable[Any], *, engine: str = "sparql", on_step: Step | None = None
) -> Report:
    """Validate ``pyoxigraph.Triple`` (or ``Quad``: graph names are ignored) objects,
    e.g. from :func:`glossary.rdfio.read_quads`, without an rdflib graph: the fast
    path for the store, which parses with pyoxigraph. Same results as
    :func:`validate_graph` on the same data (an rdflib graph is built only if a shape
    needs pySHACL)."""
    import pyoxigraph as ox

    start = time.perf_counter()
    items = list(triples)
    store = ox.Store()
    store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in items)
    copy = _Copy(store=store, back={}, refused=[])
    copied = time.perf_counter() - start
    if on_step:
        on_step("copy to pyoxigraph")

    def as_rdflib() -> rdflib.Graph:
        from glossary.rdfconv import to_rdflib

        return to_rdflib(ox.Triple(t.subject, t.predicate, t.object) for t in items)

    return _validate(copy, as_rdflib, engine=engine, on_step=on_step, copied=copied)


def _validate(
    store: _Copy,
    rdflib_graph: Callable[[], rdflib.Graph],
    *,
    engine: str,
    on_step: Step | None,
    copied: float,
) -> Report:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    shapes = load_shapes()
    timings: dict[str, float] = {"copy": copied}
    results: list[Result] = []

    start = time.perf_counter()
    if engine == "pyshacl":
        results += _run_core(rdflib_graph(), shapes, shapes.core)
    else:
        results += _run_translated(store, shapes)
        if shapes.untranslated:
            results += _run_core(rdflib_graph(), shapes, shapes.untranslated)
    timings["per-node shapes"] = time.perf_counter() - start
    if on_step:
        on_step("per-node shapes")

    for shape in shapes.global_shapes:
        start = time.perf_counter()
        results += _run_global_oxigraph(store, shape)
        if shape.on_tagged_literals and store.refused:
            # the triples whose language tag pyoxigraph refused: the same query, in rdflib
            results += _run_global_rdflib(_graph_of(store.refused), shape)
        timings[shape.iri.removeprefix(GLS)] = time.perf_counter() - start
        if on_step:
            on_step(shape.iri.removeprefix(GLS))
    report = Report.of(results)
    report.timings = timings
    return report


def validation_steps() -> int:
    """How many times :func:`validate_graph` calls ``on_step``."""
    return 2 + len(load_shapes().global_shapes)


def validate_files(
    paths: Sequence[Path], *, merge: bool = False, on_step: Step | None = None
) -> Report:
    """Read each file with :func:`glossary.rdfio.read_triples` and validate it.

    Every file is read first, so an unreadable one raises :class:`InputError` before
    any validation work. Files are validated one by one, and each result names its
    file; with ``merge=True`` they are validated together as one graph.
    """
    from glossary.rdfio import read_triples

    parsed: list[list[Any]] = []
    for path in paths:
        parsed.append(read_triples(Path(path)))
        if on_step:
            on_step(f"read {Path(path).name}")
    names = [str(p) for p in paths]
    if merge and len(parsed) > 1:
        parsed, names = [[t for ts in parsed for t in ts]], [" + ".join(names)]
    results: list[Result] = []
    timings: dict[str, float] = {}
    for name, triples in zip(names, parsed, strict=True):
        report = validate_triples(triples, on_step=on_step)
        results += [_with_file(r, name) for r in report.results]
        for k, v in report.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    out = Report.of(results, files=[str(p) for p in paths])
    out.timings = timings
    return out


def _with_file(r: Result, name: str) -> Result:
    return Result(r.focus_node, r.path, r.severity, r.message, r.shape, r.value, name)


# --- Per-node shapes: pySHACL -------------------------------------------------------


def _run_core(graph: rdflib.Graph, shapes: Shapes, use: Sequence[str]) -> list[Result]:
    import pyshacl
    import rdflib

    from glossary.shacl_sparql import sparql_path

    sh = rdflib.Namespace(SH)
    _conforms, report_graph, _text = pyshacl.validate(
        graph,
        shacl_graph=shapes.graph,
        inference="none",
        advanced=False,
        abort_on_first=False,
        allow_warnings=True,
        allow_infos=True,
        inplace=True,  # no inference, so the data graph is not changed; saves a copy
        use_shapes=list(use),
    )
    results = []
    for node in report_graph.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = report_graph.value(node, sh.focusNode)
        path = report_graph.value(node, sh.resultPath)
        value = report_graph.value(node, sh.value)
        severity = report_graph.value(node, sh.resultSeverity)
        shape = report_graph.value(node, sh.sourceShape)
        message = report_graph.value(node, sh.resultMessage)
        shape_n3 = str(shape) if isinstance(shape, rdflib.URIRef) else shape.n3()
        if path is None and value == focus:
            value = None  # a node shape's result: the value is the focus node itself
        if path is not None and value is not None:
            path = _actual_path(graph, report_graph, path, focus, value)
        results.append(
            Result(
                focus_node=focus.n3(),
                path=sparql_path(report_graph, path) if path is not None else None,
                severity=str(severity).removeprefix(SH),
                message=str(message) if message is not None else _pick_message(shapes.graph, shape),
                shape=shape_n3,
                value=_nt(value) if value is not None else None,
            )
        )
    return results


def _nt(term: Any) -> str:
    """An rdflib term in the N-Triples form pyoxigraph prints (so that both engines
    give the same strings; language tags lower-cased), or its N3 if pyoxigraph
    cannot hold it."""
    import pyoxigraph as ox
    import rdflib

    try:
        if isinstance(term, rdflib.URIRef):
            return str(ox.NamedNode(str(term)))
        if isinstance(term, rdflib.Literal):
            lit = _literal(ox, term)
            if lit is not None:
                return str(lit)
    except ValueError:
        pass
    return str(term.n3())


def _run_translated(copy: _Copy, shapes: Shapes) -> list[Result]:
    """The per-node shapes as global queries over the pyoxigraph copy."""
    results = []
    for cq in shapes.translated:
        path_n3 = sparql_path_of(shapes, cq.path)
        alternatives = _alternatives(shapes, cq.path)
        solutions: Any = copy.store.query(cq.query)
        for solution in solutions:
            this = solution["this"]
            value = solution["value"] if cq.has_value else None
            path = path_n3
            if value is not None and alternatives:
                path = _actual_alternative(copy, alternatives, this, value) or path_n3
            results.append(
                Result(
                    focus_node=_ox_n3(copy, this),
                    path=path,
                    severity=shapes.severities[cq.shape],
                    message=shapes.messages[cq.shape],
                    shape=cq.shape,
                    value=_ox_n3(copy, value) if value is not None else None,
                )
            )
    return results


def sparql_path_of(shapes: Shapes, path: Any) -> str | None:
    from glossary.shacl_sparql import sparql_path

    return sparql_path(shapes.graph, path) if path is not None else None


def _alternatives(shapes: Shapes, path: Any) -> list[tuple[str, bool]]:
    """``[(property IRI, inverse?)]`` of an alternative path of plain or inverse IRIs."""
    import rdflib
    from rdflib.collection import Collection

    g = shapes.graph
    node = g.value(path, rdflib.URIRef(SH + "alternativePath")) if path is not None else None
    if node is None:
        return []
    out = []
    for alt in Collection(g, node):
        if isinstance(alt, rdflib.URIRef):
            out.append((str(alt), False))
        else:
            inverse = g.value(alt, rdflib.URIRef(SH + "inversePath"))
            if isinstance(inverse, rdflib.URIRef):
                out.append((str(inverse), True))
    return out


def _actual_alternative(
    copy: _Copy, alternatives: list[tuple[str, bool]], this: Any, value: Any
) -> str | None:
    """The one alternative that links ``this`` to ``value`` in the data, if only one does."""
    import pyoxigraph as ox

    found = []
    for iri, inverse in alternatives:
        p = ox.NamedNode(iri)
        s, o = (value, this) if inverse else (this, value)
        if isinstance(s, ox.Literal):
            continue
        if next(iter(copy.store.quads_for_pattern(s, p, o)), None) is not None:
            found.append(("^" if inverse else "") + f"<{iri}>")
    return found[0] if len(found) == 1 else None


def _actual_path(data: rdflib.Graph, g: rdflib.Graph, path: Any, focus: Any, value: Any) -> Any:
    """For an alternative path, the one alternative (a property or its inverse) that
    links ``focus`` to ``value`` in the data, so a result names the property to fix."""
    import rdflib
    from rdflib.collection import Collection

    alternatives = g.value(path, rdflib.URIRef(SH + "alternativePath"))
    if alternatives is None:
        return path
    found: list[Any] = []
    for alt in Collection(g, alternatives):
        if isinstance(alt, rdflib.URIRef) and (focus, alt, value) in data:
            found.append(alt)
        inverse = g.value(alt, rdflib.URIRef(SH + "inversePath"))
        if isinstance(inverse, rdflib.URIRef) and (value, inverse, focus) in data:
            found.append(alt)
    return found[0] if len(found) == 1 else path


# --- Global shapes: one query over the whole graph ------------------------------------

_PLACEHOLDER = re.compile(r"\{[?$](\w+)\}")


@dataclass
class _Copy:
    """The graph copied into pyoxigraph, with the way back for blank nodes and IRIs
    pyoxigraph would refuse."""

    store: pyoxigraph.Store
    back: dict[Any, str]  # pyoxigraph term -> rdflib N3
    refused: list[tuple[Any, Any, Any]]  # rdflib triples with a tag pyoxigraph refuses


def _to_oxigraph(graph: rdflib.Graph) -> _Copy:
    import pyoxigraph as ox
    import rdflib

    terms: dict[Any, Any] = {}
    back: dict[Any, str] = {}

    def node(t: Any) -> Any:
        ot = terms.get(t)
        if ot is not None:
            return ot
        if isinstance(t, rdflib.URIRef):
            try:
                ot = ox.NamedNode(str(t))
            except ValueError:  # an IRI pyoxigraph refuses (spaces...): a stand-in, mapped back
                ot = ox.NamedNode(f"urn:x-glossary:bad-iri:{len(back)}")
                back[ot] = t.n3()
        elif isinstance(t, rdflib.BNode):
            ot = ox.BlankNode()
            back[ot] = t.n3()
        else:
            ot = _literal(ox, t)
            if ot is None:
                return None
        terms[t] = ot
        return ot

    refused: list[tuple[Any, Any, Any]] = []
    quads = []
    for s, p, o in graph:
        oo = node(o)
        if oo is None:
            # A language tag pyoxigraph refuses: held under a private-use tag of its own
            # (so it still counts as tagged, and distinct tags stay distinct), mapped
            # back to the original in results, and set aside for the tag check.
            refused.append((s, p, o))
            digest = hashlib.sha1(str(getattr(o, "language", "")).encode()).hexdigest()[:8]
            oo = ox.Literal(str(o), language=f"x-badtag-{digest}")
            back[oo] = o.n3()
        quads.append(ox.Quad(node(s), node(p), oo))
    store = ox.Store()
    store.bulk_extend(quads)
    return _Copy(store=store, back=back, refused=refused)


def _literal(ox: Any, lit: Any) -> Any:
    """The pyoxigraph literal, or ``None`` when pyoxigraph refuses its language tag
    (it accepts only well-formed BCP 47 tags)."""
    if lit.language:
        try:
            return ox.Literal(str(lit), language=lit.language)
        except ValueError:
            return None
    if lit.datatype:
        return ox.Literal(str(lit), datatype=ox.NamedNode(str(lit.datatype)))
    return ox.Literal(str(lit))


def _ox_n3(copy: _Copy, term: Any) -> str:
    mapped = copy.back.get(term)
    if mapped is not None:
        return mapped
    return str(term)  # pyoxigraph's str() is N-Triples, i.e. N3


def _run_global_oxigraph(copy: _Copy, shape: GlobalShape) -> list[Result]:
    solutions: Any = copy.store.query(shape.query)  # a SELECT: pyoxigraph.QuerySolutions
    variables = [v.value for v in solutions.variables]
    results = []
    for solution in solutions:
        row = {name: solution[name] for name in variables if solution[name] is not None}
        results.append(_global_result(shape, {k: _ox_n3(copy, v) for k, v in row.items()}, row))
    return results


def _graph_of(triples: Iterable[tuple[Any, Any, Any]]) -> rdflib.Graph:
    import rdflib

    out = rdflib.Graph()
    for triple in triples:
        out.add(triple)
    return out


def _run_global_rdflib(graph: rdflib.Graph, shape: GlobalShape) -> list[Result]:
    results = []
    for solution in graph.query(shape.query):
        row = {str(k): v for k, v in solution.asdict().items() if v is not None}  # type: ignore[union-attr]
        results.append(_global_result(shape, {k: v.n3() for k, v in row.items()}, row))
    return results


def _global_result(shape: GlobalShape, n3: dict[str, str], raw: dict[str, Any]) -> Result:
    def text(name: str) -> str:
        term = raw.get(name)
        if term is None:
            return ""
        value = getattr(term, "value", None)  # pyoxigraph terms
        return str(value if isinstance(value, str) else term)

    message = _PLACEHOLDER.sub(lambda m: text(m.group(1)), shape.message)
    return Result(
        focus_node=n3["this"],
        path=n3.get("path"),
        severity=shape.severity,
        message=message,
        shape=shape.iri,
        value=n3.get("value"),
    )
