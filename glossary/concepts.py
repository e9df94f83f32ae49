"""Concept descriptions: the RDF of a concept and its JSON; hierarchy, index letters,
top concepts, collections. Core library: no Flask, no HTTP.

Everything is read through a :class:`Source`: the store's public API
(:class:`glossary.store.Store`), or anything with the same three methods. All queries
are the named queries ``ontology/queries/concept_*.rq`` and ``vocab_*.rq``, with the
user's values passed as bound terms, never written into the query text.

Whole-vocabulary lists (the alphabetical index, the roots of a vocabulary without top
concepts) are computed once per store version and kept by the :class:`Catalog`, so a
request never runs an unbounded query twice.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from glossary.errors import InputError, NotFound
from glossary.queries import named_query

GRAPH_PREFIX = "urn:x-glossary:vocab:"

SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOSXL = "http://www.w3.org/2008/05/skos-xl#"
DCT = "http://purl.org/dc/terms/"
DC = "http://purl.org/dc/elements/1.1/"
GL = "https://w3id.org/semantic-glossary/ontology#"
OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SCHEMA = "https://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

#: Prefixes used when a description is written as Turtle, RDF/XML or JSON-LD.
PREFIXES: dict[str, str] = {
    "skos": SKOS,
    "skosxl": SKOSXL,
    "dct": DCT,
    "dc": DC,
    "gl": GL,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": SCHEMA,
    "foaf": FOAF,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
}

_NAME_PROPS = (
    SKOS + "prefLabel",
    RDFS + "label",
    DCT + "title",
    DC + "title",
    SCHEMA + "name",
    FOAF + "name",
    SKOSXL + "literalForm",
)
_MAPPINGS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
#: Each mapping property's inverse: a mapping stated on the other concept (or in a
#: mapping vocabulary, glossary load FILE.sssom.tsv) shows on both concepts' pages.
_MAPPING_INVERSE = {"exactMatch": "exactMatch", "closeMatch": "closeMatch",
                    "broadMatch": "narrowMatch", "narrowMatch": "broadMatch",
                    "relatedMatch": "relatedMatch"}  # fmt: skip
_NOTES = ("scopeNote", "note", "example", "historyNote", "editorialNote", "changeNote")
#: Objects of these properties belong to the described resource and are described with
#: it even when they have IRIs (the compiler gives definitions ``<concept>#definition-n``).
_OWNED = (
    GL + "hasDefinition",
    GL + "hasScopeNote",
    SKOSXL + "prefLabel",
    SKOSXL + "altLabel",
    SKOSXL + "hiddenLabel",
    SKOS + "definition",
    SKOS + "scopeNote",
    SKOS + "note",
)
_MAX_NODES = 200  # owned nodes followed per description
_MAX_PATHS = 12  # breadcrumb paths per concept


class Source(Protocol):
    """What the concept functions read from: the store's public API."""

    def vocabularies(self) -> Sequence[Any]: ...

    def select(self, query: str, **bindings: Any) -> list[dict[str, Any]]: ...

    def select_each(
        self, query: str, name: str, values: Sequence[Any], **bindings: Any
    ) -> list[dict[str, Any]]: ...

    def construct(self, query: str, **bindings: Any) -> list[Any]: ...


def scheme_info(src: Source, graph: str) -> dict[str, dict[str, Any]]:
    """Per concept scheme of a vocabulary: ``{"titles": {lang: text}, "descriptions":
    {lang: text}, "licenses": [...], "rights": [...]}``. Licences are the values of
    ``dct:license`` / ``cc:license`` (IRIs, or text when a vocabulary writes them so);
    rights are ``dct:rights`` / ``dc:rights`` statements."""
    rows = src.select(named_query("vocab_scheme_info"), g=_nn(graph))
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        info = out.setdefault(
            r["scheme"].value, {"titles": {}, "licenses": [], "rights": [], "descriptions": {}}
        )
        p, v = r["p"].value, r["value"]
        if p in (DCT + "title", SKOS + "prefLabel"):
            info["titles"].setdefault(_lang(v), v.value)
        elif p == DCT + "description":
            info["descriptions"].setdefault(_lang(v), v.value)
        elif p in (DCT + "license", "http://creativecommons.org/ns#license"):
            if v.value not in info["licenses"]:
                info["licenses"].append(v.value)
        elif v.value not in info["rights"]:
            info["rights"].append(v.value)
    return out


# --- small helpers ------------------------------------------------------------------


def _nn(uri: str) -> Any:
    """``uri`` as a pyoxigraph IRI; :class:`InputError` (400) when it is not a valid IRI."""
    import pyoxigraph

    try:
        return pyoxigraph.NamedNode(uri)
    except ValueError as exc:
        raise InputError(
            f"not a valid IRI: {uri[:200]!r} ({exc})",
            where="uri",
            hint="give the full, absolute URI; percent-escape spaces, '#' in a query (%23), ...",
        ) from None


def _is_iri(term: Any) -> bool:
    return type(term).__name__ == "NamedNode"


