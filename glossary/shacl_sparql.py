"""SHACL Core shapes translated to global SPARQL queries (run once, in pyoxigraph).

pySHACL checks each focus node in Python, one constraint at a time: correct, but about
20 s for STW (7,600 concepts) on an idle machine here and three times that when the
machine is busy. The same constraints as one SPARQL query per shape and constraint,
answered by pyoxigraph over the whole graph, take a fraction of that. This module
translates the part of SHACL Core the project's shapes use:

* targets: ``sh:targetClass`` (with ``rdfs:subClassOf*`` in the data, as SHACL says),
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, ``sh:targetNode``;
* paths: IRIs, ``sh:inversePath``, ``sh:alternativePath``, sequences,
  ``sh:zeroOrMorePath``, ``sh:oneOrMorePath``, ``sh:zeroOrOnePath``;
* constraints: ``sh:minCount``, ``sh:maxCount``, ``sh:disjoint``, ``sh:uniqueLang``,
  ``sh:pattern`` (with ``sh:flags``), ``sh:datatype``, ``sh:class``, ``sh:hasValue``,
  ``sh:not``, ``sh:or``, ``sh:and``, ``sh:nodeKind``, and inner property shapes with
  ``sh:minCount``, ``sh:maxCount 0`` or ``sh:hasValue`` inside those.

Anything else raises :class:`NotTranslatable`, and the validator gives that shape to
pySHACL instead, so a new shape is never silently skipped. The test suite runs every
fixture through both engines and requires the same results.

Known difference: pySHACL's ``sh:datatype`` also rejects ill-typed literals
(``"x"^^xsd:integer``); the translation compares datatypes only.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rdflib

SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Predicates of a shape that say nothing to validate.
_DESCRIPTIVE = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/2000/01/rdf-schema#comment",
    "http://www.w3.org/2000/01/rdf-schema#label",
    SH + "message",
    SH + "severity",
    SH + "name",
    SH + "description",
    SH + "order",
    SH + "group",
    SH + "path",
    SH + "targetClass",
    SH + "targetSubjectsOf",
    SH + "targetObjectsOf",
    SH + "targetNode",
}


class NotTranslatable(Exception):
    """A shape uses SHACL this module does not translate (pySHACL runs it)."""


@dataclass(frozen=True)
class CoreQuery:
    """One constraint of one shape, as a query whose solutions are its results:
    ``?this`` the focus node, ``?value`` the value node when there is one."""

    shape: str
    constraint: str  # the constraint parameter, e.g. "minCount"
    query: str
    path: Any  # the shape's sh:path node (rdflib), or None for a node shape
    has_value: bool  # whether the query selects ?value


def sparql_term(t: Any) -> str:
    import rdflib

    if isinstance(t, rdflib.URIRef):
        return f"<{t}>"
    if isinstance(t, rdflib.Literal):
        return str(t.n3())
    raise NotTranslatable(f"a blank node {t} where a constant is needed")


def sparql_string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def sparql_path(g: rdflib.Graph, path: Any) -> str:
    """A SHACL path as a SPARQL property path: ``<p>``, ``^<p>``, ``(<a>|<b>)``..."""
    import rdflib
    from rdflib.collection import Collection

    sh = rdflib.Namespace(SH)
    if isinstance(path, rdflib.URIRef):
        return f"<{path}>"
    inverse = g.value(path, sh.inversePath)
    if inverse is not None:
        return "^" + sparql_path(g, inverse)
    alternatives = g.value(path, sh.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(g, p) for p in Collection(g, alternatives)) + ")"
    for prop, suffix in (
        (sh.zeroOrMorePath, "*"),
        (sh.oneOrMorePath, "+"),
        (sh.zeroOrOnePath, "?"),
    ):
        inner = g.value(path, prop)
        if inner is not None:
            return "(" + sparql_path(g, inner) + ")" + suffix
    if g.value(path, rdflib.RDF.first) is not None:
        return "(" + "/".join(sparql_path(g, p) for p in Collection(g, path)) + ")"
    raise NotTranslatable(f"unknown path {path}")


def targets_query(g: rdflib.Graph, shape: Any) -> str:
    """A shape's focus nodes as a subquery selecting ``?this``."""
    import rdflib

    sh = rdflib.Namespace(SH)
    if g.value(shape, sh.target) is not None:
        raise NotTranslatable("SPARQL-based targets")
    parts = [
        f"{{ ?this {RDF_TYPE}/{SUBCLASS}* {sparql_term(c)} }}"
        for c in g.objects(shape, sh.targetClass)
    ]
    parts += [f"{{ ?this {sparql_term(p)} [] }}" for p in g.objects(shape, sh.targetSubjectsOf)]
    parts += [f"{{ [] {sparql_term(p)} ?this }}" for p in g.objects(shape, sh.targetObjectsOf)]
    parts += [f"{{ VALUES ?this {{ {sparql_term(n)} }} }}" for n in g.objects(shape, sh.targetNode)]
    if not parts:
        raise NotTranslatable("no target")
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def class_targets_pattern(g: rdflib.Graph, shape: Any) -> str | None:
    """For a shape whose only targets are ``sh:targetClass``: its focus nodes as an
    inline pattern binding ``?this`` (possibly more than once: for a ``SELECT
    DISTINCT``). pyoxigraph plans a join with it well, where it evaluates the rest of
    a query before joining with a subquery or a UNION. ``None`` for other targets."""
    import rdflib

    sh = rdflib.Namespace(SH)
    others = (sh.target, sh.targetSubjectsOf, sh.targetObjectsOf, sh.targetNode)
    classes = list(g.objects(shape, sh.targetClass))
    if not classes or any(g.value(shape, t) is not None for t in others):
        return None
    values = " ".join(sparql_term(c) for c in classes)
    return f"VALUES ?_targetClass {{ {values} }} ?this {RDF_TYPE}/{SUBCLASS}* ?_targetClass ."


