"""Concept records: what search needs of each concept, read once from a named graph.

Read with ``quads_for_pattern`` on the vocabulary's named graph (no SPARQL, no
user input involved). A concept is a subject typed ``skos:Concept``, or an
untyped subject with a ``skos:prefLabel`` (sloppy vocabularies leave the type out);
schemes, collections and other typed resources are not concepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"

#: Label kinds, in ranking order (preferred over alternative over hidden).
PREF, ALT, HIDDEN = 0, 1, 2
KIND_NAMES = ("prefLabel", "altLabel", "hiddenLabel")


@dataclass
class ConceptRecord:
    uri: str
    labels: list[tuple[str, str, int]] = field(default_factory=list)  # (text, lang, kind)
    notes: list[tuple[str, str]] = field(default_factory=list)  # definitions, then scope notes
    broader: list[str] = field(default_factory=list)
    deprecated: bool = False

    def pref_labels(self) -> list[tuple[str, str]]:
        return [(t, lang) for t, lang, kind in self.labels if kind == PREF]

    def pref_label(self, lang: str | None = None) -> str | None:
        """The prefLabel in ``lang`` (basic filtering), else English, else untagged, else any."""
        from glossary.search.text import lang_matches

        prefs = self.pref_labels()
        if not prefs:
            return None
        for wanted in ([lang] if lang else []) + ["en", ""]:
            for text, tag in prefs:
                if (tag and wanted and lang_matches(tag, wanted)) or (not wanted and not tag):
                    return text
        return sorted(prefs, key=lambda p: (p[1], p[0]))[0][0]


def _quads(ox: Any, predicate: str, graph: Any) -> Iterator[Any]:
    import pyoxigraph

    return ox.quads_for_pattern(None, pyoxigraph.NamedNode(predicate), None, graph)


def _subject_key(node: Any) -> str | None:
    import pyoxigraph

    if isinstance(node, pyoxigraph.NamedNode):
        return str(node.value)
    return None  # blank-node concepts have no URI to link to: not searchable


def extract_records(ox: Any, graph: str) -> list[ConceptRecord]:
    """Every concept of the named graph ``graph`` of the pyoxigraph store ``ox``, by URI."""
    import pyoxigraph

    g = pyoxigraph.NamedNode(graph)
    records: dict[str, ConceptRecord] = {}
    typed: set[str] = set()  # subjects with some rdf:type (schemes, collections, sources...)
    for quad in _quads(ox, RDF_TYPE, g):
        uri = _subject_key(quad.subject)
        if uri is None:
            continue
        typed.add(uri)
        obj = quad.object
        concept = isinstance(obj, pyoxigraph.NamedNode) and obj.value == SKOS + "Concept"
        if concept and uri not in records:  # (setdefault would make a record each time)
            records[uri] = ConceptRecord(uri)

    for kind, prop in ((PREF, "prefLabel"), (ALT, "altLabel"), (HIDDEN, "hiddenLabel")):
        for quad in _quads(ox, SKOS + prop, g):
            uri = _subject_key(quad.subject)
            obj = quad.object
            if uri is None or not isinstance(obj, pyoxigraph.Literal):
                continue
            if uri not in records and (kind != PREF or uri in typed):
                continue  # only concepts, and untyped subjects with a prefLabel
            text = " ".join(obj.value.split())  # real data has stray whitespace
            if not text:
                continue
            rec = records.get(uri)
            if rec is None:
                rec = records[uri] = ConceptRecord(uri)
            rec.labels.append((text, obj.language or "", kind))

    for prop in ("definition", "scopeNote"):  # definitions first; each sorted
        found: dict[str, list[tuple[str, str]]] = {}
        for quad in _quads(ox, SKOS + prop, g):
            uri = _subject_key(quad.subject)
            obj = quad.object
            if uri in records and isinstance(obj, pyoxigraph.Literal):
                text = " ".join(obj.value.split())
                if text:
                    found.setdefault(uri, []).append((text, obj.language or ""))
        for uri, notes in found.items():
            records[uri].notes.extend(sorted(notes))

    for quad in _quads(ox, SKOS + "broader", g):
        uri = _subject_key(quad.subject)
        if uri in records and isinstance(quad.object, pyoxigraph.NamedNode):
            records[uri].broader.append(quad.object.value)

    for quad in _quads(ox, OWL_DEPRECATED, g):
        uri = _subject_key(quad.subject)
        obj = quad.object
        deprecated = isinstance(obj, pyoxigraph.Literal) and obj.value.strip().lower() in (
            "true",
            "1",
        )
        if uri in records and deprecated:
            records[uri].deprecated = True

    out = sorted(records.values(), key=lambda r: r.uri)
    for rec in out:  # deterministic order whatever the store's iteration order
        rec.labels.sort(key=lambda label: (label[2], label[1], label[0]))
        rec.broader.sort()
    return out