def _is_blank(term: Any) -> bool:
    return type(term).__name__ == "BlankNode"


def _is_literal(term: Any) -> bool:
    return type(term).__name__ == "Literal"


def _lang(term: Any) -> str:
    return (getattr(term, "language", None) or "") if _is_literal(term) else ""


def local_name(uri: str) -> str:
    """The last segment of a URI, for display when it has no label.

    >>> local_name("http://example.org/vocab#C1")
    'C1'
    """
    for sep in ("#", "/", ":"):
        if sep in uri.rstrip(sep):
            tail = uri.rstrip(sep).rsplit(sep, 1)[1]
            if tail:
                return tail
    return uri


def pick(labels: dict[str, list[str]], lang: str, fallbacks: Sequence[str] = ()) -> str | None:
    """The label to show in ``lang``: that language, a regional variant of it, the
    fallbacks, untagged, English, then any.

    >>> pick({"en-GB": ["colour"], "fr": ["couleur"]}, "en")
    'colour'
    >>> pick({"fr": ["couleur"], "": ["color"]}, "de", ["fr"])
    'couleur'
    """
    for want in (lang, *fallbacks, "", "en"):
        if labels.get(want):
            return labels[want][0]
        for k, values in labels.items():
            if want and values and k.lower().startswith(want.lower() + "-"):
                return values[0]
    for values in labels.values():
        if values:
            return values[0]
    return None


def fold(text: str) -> str:
    """Case- and accent-folded text, for sorting and index letters.

    >>> fold("Émile")
    'emile'
    """
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def index_letter(label: str) -> str:
    """The index letter a label is filed under (``#`` for digits and symbols).

    >>> index_letter("éducation"), index_letter("3D printing"), index_letter("Ωmega")
    ('E', '#', 'Ω')
    """
    return _letter_of_folded(fold(label.strip()))


def _letter_of_folded(folded: str) -> str:
    first = folded[:1]
    return first.upper() if first.isalpha() else "#"


# --- descriptions -------------------------------------------------------------------


@dataclass
class Ref:
    """A link to another resource, with the label to show."""

    uri: str
    label: str
    deprecated: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"uri": self.uri, "prefLabel": self.label}


@dataclass
class Definition:
    text: str
    lang: str
    creator: Ref | None = None
    source: Ref | None = None
    source_url: str | None = None
    locator: str | None = None
    role: str | None = None
    node: str | None = None
    #: its place in the order of a thread's contributions (gl:sequence)
    sequence: int | None = None
    #: the editors' note on this quotation (skos:editorialNote of its node)
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "lang": self.lang or None}
        if self.creator:
            out["creator"] = {"uri": self.creator.uri, "name": self.creator.label}
        if self.source:
            out["source"] = {
                "uri": self.source.uri,
                "title": self.source.label,
                "url": self.source_url,
            }
        if self.locator:
            out["locator"] = self.locator
        if self.role:
            out["role"] = self.role
        if self.sequence is not None:
            out["sequence"] = self.sequence
        if self.note:
            out["editorialNote"] = self.note
        return out


class Description:
    """The triples that describe one resource: its concise bounded description (its
    own triples, following blank nodes and the nodes it owns, such as attributed
    definitions and skos-xl labels), the links other concepts make to it (narrower,
    members, replacements), and the names of every resource it points to."""

    def __init__(self, uri: str, triples: list[Any], graphs: list[str]) -> None:
        self.uri = uri
        self.triples = triples
        self.graphs = graphs
        self._by_subject: dict[str, dict[str, list[Any]]] = {}
        for t in triples:
            key = self._key(t.subject)
            self._by_subject.setdefault(key, {}).setdefault(t.predicate.value, []).append(t.object)

    @staticmethod
    def _key(term: Any) -> str:
        return ("_:" + term.value) if _is_blank(term) else term.value

    def values(self, subject: Any, prop: str) -> list[Any]:
        key = subject if isinstance(subject, str) else self._key(subject)
        return self._by_subject.get(key, {}).get(prop, [])

    def properties(self, subject: str) -> dict[str, list[Any]]:
        return self._by_subject.get(subject, {})

    def subjects_with(self, prop: str, obj: str) -> list[str]:
        return [
            s
            for s, props in self._by_subject.items()
            if any(_is_iri(o) and o.value == obj for o in props.get(prop, []))
        ]

    def labels_of(self, subject: Any) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for prop in _NAME_PROPS:
            for v in self.values(subject, prop):
                if _is_literal(v):
                    out.setdefault(_lang(v), []).append(v.value)
            if out:
                return out
        return out

    def is_deprecated(self, subject: str) -> bool:
        return any(v.value == "true" for v in self.values(subject, OWL + "deprecated"))