class _Fresh:
    def __init__(self) -> None:
        self._n = itertools.count()

    def __call__(self) -> str:
        return f"?_v{next(self._n)}"


def _list(g: rdflib.Graph, node: Any) -> list[Any]:
    from rdflib.collection import Collection

    return list(Collection(g, node))


def _conforms(g: rdflib.Graph, shape: Any, x: str, fresh: _Fresh) -> str:
    """A SPARQL expression, true when the node ``x`` conforms to the (inner) ``shape``."""
    import rdflib

    sh = rdflib.Namespace(SH)
    conditions = []
    path_node = g.value(shape, sh.path)
    if path_node is not None:  # an inner property shape
        path = sparql_path(g, path_node)
        for p, o in g.predicate_objects(shape):
            name = str(p).removeprefix(SH)
            if str(p) in _DESCRIPTIVE:
                continue
            if name == "minCount":
                n = _int(o)
                if n == 0:
                    continue
                if n != 1:
                    raise NotTranslatable("inner sh:minCount above 1")
                conditions.append(f"EXISTS {{ {x} {path} {fresh()} }}")
            elif name == "maxCount" and _int(o) == 0:
                conditions.append(f"NOT EXISTS {{ {x} {path} {fresh()} }}")
            elif name == "hasValue":
                conditions.append(f"EXISTS {{ {x} {path} {sparql_term(o)} }}")
            else:
                raise NotTranslatable(f"inner property shape with sh:{name}")
        return "(" + " && ".join(conditions or ["true"]) + ")"
    for p, o in g.predicate_objects(shape):
        if str(p) in _DESCRIPTIVE:
            continue
        conditions.append(_value_condition(g, str(p).removeprefix(SH), o, x, fresh))
    return "(" + " && ".join(conditions or ["true"]) + ")"


def _value_condition(g: rdflib.Graph, name: str, o: Any, x: str, fresh: _Fresh) -> str:
    """True when the value node ``x`` satisfies the one constraint ``sh:<name> o``."""
    if name == "class":
        return f"EXISTS {{ {x} {RDF_TYPE}/{SUBCLASS}* {sparql_term(o)} }}"
    if name == "datatype":
        if str(o) == XSD_STRING:  # plain literals too (RDF 1.1: they are xsd:string)
            return f'(isLiteral({x}) && DATATYPE({x}) = <{XSD_STRING}> && LANG({x}) = "")'
        return f"(isLiteral({x}) && DATATYPE({x}) = {sparql_term(o)})"
    if name == "hasValue":
        return f"sameTerm({x}, {sparql_term(o)})"
    if name == "nodeKind":
        kinds = {
            "IRI": f"isIRI({x})",
            "BlankNode": f"isBlank({x})",
            "Literal": f"isLiteral({x})",
            "BlankNodeOrIRI": f"(isBlank({x}) || isIRI({x}))",
            "BlankNodeOrLiteral": f"(isBlank({x}) || isLiteral({x}))",
            "IRIOrLiteral": f"(isIRI({x}) || isLiteral({x}))",
        }
        return kinds[str(o).removeprefix(SH)]
    if name == "not":
        return f"(!{_conforms(g, o, x, fresh)})"
    if name == "or":
        return "(" + " || ".join(_conforms(g, s, x, fresh) for s in _list(g, o)) + ")"
    if name == "and":
        return "(" + " && ".join(_conforms(g, s, x, fresh) for s in _list(g, o)) + ")"
    raise NotTranslatable(f"sh:{name}")


