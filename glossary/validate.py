"""SHACL validation with the project's shapes (``ontology/shapes/*.ttl``).

The shapes and their profiles are read by :mod:`glossary.shapes`; results and their
formats are :mod:`glossary.validation_report`. This module runs them, with two engines
that share one set of shapes, so every check is declared as data:

* **per-node shapes** (SHACL Core: shapes with a target) are translated to one SPARQL
  query each and run in pyoxigraph (:mod:`glossary.shacl_sparql`); pySHACL runs any it
  cannot translate, and all of them with ``engine="pyshacl"`` (the reference);
* **SPARQL shapes** (one ``sh:sparql`` constraint) run ONCE over the whole graph, in
  pyoxigraph, instead of once per focus node: cross-concept checks (cycles, S27 and
  S46 through the SKOS entailments, unidirectional links) would otherwise grow
  quadratically. Those without a target ("global") select ``$this`` themselves; those
  with targets are joined with their focus nodes, and pySHACL runs them focus node by
  focus node with ``engine="pyshacl"``. A global shape marked
  ``gls:evaluatedOn gls:LanguageTaggedTriples`` (its query judges each triple alone, by
  its literal's language tag) also runs in rdflib over the triples whose tag pyoxigraph
  refused to hold (it accepts only well-formed BCP 47 tags, and lower-cases them).

A SPARQL shape's solutions are results: ``?this`` the focus node, ``?path`` and
``?value`` when bound; ``{?var}`` in the shape's ``sh:message`` is replaced by the
solution's value. See ``ontology/README.md`` for the shapes and their severities.

The profile (``skos`` or ``glossary``) follows the data unless it is given; the report
and each result name it. Several files given to :func:`validate_files` are validated
one by one (each file is one vocabulary, as ``glossary load`` loads it) and every
result names its file; with ``merge=True`` they are validated together as one graph.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary.shapes import (
    PROFILES,
    GlobalShape,
    Shapes,
    check_profile,
    load_shapes,
    pick_message,
    profile_for,
)
from glossary.validation_report import GLS, SEVERITIES, SH, Report, Result, _short

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

__all__ = [
    "ENGINES",
    "GLS",
    "PROFILES",
    "SEVERITIES",
    "SH",
    "Report",
    "Result",
    "Shapes",
    "load_shapes",
    "validate_files",
    "validate_graph",
    "validate_triples",
    "validation_steps",
]


# --- Validating ---------------------------------------------------------------------

Step = Callable[[str], None]


#: ``engine`` values of :func:`validate_graph`.
ENGINES = ("sparql", "pyshacl")


def validate_graph(
    graph: rdflib.Graph,
    *,
    engine: str = "sparql",
    profile: str | None = None,
    on_step: Step | None = None,
) -> Report:
    """Validate an rdflib graph against all the project's shapes.

    ``profile`` is ``"skos"`` or ``"glossary"`` (:mod:`glossary.shapes`); ``None``
    follows the data (:func:`glossary.shapes.profile_for`). The report names it.
    ``engine="sparql"`` (the default) runs the per-node shapes as global queries in
    pyoxigraph (:mod:`glossary.shacl_sparql`), and only the shapes it cannot
    translate in pySHACL; ``engine="pyshacl"`` runs every per-node shape and every
    SHACL-SPARQL shape with targets in pySHACL (the reference the tests compare with).
    ``on_step(name)`` is called after each stage.
    """
    check_profile(profile)
    start = time.perf_counter()
    store = _to_oxigraph(graph)
    copied = time.perf_counter() - start
    if on_step:
        on_step("copy to pyoxigraph")
    return _validate(
        store, lambda: graph, engine=engine, profile=profile, on_step=on_step, copied=copied
    )


def validate_triples(
    triples: Iterable[Any],
    *,
    engine: str = "sparql",
    profile: str | None = None,
    on_step: Step | None = None,
) -> Report:
    """Validate ``pyoxigraph.Triple`` (or ``Quad``: graph names are ignored) objects,
    e.g. from :func:`glossary.rdfio.read_quads`, without an rdflib graph: the fast
    path for the store, which parses with pyoxigraph. Same results as
    :func:`validate_graph` on the same data (an rdflib graph is built only if a shape
    needs pySHACL)."""
    import pyoxigraph as ox

    check_profile(profile)
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

    return _validate(
        copy, as_rdflib, engine=engine, profile=profile, on_step=on_step, copied=copied
    )


def _validate(
    store: _Copy,
    rdflib_graph: Callable[[], rdflib.Graph],
    *,
    engine: str,
    profile: str | None,
    on_step: Step | None,
    copied: float,
) -> Report:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}")
    applied = profile or profile_for(store.store)
    shapes = load_shapes(profile=applied)
    timings: dict[str, float] = {"copy": copied}
    results: list[Result] = []

    start = time.perf_counter()
    if engine == "pyshacl":
        results += _run_core(rdflib_graph(), shapes, [*shapes.core, *shapes.targeted])
    else:
        results += _run_translated(store, shapes)
        if shapes.untranslated:
            results += _run_core(rdflib_graph(), shapes, shapes.untranslated)
    timings["per-node shapes"] = time.perf_counter() - start
    if on_step:
        on_step("per-node shapes")

    for shape in shapes.global_shapes:
        start = time.perf_counter()
        if not (engine == "pyshacl" and shape.targeted):
            results += _run_global_oxigraph(store, shape)
        if shape.on_tagged_literals and store.refused:
            # the triples whose language tag pyoxigraph refused: the same query, in rdflib
            results += _run_global_rdflib(_graph_of(store.refused), shape)
        timings[shape.iri.removeprefix(GLS)] = time.perf_counter() - start
        if on_step:
            on_step(shape.iri.removeprefix(GLS))
    if on_step:  # the shapes this profile leaves out: steps too, so progress ends at 100%
        for _ in range(validation_steps() - 2 - len(shapes.global_shapes)):
            on_step(f"profile {applied}")
    report = Report.of((replace(r, profile=applied) for r in results), profile=applied)
    report.timings = timings
    return report


def validation_steps() -> int:
    """How many times :func:`validate_graph` calls ``on_step`` at most (the glossary
    profile runs every shape; the skos profile leaves some out)."""
    return 2 + max(len(load_shapes(profile=p).global_shapes) for p in PROFILES)


def validate_files(
    paths: Sequence[Path],
    *,
    merge: bool = False,
    profile: str | None = None,
    on_step: Step | None = None,
) -> Report:
    """Read each file with :func:`glossary.rdfio.read_triples` and validate it.

    Every file is read first, so an unreadable one raises :class:`InputError` before
    any validation work. Files are validated one by one, and each result names its
    file (and each file's profile follows its own data unless ``profile`` is given);
    with ``merge=True`` they are validated together as one graph.
    """
    from glossary.rdfio import read_triples

    check_profile(profile)
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
    profiles: dict[str, str] = {}
    for name, triples in zip(names, parsed, strict=True):
        report = validate_triples(triples, profile=profile, on_step=on_step)
        results += [r.with_file(name) for r in report.results]
        profiles[name] = report.profile or ""
        for k, v in report.timings.items():
            timings[k] = timings.get(k, 0.0) + v
    applied = set(profiles.values())
    out = Report.of(
        results,
        files=[str(p) for p in paths],
        profile=applied.pop() if len(applied) == 1 else None,
        profiles=profiles,
    )
    out.timings = timings
    return out


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
                message=str(message) if message is not None else pick_message(shapes.graph, shape),
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
        shown = n3.get(name, "")
        if shown.startswith("<") and _short(shown) != shown:
            return _short(shown)  # a known vocabulary's IRI: skos:broader
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