def describe(src: Source, uri: str) -> Description | None:
    """The description of ``uri``, or ``None`` when no vocabulary has triples about it."""
    node = _nn(uri)
    graphs = sorted({r["g"].value for r in src.select(named_query("concept_graphs"), uri=node)})
    if not graphs:
        return None
    seen: set[tuple[str, str, str]] = set()
    triples: list[Any] = []

    def add(ts: Iterable[Any]) -> None:
        for t in ts:
            key = (Description._key(t.subject), t.predicate.value, str(t.object))
            if key not in seen:
                seen.add(key)
                triples.append(t)

    # The concise bounded description, following blank nodes and owned nodes.
    queue: list[Any] = [node]
    visited: set[str] = set()
    while queue and len(visited) < _MAX_NODES:
        current = queue.pop(0)
        ckey = Description._key(current)
        if ckey in visited:
            continue
        visited.add(ckey)
        out = src.construct(named_query("concept_outgoing"), uri=current)
        add(out)
        for t in out:
            o = t.object
            owned = t.predicate.value in _OWNED or (
                _is_iri(o) and o.value.startswith(uri + "#") and "#" not in uri
            )
            if _is_blank(o) or (owned and _is_iri(o)):
                queue.append(o)
    # Names of what it (and its owned nodes) point to; the links others make to it.
    for key in visited:
        subject: Any = node if key == uri else None
        if subject is None:
            subject = _bnode(key) if key.startswith("_:") else _nn(key)
        add(src.construct(named_query("concept_labels"), node=subject))
    add(src.construct(named_query("concept_incoming"), uri=node))
    return Description(uri, triples, graphs)


def _bnode(key: str) -> Any:
    import pyoxigraph

    return pyoxigraph.BlankNode(key[2:])


# --- the view of a concept (for JSON and pages) -----------------------------------


@dataclass
class ConceptView:
    """A resource as the pages and the JSON API show it, in one display language."""

    uri: str
    lang: str
    kind: str  # concept | scheme | collection | resource
    types: list[str]
    vocab: str | None
    pref_label: str
    pref_labels: dict[str, list[str]]
    alt_labels: dict[str, list[str]]
    hidden_labels: dict[str, list[str]]
    notations: list[str]
    definitions: list[Definition]
    notes: dict[str, list[tuple[str, str]]]
    #: scope notes with their attribution (gl:hasScopeNote), or plain, in order
    scope_notes: list[Definition]
    broader: list[Ref]
    narrower: list[Ref]
    related: list[Ref]
    mappings: dict[str, list[Ref]]
    schemes: list[Ref]
    top_concept_of: list[Ref]
    top_concepts: list[Ref]
    collections: list[Ref]
    members: list[Ref]
    deprecated: bool
    replaced_by: list[Ref]
    see_also: list[Ref]
    other: list[tuple[str, Any]]
    languages: list[str]

    def to_json(self) -> dict[str, Any]:
        def refs(items: list[Ref]) -> list[dict[str, Any]]:
            return [r.to_json() for r in items]

        out: dict[str, Any] = {
            "uri": self.uri,
            "type": self.kind,
            "vocab": self.vocab,
            "lang": self.lang,
            "prefLabel": self.pref_label,
            "prefLabels": {k: v[0] for k, v in self.pref_labels.items()},
            "altLabel": self.alt_labels.get(self.lang, []),
            "altLabels": self.alt_labels,
            "hiddenLabels": self.hidden_labels,
            "notation": self.notations,
            "definitions": [d.to_json() for d in self.definitions],
            "notes": {
                k: [x.to_json() for x in self.scope_notes]
                if k == "scopeNote"
                else [{"text": t, "lang": lg or None} for t, lg in v]
                for k, v in self.notes.items()
            },
            "broader": refs(self.broader),
            "narrower": refs(self.narrower),
            "related": refs(self.related),
            "mappings": {k: refs(v) for k, v in self.mappings.items()},
            "schemes": refs(self.schemes),
            "topConceptOf": refs(self.top_concept_of),
            "collections": refs(self.collections),
            "deprecated": self.deprecated,
            "replacedBy": refs(self.replaced_by),
            "seeAlso": refs(self.see_also),
        }
        if self.kind == "scheme":
            out["topConcepts"] = refs(self.top_concepts)
        if self.kind == "collection":
            out["members"] = refs(self.members)
        return out