def translate(g: rdflib.Graph, shape: Any) -> list[CoreQuery]:
    """The queries of one named shape; :class:`NotTranslatable` if any part is not."""
    import rdflib

    sh = rdflib.Namespace(SH)
    targets = targets_query(g, shape)
    path_node = g.value(shape, sh.path)
    queries = list(_queries(g, shape, targets, path_node))
    if not queries:
        raise NotTranslatable("no constraint")
    return [
        CoreQuery(
            shape=str(shape),
            constraint=name,
            query=q,
            path=path_node,
            has_value="?value" in q.split(" WHERE ", 1)[0],
        )
        for name, q in queries
    ]


def _queries(
    g: rdflib.Graph, shape: Any, targets: str, path_node: Any
) -> Iterator[tuple[str, str]]:
    fresh = _Fresh()
    path = sparql_path(g, path_node) if path_node is not None else None
    for p, o in g.predicate_objects(shape):
        if str(p) in _DESCRIPTIVE or str(p).startswith("https://w3id.org/semantic-glossary/"):
            continue
        if not str(p).startswith(SH):
            continue  # annotations of our own or other vocabularies
        name = str(p).removeprefix(SH)
        if name in ("sparql", "property", "deactivated", "closed", "ignoredProperties"):
            raise NotTranslatable(f"sh:{name}")
        if path is None:  # a node shape: the focus node is the value node
            cond = _value_condition(g, name, o, "?this", fresh)
            yield name, f"SELECT DISTINCT ?this WHERE {{ {targets} FILTER (!{cond}) }}"
            continue
        if name == "minCount":
            n = _int(o)
            if n == 1:
                yield (
                    name,
                    (
                        f"SELECT DISTINCT ?this WHERE {{ {targets} "
                        f"FILTER NOT EXISTS {{ ?this {path} ?_any }} }}"
                    ),
                )
            elif n > 1:
                yield (
                    name,
                    (
                        f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?_v) AS ?_n) WHERE "
                        f"{{ {targets} OPTIONAL {{ ?this {path} ?_v }} }} GROUP BY ?this }} "
                        f"FILTER (?_n < {n}) }}"
                    ),
                )
        elif name == "maxCount":
            yield (
                name,
                (
                    f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?_v) AS ?_n) WHERE "
                    f"{{ {targets} ?this {path} ?_v }} GROUP BY ?this }} "
                    f"FILTER (?_n > {_int(o)}) }}"
                ),
            )
        elif name == "disjoint":
            yield (
                name,
                (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {targets} ?this {path} ?value . "
                    f"?this {sparql_term(o)} ?value }}"
                ),
            )
        elif name == "uniqueLang":
            if str(o).lower() not in ("true", "1"):
                continue
            yield (
                name,
                (
                    f"SELECT DISTINCT ?this ?_lang WHERE {{ {targets} ?this {path} ?_a . "
                    f"?this {path} ?_b . FILTER (isLiteral(?_a) && isLiteral(?_b) && ?_a != ?_b "
                    f'&& LANG(?_a) != "" && LCASE(LANG(?_a)) = LCASE(LANG(?_b))) '
                    f"BIND (LCASE(LANG(?_a)) AS ?_lang) }}"
                ),
            )
        elif name == "pattern":
            flags = g.value(shape, rdflib_flags())
            regex = sparql_string(str(o))
            args = f"{regex}, {sparql_string(str(flags))}" if flags is not None else regex
            yield (
                name,
                (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {targets} ?this {path} ?value . "
                    f"FILTER (isBlank(?value) || !REGEX(STR(?value), {args})) }}"
                ),
            )
        elif name == "flags":
            continue
        elif name == "hasValue":
            yield (
                name,
                (
                    f"SELECT DISTINCT ?this WHERE {{ {targets} "
                    f"FILTER NOT EXISTS {{ ?this {path} {sparql_term(o)} }} }}"
                ),
            )
        else:  # a constraint on each value node
            cond = _value_condition(g, name, o, "?value", fresh)
            yield (
                name,
                (
                    f"SELECT DISTINCT ?this ?value WHERE {{ {targets} ?this {path} ?value . "
                    f"FILTER (!{cond}) }}"
                ),
            )


def _int(o: Any) -> int:
    try:
        return int(str(o))
    except ValueError:
        raise NotTranslatable(f"not an integer: {o}") from None


def rdflib_flags() -> Any:
    import rdflib

    return rdflib.URIRef(SH + "flags")