def _by_lang(values: Iterable[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in values:
        if _is_literal(v):
            out.setdefault(_lang(v), []).append(v.value)
    return out


def build_view(
    d: Description, lang: str, *, vocab: str | None = None, fallbacks: Sequence[str] = ()
) -> ConceptView:
    """Turn a description into what a person reads, labels picked in ``lang``."""
    uri = d.uri

    def ref(term: Any) -> Ref:
        label = pick(d.labels_of(term), lang, fallbacks) or local_name(term.value)
        return Ref(term.value, label, d.is_deprecated(term.value))

    def refs(prop: str, inverse: str | None = None) -> list[Ref]:
        out: dict[str, Ref] = {}
        for o in d.values(uri, prop):
            if _is_iri(o):
                out.setdefault(o.value, ref(o))
        if inverse:
            for s in d.subjects_with(inverse, uri):
                if not s.startswith("_:"):
                    out.setdefault(s, ref(_nn(s)))
        return sorted(out.values(), key=lambda r: fold(r.label))

    types = [t.value for t in d.values(uri, RDF + "type") if _is_iri(t)]
    if SKOS + "ConceptScheme" in types:
        kind = "scheme"
    elif any(t.endswith(("Collection", "OrderedCollection")) for t in types):
        kind = "collection"
    elif SKOS + "Concept" in types or any(
        d.values(uri, SKOS + p) for p in ("prefLabel", "broader", "inScheme")
    ):
        kind = "concept"
    else:
        kind = "resource"

    pref = d.labels_of(uri) if kind != "concept" else _by_lang(d.values(uri, SKOS + "prefLabel"))
    definitions = _attributed(d, ref, GL + "hasDefinition", SKOS + "definition")
    scope_notes = _attributed(d, ref, GL + "hasScopeNote", SKOS + "scopeNote")
    notes: dict[str, list[tuple[str, str]]] = {}
    for name in _NOTES:
        for v in d.values(uri, SKOS + name):
            if _is_literal(v):
                notes.setdefault(name, []).append((v.value, _lang(v)))
            else:
                for text in d.values(v, RDF + "value"):
                    notes.setdefault(name, []).append((text.value, _lang(text)))
    languages = sorted({k for k in pref if k})
    shown = {
        SKOS + p
        for p in (
            "prefLabel",
            "altLabel",
            "hiddenLabel",
            "notation",
            "definition",
            "broader",
            "narrower",
            "related",
            "inScheme",
            "topConceptOf",
            "hasTopConcept",
            "member",
            *_MAPPINGS,
            *_NOTES,
        )
    } | {
        RDF + "type",
        OWL + "deprecated",
        DCT + "isReplacedBy",
        GL + "hasDefinition",
        GL + "hasScopeNote",
        RDFS + "seeAlso",
        SKOSXL + "prefLabel",
        SKOSXL + "altLabel",
        SKOSXL + "hiddenLabel",
    }
    if kind != "concept":
        shown |= set(_NAME_PROPS)
    other = [(p, v) for p, vs in d.properties(uri).items() if p not in shown for v in vs]
    return ConceptView(
        uri=uri,
        lang=lang,
        kind=kind,
        types=types,
        vocab=vocab,
        pref_label=pick(pref, lang, fallbacks) or local_name(uri),
        pref_labels=pref,
        alt_labels=_by_lang(d.values(uri, SKOS + "altLabel")),
        hidden_labels=_by_lang(d.values(uri, SKOS + "hiddenLabel")),
        notations=[v.value for v in d.values(uri, SKOS + "notation")],
        definitions=definitions,
        notes=notes,
        scope_notes=scope_notes,
        broader=refs(SKOS + "broader", SKOS + "narrower"),
        narrower=refs(SKOS + "narrower", SKOS + "broader"),
        related=refs(SKOS + "related", SKOS + "related"),
        mappings={m: r for m in _MAPPINGS if (r := refs(SKOS + m, SKOS + _MAPPING_INVERSE[m]))},
        schemes=refs(SKOS + "inScheme"),
        top_concept_of=refs(SKOS + "topConceptOf"),
        top_concepts=refs(SKOS + "hasTopConcept", SKOS + "topConceptOf"),
        collections=[ref(_nn(s)) for s in d.subjects_with(SKOS + "member", uri)],
        members=refs(SKOS + "member"),
        deprecated=d.is_deprecated(uri),
        replaced_by=refs(DCT + "isReplacedBy", DCT + "replaces"),
        see_also=refs(RDFS + "seeAlso"),
        other=other,
        languages=languages,
    )


def _attributed(
    d: Description, ref: Callable[[Any], Ref], link: str, plain: str
) -> list[Definition]:
    """The texts of a documentation property (``plain``: skos:definition, skos:scopeNote)
    with their attribution: the attributed nodes first (``link``: gl:hasDefinition,
    gl:hasScopeNote; or ``plain`` given as a node with ``rdf:value``), in their thread's
    order (gl:sequence) and then numerically by node (``#definition-2`` before
    ``#definition-10``), then the plain literals whose text no attributed one carries."""
    out: list[Definition] = []
    nodes = list(d.values(d.uri, link))
    nodes += [v for v in d.values(d.uri, plain) if not _is_literal(v)]
    for node in nodes:
        for text in d.values(node, RDF + "value"):
            creator = next(iter(d.values(node, DCT + "creator")), None)
            source = next(iter(d.values(node, DCT + "source")), None)
            url = None
            if source is not None and _is_iri(source):
                urls = d.values(source, SCHEMA + "url") or d.values(source, FOAF + "homepage")
                url = urls[0].value if urls else None
            locator = next(iter(d.values(node, GL + "locator")), None)
            role = next(iter(d.values(node, GL + "role")), None)
            note = next(iter(d.values(node, SKOS + "editorialNote")), None)
            out.append(
                Definition(
                    text=text.value,
                    lang=_lang(text),
                    creator=ref(creator)
                    if creator is not None and not _is_literal(creator)
                    else (Ref("", creator.value) if creator is not None else None),
                    source=ref(source) if source is not None and _is_iri(source) else None,
                    source_url=url,
                    locator=locator.value if locator is not None else None,
                    role=role.value if role is not None else None,
                    node=node.value if _is_iri(node) else None,
                    sequence=_integer(d.values(node, GL + "sequence")),
                    note=note.value if note is not None and _is_literal(note) else None,
                )
            )
    out.sort(
        key=lambda x: (
            x.sequence is None,
            x.sequence if x.sequence is not None else 0,
            _natural(x.node or ""),
        )
    )
    attributed = {(x.text, x.lang) for x in out}
    for v in d.values(d.uri, plain):
        if _is_literal(v) and (v.value, _lang(v)) not in attributed:
            out.append(Definition(text=v.value, lang=_lang(v)))
    return out


def _integer(values: Sequence[Any]) -> int | None:
    """The first value that is a whole number, else None."""
    for v in values:
        try:
            return int(v.value)
        except (TypeError, ValueError):
            continue
    return None


def _natural(text: str) -> list[Any]:
    """A sort key that orders ``#definition-10`` after ``#definition-9``."""
    import re

    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


# --- hierarchy ---------------------------------------------------------------------


@dataclass
class TreeNode:
    uri: str
    label: str
    has_children: bool
    scheme: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uri": self.uri,
            "prefLabel": self.label,
            "hasChildren": self.has_children,
        }
        if self.scheme:
            out["scheme"] = self.scheme
        return out


def _tree_nodes(
    rows: list[dict[str, Any]], lang: str, fallbacks: Sequence[str], key: str = "c"
) -> list[TreeNode]:
    labels: dict[tuple[str, str | None], dict[str, list[str]]] = {}
    more: dict[tuple[str, str | None], bool] = {}
    for r in rows:
        k = (r[key].value, r["scheme"].value if "scheme" in r else None)
        labels.setdefault(k, {})
        if "label" in r:
            labels[k].setdefault(_lang(r["label"]), []).append(r["label"].value)
        more[k] = more.get(k, False) or (r.get("more") is not None and r["more"].value == "true")
    nodes = [
        TreeNode(u, pick(ls, lang, fallbacks) or local_name(u), more[(u, s)], s)
        for (u, s), ls in labels.items()
    ]
    return sorted(nodes, key=lambda n: (fold(n.label), n.uri))


def broader_paths(
    src: Source, uri: str, lang: str, fallbacks: Sequence[str] = ()
) -> list[list[Ref]]:
    """Every path from a top of the hierarchy down to ``uri`` (excluded), top first;
    at most a dozen, cycle-safe (GEMET has 2-cycles). Walks up one level at a time
    (``concept_parents`` for every node of the level: one request to a remote store,
    one query per node in process, where a ``broader*`` path is 100 times slower),
    until ``_MAX_NODES`` ancestors are known."""
    parents: dict[str, list[str]] = {}
    labels: dict[str, dict[str, list[str]]] = {}
    level, seen = [uri], {uri}
    while level and len(seen) <= _MAX_NODES:
        rows = src.select_each(named_query("concept_parents"), "uri", [_nn(n) for n in level])
        level = []
        for r in rows:
            node, parent = r["uri"].value, r["parent"].value
            if parent not in parents.setdefault(node, []):
                parents[node].append(parent)
            if "label" in r:
                bucket = labels.setdefault(parent, {}).setdefault(_lang(r["label"]), [])
                if r["label"].value not in bucket:
                    bucket.append(r["label"].value)
            if parent not in seen:
                seen.add(parent)
                level.append(parent)
    paths: list[list[str]] = []

    def walk(node: str, trail: list[str]) -> None:
        if len(paths) >= _MAX_PATHS:
            return
        ups = [p for p in parents.get(node, []) if p not in trail and p != uri]
        if not ups:
            if trail:
                paths.append(list(reversed(trail)))
            return
        for p in ups:
            walk(p, [*trail, p])

    walk(uri, [])
    return [
        [Ref(u, pick(labels.get(u, {}), lang, fallbacks) or local_name(u)) for u in path]
        for path in sorted(paths, key=len)
    ]


def children(
    src: Source,
    uri: str,
    lang: str,
    fallbacks: Sequence[str] = (),
    graphs: Sequence[str] | None = None,
) -> list[TreeNode]:
    """The narrower concepts of ``uri``, each saying whether it has children; only
    those stated in ``graphs`` (vocabulary graphs) when given."""
    query = named_query("concept_children")
    if graphs is None:
        rows = src.select(query, uri=_nn(uri))
    else:  # the store's select takes the graphs that make the default graph
        rows = src.select(query, graphs=list(graphs), uri=_nn(uri))
    return _tree_nodes(rows, lang, fallbacks)


# --- the catalogue: vocabulary-wide lists, cached per store version ----------------


@dataclass(frozen=True)
class IndexPage:
    letters: list[str]
    letter: str
    entries: list[TreeNode]
    total: int
    offset: int
    limit: int


class VersionedCache:
    """Values computed once per store version.

    ``get(key, compute)`` answers the value of ``key`` in the current ``version()``,
    running ``compute`` once (a second caller of the same key waits for the first).
    Values of older versions are dropped when a new one is stored; past
    ``max_entries``, the least recently used keys for which ``evictable(key)`` holds
    go first (the others stay: e.g. query results that other entries are sorted
    from)."""

    def __init__(
        self, version: Callable[[], Any], max_entries: int,
        evictable: Callable[[tuple[Any, ...]], bool] = lambda key: True,
    ) -> None:  # fmt: skip
        self.version = version
        self._max = max_entries
        self._evictable = evictable
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[Any, ...], threading.Lock] = {}

    def held(self) -> list[tuple[Any, ...]]:
        """The keys held (of any version), least recently used first."""
        with self._lock:
            return [k[1:] for k in self._cache]

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        version = self.version()
        full = (version, *key)
        with self._lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            key_lock = self._key_locks.setdefault(full, threading.Lock())
        with key_lock:
            with self._lock:
                if full in self._cache:
                    return self._cache[full]
            value = compute()
            with self._lock:
                for old in [k for k in self._cache if k[0] != version]:
                    del self._cache[old]
                self._cache[full] = value
                self._key_locks.pop(full, None)
                evictable = [k for k in self._cache if self._evictable(k[1:])]
                while len(self._cache) > self._max and evictable:
                    del self._cache[evictable.pop(0)]
        return value


class Catalog:
    """Vocabulary-wide views over a :class:`Source`, cached per store version (the
    vocabularies' ids and load times): whole-vocabulary queries run once per version,
    then every request is answered from memory and paged."""

    def __init__(self, src: Source, max_entries: int = 256) -> None:
        self.src = src
        self._values = VersionedCache(lambda: self.version(), max_entries)

    def version(self) -> tuple[tuple[str, str, str], ...]:
        return tuple(
            (v.id, str(v.loaded_at), str(getattr(v, "content_hash", "")))
            for v in self.src.vocabularies()
        )

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The value for ``key`` in this store version, computed once: a second caller
        (a request while the warm-up computes the same list) waits for the first."""
        return self._values.get(key, compute)

    def warm(self) -> None:
        """Compute the whole-vocabulary lists of every vocabulary in its main language
        (top concepts or roots, index letters, collections, scheme information, the
        hash-document index), so that the first visitor does not wait for them. Run
        in a background thread by the service when a store version is first seen."""
        self.hash_members("")
        for vocab in self.vocabularies():
            try:
                self.top_concepts(vocab.id)
                self.index(vocab.id, limit=1)
                self.collections(vocab.id)
                self.scheme_info(vocab.id)
            except NotFound:  # removed by a load meanwhile: nothing to warm
                continue

    # vocabularies
    def vocabularies(self) -> list[Any]:
        return list(self.src.vocabularies())

    def vocabulary(self, vocab_id: str) -> Any:
        for v in self.src.vocabularies():
            if v.id == vocab_id:
                return v
        raise NotFound(
            f"no vocabulary {vocab_id!r} in the store",
            hint="GET /api/vocabularies lists the vocabularies",
        )

    def vocabulary_of_graph(self, graph: str) -> Any | None:
        for v in self.src.vocabularies():
            if v.graph == graph:
                return v
        return None

    def default_lang(self, vocab: Any | None) -> str:
        langs = list(getattr(vocab, "languages", None) or [])
        return langs[0] if langs else "en"

    # concepts
    def describe(self, uri: str) -> Description | None:
        return describe(self.src, uri)

    def view(
        self, uri: str, lang: str | None = None, *, description: Description | None = None
    ) -> tuple[Description, ConceptView]:
        """The description and view of ``uri``; :class:`NotFound` when unknown."""
        d = description if description is not None else describe(self.src, uri)
        if d is None:
            raise NotFound(
                f"no concept, scheme or other resource <{uri}> in the store",
                hint="check the URI (GET /api/search?q=... finds concepts by label)",
            )
        vocabs = [v for g in d.graphs if (v := self.vocabulary_of_graph(g)) is not None]
        # A vocabulary that only states links about it (a mapping vocabulary: no
        # concepts) is not the concept's own.
        vocab = next((v for v in vocabs if v.concepts), vocabs[0] if vocabs else None)
        default = self.default_lang(vocab)
        view = build_view(
            d, _check_lang(lang) or default, vocab=vocab.id if vocab else None, fallbacks=[default]
        )
        return d, view

    def hash_members(self, doc: str, limit: int = 500) -> list[str]:
        """The resources ``<doc>#...`` that the document ``doc`` describes (hash IRIs),
        from an index of fragment IRIs built once per store version."""

        def compute() -> dict[str, list[str]]:
            docs: dict[str, list[str]] = {}
            for r in self.src.select(named_query("vocab_hash_subjects")):
                iri = r["s"].value
                docs.setdefault(iri.split("#", 1)[0], []).append(iri)
            return {k: sorted(v) for k, v in docs.items()}

        index: dict[str, list[str]] = self._cached(("hash-docs",), compute)
        return index.get(doc, [])[:limit]

    # hierarchy
    def top_concepts(self, vocab_id: str, lang: str | None = None) -> list[TreeNode]:
        """The vocabulary's top concepts, or its roots (concepts without a broader one)
        when it states none."""
        vocab = self.vocabulary(vocab_id)
        lang = _check_lang(lang) or self.default_lang(vocab)
        fb = [self.default_lang(vocab)]

        def compute() -> list[TreeNode]:
            rows = self.src.select(named_query("vocab_top_concepts"), g=_nn(vocab.graph))
            if rows:
                return _tree_nodes(rows, lang, fb)
            parents, has_children = self._edges(vocab_id)
            return [
                TreeNode(uri, label, uri in has_children)
                for _, label, uri in self._labels(vocab_id, lang)
                if uri not in parents
            ]

        return list(self._cached(("top", vocab_id, lang), compute))

    def _edges(self, vocab_id: str) -> tuple[set[str], set[str]]:
        """``(concepts with a broader one, concepts with a narrower one)``."""
        vocab = self.vocabulary(vocab_id)

        def compute() -> tuple[set[str], set[str]]:
            rows = self.src.select(named_query("vocab_edges"), g=_nn(vocab.graph))
            return {r["c"].value for r in rows}, {r["parent"].value for r in rows}

        result: tuple[set[str], set[str]] = self._cached(("edges", vocab_id), compute)
        return result

    def children(
        self, uri: str, lang: str | None = None, vocab_id: str | None = None
    ) -> list[TreeNode]:
        """Narrower concepts of ``uri``; with ``vocab_id``, only that vocabulary's."""
        vocab = self.vocabulary(vocab_id) if vocab_id else None
        default = self.default_lang(vocab)
        graphs = [vocab.graph] if vocab is not None else None
        return children(self.src, uri, _check_lang(lang) or default, [default], graphs)

    def collections(self, vocab_id: str, lang: str | None = None) -> list[tuple[Ref, int]]:
        vocab = self.vocabulary(vocab_id)
        lang = _check_lang(lang) or self.default_lang(vocab)

        def compute() -> list[tuple[Ref, int]]:
            rows = self.src.select(named_query("vocab_collections"), g=_nn(vocab.graph))
            labels: dict[str, dict[str, list[str]]] = {}
            sizes: dict[str, int] = {}
            for r in rows:
                c = r["c"].value
                labels.setdefault(c, {})
                if "label" in r:
                    labels[c].setdefault(_lang(r["label"]), []).append(r["label"].value)
                sizes[c] = max(sizes.get(c, 0), int(r["members"].value))
            out = [
                (Ref(c, pick(ls, lang, [self.default_lang(vocab)]) or local_name(c)), sizes[c])
                for c, ls in labels.items()
            ]
            return sorted(out, key=lambda x: fold(x[0].label))

        return list(self._cached(("collections", vocab_id, lang), compute))

    # alphabetical index
    def _labels_in(self, vocab_id: str, lang: str) -> dict[str, dict[str, list[str]]]:
        """``{concept: {lang: [labels]}}`` for the labels in ``lang`` (``*``: all)."""
        import pyoxigraph

        vocab = self.vocabulary(vocab_id)

        def compute() -> dict[str, dict[str, list[str]]]:
            rows = self.src.select(
                named_query("vocab_labels"), g=_nn(vocab.graph), lang=pyoxigraph.Literal(lang)
            )
            per: dict[str, dict[str, list[str]]] = {}
            for r in rows:
                label = r["label"]
                per.setdefault(r["c"].value, {}).setdefault(_lang(label), []).append(label.value)
            return per

        result: dict[str, dict[str, list[str]]] = self._cached(
            ("labels-in", vocab_id, lang), compute
        )
        return result

    def _labels(self, vocab_id: str, lang: str) -> list[tuple[str, str, str]]:
        """``(folded, label, uri)`` of every concept, one label per concept (in ``lang``,
        else the vocabulary's language, else any), sorted."""
        vocab = self.vocabulary(vocab_id)
        default = self.default_lang(vocab)

        def compute() -> list[tuple[str, str, str]]:
            chosen: dict[str, str] = {}
            tiers = [lang] if lang == default else [lang, default]
            for tier in tiers:
                for uri, labels in self._labels_in(vocab_id, tier).items():
                    if uri not in chosen and (label := pick(labels, tier)):
                        chosen[uri] = label
            if len(chosen) < vocab.concepts:
                for uri, labels in self._labels_in(vocab_id, "*").items():
                    if uri not in chosen and (label := pick(labels, lang, [default])):
                        chosen[uri] = label
            out = sorted((fold(label), label, uri) for uri, label in chosen.items())
            return out

        return list(self._cached(("labels", vocab_id, lang), compute))

    def _by_letter(self, vocab_id: str, lang: str) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for folded, label, uri in self._labels(vocab_id, lang):
            out.setdefault(_letter_of_folded(folded.lstrip()), []).append((label, uri))
        return out

    def scheme_info(self, vocab_id: str) -> dict[str, dict[str, Any]]:
        """:func:`scheme_info` of a vocabulary, cached per store version."""
        vocab = self.vocabulary(vocab_id)
        return dict(self._cached(("schemes", vocab_id), lambda: scheme_info(self.src, vocab.graph)))

    def index(
        self,
        vocab_id: str,
        *,
        lang: str | None = None,
        letter: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> IndexPage:
        """One page of the alphabetical index of a vocabulary."""
        vocab = self.vocabulary(vocab_id)
        lang = _check_lang(lang) or self.default_lang(vocab)
        if offset < 0 or not 1 <= limit <= 1000:
            raise InputError(
                "offset must be >= 0 and limit between 1 and 1000", where="offset/limit"
            )
        by_letter: dict[str, list[tuple[str, str]]] = self._cached(
            ("letters", vocab_id, lang), lambda: self._by_letter(vocab_id, lang)
        )
        letters = sorted(by_letter, key=lambda x: (x == "#", x))
        if letter is None:
            letter = letters[0] if letters else "A"
        letter = letter.upper()
        if letter not in by_letter and letters:
            raise NotFound(
                f"no concept of {vocab_id!r} is filed under {letter!r}",
                hint="letters: " + " ".join(letters),
            )
        chosen = by_letter.get(letter, [])
        page = [TreeNode(uri, lbl, False) for lbl, uri in chosen[offset : offset + limit]]
        return IndexPage(list(letters), letter, page, len(chosen), offset, limit)


def _check_lang(lang: str | None) -> str | None:
    """A ``lang`` parameter: a BCP 47-looking tag, or ``None``."""
    if lang is None or lang == "":
        return None
    ok = all(part.isalnum() and len(part) <= 8 for part in lang.split("-"))
    if not ok or len(lang) > 35:
        raise InputError(
            f"not a language tag: {lang!r}",
            where="lang",
            hint="use a BCP 47 tag such as en, fr or en-GB",
        )
    return lang


def neighbourhood(view: ConceptView, url: Callable[[str], str]) -> dict[str, Any]:
    """Nodes and edges around a concept for the little picture on its page."""
    nodes: dict[str, dict[str, Any]] = {
        view.uri: {"id": view.uri, "label": view.pref_label, "kind": "self", "href": url(view.uri)}
    }
    edges: list[dict[str, str]] = []
    groups = [("broader", view.broader), ("narrower", view.narrower), ("related", view.related)]
    groups += [(f"mapping:{k}", v) for k, v in view.mappings.items()]
    for kind, refs in groups:
        for r in refs[:24]:
            nodes.setdefault(
                r.uri,
                {"id": r.uri, "label": r.label, "kind": kind.split(":")[0], "href": url(r.uri)},
            )
            edges.append({"source": view.uri, "target": r.uri, "kind": kind})
    return {"nodes": list(nodes.values()), "edges": edges}


def serialize(triples: Sequence[Any], fmt: Any) -> bytes:
    """Triples in an RDF syntax (a :class:`glossary.formats.RdfFormat`), with prefixes."""
    import pyoxigraph

    from glossary.formats import RdfFormat

    if fmt is RdfFormat.JSONLD:
        return _jsonld(triples)
    if fmt in (RdfFormat.TURTLE, RdfFormat.RDFXML):
        triples = _grouped(triples)  # one block per subject, in order of first appearance
    prefixes = _used_prefixes(triples) if fmt in (RdfFormat.TURTLE, RdfFormat.RDFXML) else None
    data: bytes | None = pyoxigraph.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)
    return data or b""


def _grouped(triples: Sequence[Any]) -> list[Any]:
    order: dict[str, int] = {}
    for t in triples:
        order.setdefault(str(t.subject), len(order))
    return sorted(triples, key=lambda t: order[str(t.subject)])


def _used_prefixes(triples: Sequence[Any]) -> dict[str, str]:
    """The prefixes whose namespace some IRI in ``triples`` starts with."""
    iris = {t.predicate.value for t in triples}
    iris |= {term.value for t in triples for term in (t.subject, t.object) if _is_iri(term)}
    iris |= {t.object.datatype.value for t in triples if _is_literal(t.object)}
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _jsonld(triples: Sequence[Any]) -> bytes:
    """JSON-LD with a context of the usual prefixes (compacted by hand: IRIs of
    properties become ``prefix:name``; values stay in expanded form, valid JSON-LD)."""
    import json

    import pyoxigraph

    expanded = json.loads(
        pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD) or b"[]"
    )

    def compact(iri: str) -> str:
        for prefix, ns in PREFIXES.items():
            if iri.startswith(ns) and iri[len(ns) :].replace("-", "").replace("_", "").isalnum():
                return f"{prefix}:{iri[len(ns) :]}"
        return iri

    graph = [
        {compact(k) if not k.startswith("@") else k: v for k, v in node.items()}
        for node in expanded
    ]
    for node in graph:
        types = list(node.get("@type", []))
        types += [v["@id"] for v in node.pop("rdf:type", []) if "@id" in v]
        if types:
            node["@type"] = [compact(t) for t in types]
    doc = {"@context": dict(PREFIXES), "@graph": graph}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
