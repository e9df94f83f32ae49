"""Reconciliation (W3C Reconciliation Service API 0.2): match strings to concepts.

Core library: no Flask, no HTTP. The service's ``/reconcile`` blueprint parses the
request, calls a :class:`Reconciler` and writes its answers as JSON.

Candidates come from the search indexes (:class:`glossary.search.SearchIndex`):

* the label index (prefix, case-, accent- and punctuation-insensitive): an *exact*
  label match scores 100 for a preferred label, 90 for an alternative label, 80 for a
  hidden label; a label that merely starts with the query (or has a word that does)
  scores at most 68;
* a label spelled almost like the query (difflib's similarity at least 0.75 between
  the folded strings; candidates from the label index for the query's first three
  letters, its first half and its other words): at most 70, so "communitty led" finds
  "Community-led";
* the hybrid related-terms search (embeddings + FAISS + word overlap), so a paraphrase
  still finds its concept: at most 60.

Misspellings and meaning are looked for only when no label equals the query.

A candidate is a ``match`` (OpenRefine may link it without asking) only when its
preferred label equals the query (folded), every property given with the query holds
for it, and no other candidate for which they hold has an exact label match.

Properties a query may carry (``properties: [{"pid", "v"}]``), see :data:`QUERY_PROPS`:
``broader`` (the label or URI of a broader concept), ``inScheme`` / ``vocab`` (a
scheme URI or a vocabulary id), ``lang`` (the language of the labels to match),
``notation``. A candidate that does not satisfy one keeps its place but loses 40 % of
its score and cannot be a match; each property is reported as a ``feature``.

>>> parse_batch({"q0": {"query": "apple", "limit": 3}})["q0"].limit
3
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glossary.errors import InputError, NotFound
from glossary.search.text import fold

if TYPE_CHECKING:
    from glossary.concepts import Catalog, ConceptView
    from glossary.search import SearchIndex

SKOS = "http://www.w3.org/2004/02/skos/core#"
SKOS_CONCEPT = SKOS + "Concept"
#: The most queries one batch may hold (announced as ``batchSize`` in the manifest).
MAX_BATCH = 50
#: The most ids one data-extension request may hold.
MAX_EXTEND_IDS = 200
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
MAX_QUERY_CHARS = 500

SCORE_PREF, SCORE_ALT, SCORE_HIDDEN = 100.0, 90.0, 80.0
PARTIAL_LABEL_MAX = 80.0  # times the label index's score (at most 0.85 for a prefix)
SEMANTIC_MAX = 60.0  # times the hybrid related-terms score (0..1)
SPELLING_MAX = 70.0  # times the edit similarity of a label spelled almost like the query
SPELLING_MIN = 0.75  # the least similarity that counts as a misspelling
MISMATCH_FACTOR = 0.6

#: Properties of a concept the data extension returns: id -> (name, SKOS property,
#: whether values are other resources).
EXTEND_PROPS: dict[str, tuple[str, str, bool]] = {
    "prefLabel": ("preferred label", SKOS + "prefLabel", False),
    "altLabel": ("alternative labels", SKOS + "altLabel", False),
    "hiddenLabel": ("hidden labels", SKOS + "hiddenLabel", False),
    "definition": ("definition", SKOS + "definition", False),
    "scopeNote": ("scope note", SKOS + "scopeNote", False),
    "notation": ("notation", SKOS + "notation", False),
    "broader": ("broader concepts", SKOS + "broader", True),
    "narrower": ("narrower concepts", SKOS + "narrower", True),
    "related": ("related concepts", SKOS + "related", True),
    "exactMatch": ("exact matches", SKOS + "exactMatch", True),
    "closeMatch": ("close matches", SKOS + "closeMatch", True),
    "broadMatch": ("broad matches", SKOS + "broadMatch", True),
    "narrowMatch": ("narrow matches", SKOS + "narrowMatch", True),
    "relatedMatch": ("related matches", SKOS + "relatedMatch", True),
    "inScheme": ("concept scheme", SKOS + "inScheme", True),
}
#: Properties a reconciliation query may use to refine its candidates.
QUERY_PROPS: dict[str, str] = {
    "broader": "a broader concept: its label (any language) or its URI",
    "inScheme": "the concept scheme: its URI, or a vocabulary id",
    "vocab": "the vocabulary id (same as inScheme)",
    "lang": "the language of the labels to match (BCP 47, e.g. en, fr)",
    "notation": "the concept's notation (code), compared case-insensitively",
}
_PROP_ALIASES = {SKOS + p: p for p in ("broader", "inScheme", "notation")}

#: The texts that describe a candidate, by kind (0 definition, 1 scope note). A trusted
#: query of this module: the concept goes in as the bound term ?c, never as text.
#: Definitions are plain literals, or nodes with rdf:value (attributed definitions:
#: skos:definition or gl:hasDefinition); some vocabularies (GEMET) hold theirs in
#: skos:scopeNote, the fallback.
DESCRIPTION_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX gl: <https://w3id.org/semantic-glossary/ontology#>
SELECT ?c ?kind ?text ?n WHERE {
  { ?c skos:definition ?text FILTER(isLiteral(?text)) BIND(0 AS ?kind) }
  UNION { ?c skos:definition|gl:hasDefinition ?n . ?n rdf:value ?text BIND(0 AS ?kind) }
  UNION { ?c skos:scopeNote ?text FILTER(isLiteral(?text)) BIND(1 AS ?kind) }
}
"""


# --- parsing queries ---------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One reconciliation query of a batch."""

    query: str
    types: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    type_strict: str = "any"


def load_json(text: str, name: str) -> Any:
    """Parse the JSON of the ``name`` parameter; :class:`InputError` says where it broke."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested past Python's stack
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(
            f"the {name} parameter is not valid JSON ({reason})",
            where=name,
            hint=f'give {name} as a JSON object, e.g. {name}={{"q0": {{"query": "apple"}}}}'
            if name == "queries"
            else f'give {name} as a JSON object, e.g. {{"ids": [...], "properties": '
            f'[{{"id": "broader"}}]}}',
        ) from None


def _values(v: Any, where: str) -> tuple[str, ...]:
    """A property value (or list of them) as strings; an entity ``{id, name}`` gives
    its id and its name."""
    items = v if isinstance(v, list) else [v]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.append(str(item))
        elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
            out.append(item["id"])
            if isinstance(item.get("name"), str):
                out.append(item["name"])
        else:
            raise InputError(
                f"a property value must be a string, a number, a boolean or an entity "
                f'{{"id": ...}}, not {json.dumps(item)[:80]}',
                where=where,
            )
    if not out:
        raise InputError("a property has no value", where=where, hint="give v a value")
    return tuple(out)


def parse_query(key: str, raw: Any) -> Query:
    """One query of a batch (the spec's ``reconciliation-query`` object)."""
    if not isinstance(raw, Mapping):
        raise InputError(
            f"query {key!r} must be a JSON object, not {type(raw).__name__}",
            where=f"queries.{key}",
            hint='e.g. {"query": "apple", "limit": 5}',
        )
    unknown = set(raw) - {"query", "type", "limit", "properties", "type_strict"}
    if unknown:
        raise InputError(
            f"query {key!r} has unknown members: {', '.join(sorted(unknown))}",
            where=f"queries.{key}",
            hint="a query has query, type, limit, properties, type_strict",
        )
    text = raw.get("query", "")
    if not isinstance(text, str):
        raise InputError(f"query {key!r}: query must be a string", where=f"queries.{key}.query")
    if len(text) > MAX_QUERY_CHARS:
        raise InputError(
            f"query {key!r} is longer than {MAX_QUERY_CHARS} characters",
            where=f"queries.{key}.query",
        )
    types = raw.get("type")
    if types is None:
        type_list: tuple[str, ...] = ()
    elif isinstance(types, str):
        type_list = (types,) if types else ()
    elif isinstance(types, list) and all(isinstance(t, str) for t in types):
        type_list = tuple(t for t in types if t)
    else:
        raise InputError(
            f"query {key!r}: type must be a type id or a list of them",
            where=f"queries.{key}.type",
            hint="GET /reconcile lists the types (defaultTypes)",
        )
    limit = raw.get("limit", DEFAULT_LIMIT)
    if isinstance(limit, float) and limit.is_integer():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InputError(
            f"query {key!r}: limit must be a whole number from 1 to {MAX_LIMIT}",
            where=f"queries.{key}.limit",
        )
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise InputError(
            f"query {key!r}: type_strict must be any, should or all",
            where=f"queries.{key}.type_strict",
        )
    props_raw = raw.get("properties", [])
    if not isinstance(props_raw, list):
        raise InputError(
            f"query {key!r}: properties must be a list of {{pid, v}}",
            where=f"queries.{key}.properties",
        )
    props: list[tuple[str, tuple[str, ...]]] = []
    for i, p in enumerate(props_raw):
        where = f"queries.{key}.properties[{i}]"
        if not isinstance(p, Mapping) or not isinstance(p.get("pid"), str) or "v" not in p:
            raise InputError('a property must be an object {"pid": ..., "v": ...}', where=where)
        pid = _PROP_ALIASES.get(p["pid"], p["pid"])
        if pid not in QUERY_PROPS:
            raise InputError(
                f"unsupported property {p['pid'][:80]!r}",
                where=where,
                hint="supported: " + ", ".join(QUERY_PROPS),
            )
        props.append((pid, _values(p["v"], where)))
    if not text.strip() and not props:
        raise InputError(
            f"query {key!r} has neither query text nor properties",
            where=f"queries.{key}",
            hint='give "query": "the text to match"',
        )
    if not text.strip():
        raise InputError(
            f"query {key!r}: matching by properties alone is not supported",
            where=f"queries.{key}.query",
            hint="give the label to match as query",
        )
    return Query(text.strip(), type_list, limit, tuple(props), strict)


def parse_batch(raw: Any, *, max_batch: int = MAX_BATCH) -> dict[str, Query]:
    """A batch of queries ``{"q0": {...}, ...}``; :class:`InputError` names the bad one."""
    if not isinstance(raw, Mapping):
        raise InputError(
            "queries must be a JSON object of named queries",
            where="queries",
            hint='e.g. {"q0": {"query": "apple"}}',
        )
    if not raw:
        raise InputError(
            "queries is empty", where="queries", hint='e.g. {"q0": {"query": "apple"}}'
        )
    if len(raw) > max_batch:
        raise InputError(
            f"{len(raw)} queries in one batch; at most {max_batch} are allowed",
            where="queries",
            hint=f"split the batch (the manifest's batchSize is {max_batch})",
        )
    return {str(k): parse_query(str(k), v) for k, v in raw.items()}


@dataclass(frozen=True)
class ExtendRequest:
    ids: tuple[str, ...]
    properties: tuple[tuple[str, Mapping[str, Any]], ...]


def parse_extend(raw: Any) -> ExtendRequest:
    """A data-extension request ``{"ids": [...], "properties": [{"id", "settings"?}]}``."""
    if not isinstance(raw, Mapping):
        raise InputError("extend must be a JSON object with ids and properties", where="extend")
    ids = raw.get("ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise InputError("extend.ids must be a list of concept URIs", where="extend.ids")
    if len(ids) > MAX_EXTEND_IDS:
        raise InputError(
            f"{len(ids)} ids; at most {MAX_EXTEND_IDS} per request",
            where="extend.ids",
            hint="split the request",
        )
    props = raw.get("properties")
    if not isinstance(props, list) or not props:
        raise InputError(
            'extend.properties must be a non-empty list of {"id": ...}',
            where="extend.properties",
            hint="see propose_properties for the ids",
        )
    out: list[tuple[str, Mapping[str, Any]]] = []
    for i, p in enumerate(props):
        where = f"extend.properties[{i}]"
        if not isinstance(p, Mapping) or not isinstance(p.get("id"), str):
            raise InputError('a property must be an object {"id": ...}', where=where)
        pid = p["id"] if p["id"] in EXTEND_PROPS else p["id"].removeprefix(SKOS)
        if pid not in EXTEND_PROPS:
            raise InputError(
                f"unknown property {p['id'][:80]!r}",
                where=where,
                hint="supported: " + ", ".join(EXTEND_PROPS),
            )
        settings = p.get("settings", {})
        if not isinstance(settings, Mapping):
            raise InputError("settings must be an object", where=where + ".settings")
        _extend_settings(settings, where + ".settings")
        out.append((pid, settings))
    return ExtendRequest(tuple(ids), tuple(out))


def _extend_settings(settings: Mapping[str, Any], where: str) -> tuple[str | None, int]:
    lang = settings.get("lang") or None
    if lang is not None and (not isinstance(lang, str) or len(lang) > 35):
        raise InputError("the lang setting must be a language tag such as en", where=where)
    limit = settings.get("limit", 0)
    if isinstance(limit, str) and limit.strip().isdigit():
        limit = int(limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 1000:
        raise InputError(
            "the limit setting must be a whole number from 0 (all) to 1000", where=where
        )
    return lang, limit


# --- answers -----------------------------------------------------------------------


@dataclass
class Candidate:
    id: str
    name: str
    score: float
    match: bool = False
    description: str | None = None
    types: list[dict[str, str]] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "name": self.name}
        if self.description:
            out["description"] = self.description
        out["type"] = self.types
        out["score"] = self.score
        out["match"] = self.match
        out["features"] = self.features
        return out


@dataclass
class _Scored:
    concept: int
    score: float
    exact: str | None = None  # prefLabel | altLabel | hiddenLabel
    source: str = "label"
    features: dict[str, bool] = field(default_factory=dict)


def _short(text: str, n: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


class Reconciler:
    """Reconciliation over the search index (candidates) and the store (descriptions)."""

    def __init__(self, index: SearchIndex, catalog: Catalog) -> None:
        self.index = index
        self.catalog = catalog

    # -- types -----------------------------------------------------------------------

    def types(self) -> list[dict[str, str]]:
        """``skos:Concept``, then one type per loaded vocabulary (its scheme URI, or
        its id when it has none), so a user can restrict matching to one vocabulary."""
        out = [{"id": SKOS_CONCEPT, "name": "Concept (any vocabulary)"}]
        for v in self.catalog.vocabularies():
            if v.id not in self.index.vocabs:
                continue
            out.append({"id": v.uri or v.id, "name": f"Concept in {v.title or v.id}"})
        return out

    def _vocab_type(self, vocab_id: str) -> dict[str, str] | None:
        for v in self.catalog.vocabularies():
            if v.id == vocab_id:
                return {"id": v.uri or v.id, "name": f"Concept in {v.title or v.id}"}
        return None

    def vocab_for(self, ref: str) -> str:
        """The vocabulary a type or scheme reference names (scheme URI or vocab id)."""
        for v in self.catalog.vocabularies():
            if ref in (v.id, v.uri) or ref in v.schemes:
                return str(v.id)
        known = ", ".join(t["id"] for t in self.types())
        raise InputError(
            f"unknown type or scheme {ref[:200]!r}", where="type", hint=f"known types: {known}"
        )

    def _vocabs_of_types(self, types: Sequence[str]) -> list[str | None]:
        wanted = [t for t in types if t != SKOS_CONCEPT]
        if not wanted or len(wanted) < len(types):
            return [None]  # skos:Concept (or nothing) means every vocabulary
        return [*sorted({self.vocab_for(t) for t in wanted})]

    # -- reconciliation ----------------------------------------------------------------

    def reconcile_batch(self, queries: Mapping[str, Query]) -> dict[str, Any]:
        return {
            key: {"result": [c.to_json() for c in self.reconcile(q)]} for key, q in queries.items()
        }

    def reconcile(self, q: Query) -> list[Candidate]:
        """The ranked candidates for one query (at most ``q.limit``)."""
        props = dict(q.properties)
        lang = props.get("lang", (None,))[0]
        vocabs = self._vocabs_of_types(q.types)
        for ref in props.get("inScheme", ()) + props.get("vocab", ()):
            if vocabs == [None]:
                vocabs = []
            vocabs.append(self.vocab_for(ref))
        vocabs = sorted(set(vocabs), key=lambda x: x or "") if vocabs else [None]
        key = fold(q.query)
        found: dict[int, _Scored] = {}
        want = min(MAX_LIMIT, max(q.limit * 4, 20))
        for vocab in vocabs:
            for hit in self.index.search(q.query, lang=lang, vocab=vocab, limit=want):
                concept = self.index.concept_id(hit.uri)
                if hit.matched_label is not None and fold(hit.matched_label) == key:
                    kind = hit.match_type or "prefLabel"
                    score = {"prefLabel": SCORE_PREF, "altLabel": SCORE_ALT}.get(kind, SCORE_HIDDEN)
                    cand = _Scored(concept, score, exact=kind)
                else:
                    cand = _Scored(concept, round(hit.score * PARTIAL_LABEL_MAX, 2))
                if concept not in found or found[concept].score < cand.score:
                    found[concept] = cand
        # Misspellings and meaning only when no label equals the query: an exact label
        # is what a spreadsheet cell usually holds, and these searches cost the most.
        if not any(s.exact for s in found.values()):
            for vocab in vocabs:
                for concept, score in self._misspelt(key, lang, vocab, MAX_LIMIT):
                    if concept not in found or found[concept].score < score:
                        found[concept] = _Scored(concept, score, source="spelling")
                for hit in self.index.related(
                    q=q.query, k=min(MAX_LIMIT, q.limit * 2), vocab=vocab, lang=lang
                ):
                    concept = self.index.concept_id(hit.uri)
                    score = round(max(0.0, min(1.0, hit.score)) * SEMANTIC_MAX, 2)
                    if concept not in found:
                        found[concept] = _Scored(concept, score, source="meaning")
                    elif found[concept].score < score:
                        found[concept].score = score
        ranked = sorted(found.values(), key=lambda s: (-s.score, self.index.uris[s.concept]))
        ranked = ranked[: max(q.limit * 3, q.limit)]
        views: dict[int, ConceptView | None] = {}

        def view_of(concept: int) -> ConceptView | None:
            if concept not in views:
                views[concept] = self._view(concept, lang)
            return views[concept]

        checks = [(pid, vals) for pid, vals in q.properties if pid not in ("lang",)]
        for s in ranked:
            for pid, vals in checks:
                ok = self._holds(s.concept, view_of(s.concept), pid, vals)
                s.features[pid] = ok
                if not ok:
                    s.score = round(s.score * MISMATCH_FACTOR, 2)
        ranked.sort(key=lambda s: (-s.score, self.index.uris[s.concept]))
        exact = [s for s in ranked if s.exact is not None and all(s.features.values())]
        out: list[Candidate] = []
        for s in ranked[: q.limit]:
            uri = self.index.uris[s.concept]
            is_match = (
                s.exact == "prefLabel"
                and len(exact) == 1
                and exact[0] is s
                and all(s.features.values())
            )
            features: list[dict[str, Any]] = [
                {"id": "exact_label", "value": s.exact is not None},
                {"id": "exact_prefLabel", "value": s.exact == "prefLabel"},
                {"id": "by_meaning", "value": s.source == "meaning"},
                {"id": "by_spelling", "value": s.source == "spelling"},
            ]
            features += [{"id": f"property_{pid}", "value": ok} for pid, ok in s.features.items()]
            description = self.description(uri, lang)
            if s.exact == "prefLabel" and not is_match and all(s.features.values()):
                why = self._shared_note(q.query, s, exact, lang)
                description = f"{why} {description}" if description else why
            out.append(
                Candidate(
                    id=uri,
                    name=self.index.pref_label(s.concept, lang) or uri,
                    score=s.score,
                    match=is_match,
                    description=description,
                    types=self._types_of(s.concept),
                    features=features,
                )
            )
        return out

    def _shared_note(
        self, query: str, s: _Scored, exact: Sequence[_Scored], lang: str | None
    ) -> str:
        """Why an exact prefLabel is no ``match``: the other concepts with that label."""
        words = {"prefLabel": "preferred label", "altLabel": "alternative label"}
        others = [
            f"the {words.get(o.exact or '', 'hidden label')} of "
            f'"{self.index.pref_label(o.concept, lang) or self.index.uris[o.concept]}"'
            for o in exact
            if o is not s
        ]
        shown = "; ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        return f'Not matched automatically: "{query}" is also {shown}.'

    def _misspelt(
        self, key: str, lang: str | None, vocab: str | None, want: int
    ) -> list[tuple[int, float]]:
        """Concepts with a label spelled almost like ``key`` ("communitty led" for
        "Community-led"): label-index hits kept when their edit similarity (difflib's
        ratio) to the whole query is at least SPELLING_MIN. Candidates come from the
        query's first three letters, its first half, and each of its other words of
        four letters or more, so a slip is found unless every one of those holds one."""
        from difflib import SequenceMatcher

        if len(key) < 5:
            return []
        heads = {key[:3], key[: len(key) // 2]}
        heads |= {w for w in key.split(" ")[1:] if len(w) >= 4}
        best: dict[int, float] = {}
        for head in sorted(heads):
            for hit in self.index.search(head, lang=lang, vocab=vocab, limit=want):
                if hit.matched_label is None:
                    continue
                ratio = SequenceMatcher(None, key, fold(hit.matched_label)).ratio()
                if SPELLING_MIN <= ratio < 1.0:
                    concept = self.index.concept_id(hit.uri)
                    best[concept] = max(best.get(concept, 0.0), round(ratio * SPELLING_MAX, 2))
        return list(best.items())

    def _view(self, concept: int, lang: str | None) -> ConceptView | None:
        uri = self.index.uris[concept]
        try:
            return self.catalog.view(uri, lang)[1]
        except NotFound:  # indexed but gone from the store meanwhile (a load in between)
            return None

    def _types_of(self, concept: int) -> list[dict[str, str]]:
        out = [{"id": SKOS_CONCEPT, "name": "Concept"}]
        t = self._vocab_type(self.index.vocab_of(concept))
        if t is not None:
            out.append(t)
        return out

    def description(self, uri: str, lang: str | None) -> str | None:
        """A line to tell candidates apart: the definition in ``lang`` (else untagged,
        else English, else any), else a scope note. One small query, not a description
        of the whole concept (a candidate list is shown before anyone looks closer)."""
        from glossary.concepts import _nn

        rows = self.catalog.src.select(DESCRIPTION_QUERY, c=_nn(uri))
        from glossary.concepts import _natural

        texts = [(int(r["kind"].value), getattr(r["text"], "language", None) or "",
                  r["n"].value if "n" in r else "", r["text"].value) for r in rows]  # fmt: skip
        if not texts:
            return None
        wanted = [lang or "en", "", "en"]

        def rank(t: tuple[int, str, str, str]) -> tuple[int, int, bool, list[Any], str]:
            tag = t[1].lower()
            pos = next((i for i, w in enumerate(wanted) if tag == w or
                        (w and tag.startswith(w + "-"))), len(wanted))  # fmt: skip
            # attributed definitions first, in their own order (#definition-1, -2, ...)
            return (t[0], pos, not t[2], _natural(t[2]), t[3])

        return _short(min(texts, key=rank)[3])

    def labels_of(self, uri: str) -> list[str]:
        """Every label (any kind, any language) of an indexed concept, folded."""
        try:
            concept = self.index.concept_id(uri)
        except NotFound:
            return []
        lo, hi = self.index.label_range(concept)
        return [fold(self.index.labels.label_text[i]) for i in range(lo, hi)]

    def _holds(
        self, concept: int, view: ConceptView | None, pid: str, values: Iterable[str]
    ) -> bool:
        wanted = list(values)
        folded = {fold(v) for v in wanted}
        if pid == "broader":
            if view is None:
                return False
            for ref in view.broader:
                if ref.uri in wanted or folded & set(self.labels_of(ref.uri)):
                    return True
                if fold(ref.label) in folded:
                    return True
            return False
        if pid in ("inScheme", "vocab"):
            vocab = self.index.vocab_of(concept)
            schemes = {r.uri for r in view.schemes} if view is not None else set()
            for name in wanted:
                if name == vocab or name in schemes:
                    return True
                try:
                    if self.vocab_for(name) == vocab:
                        return True
                except InputError:
                    continue
            return False
        if pid == "notation":
            return view is not None and bool(folded & {fold(n) for n in view.notations})
        raise AssertionError(pid)  # parse_query admits only QUERY_PROPS

    # -- suggest -----------------------------------------------------------------------

    def suggest_entities(
        self,
        prefix: str,
        *,
        cursor: int = 0,
        limit: int = 10,
        types: Sequence[str] = (),
        lang: str | None = None,
    ) -> list[dict[str, Any]]:
        """Autocomplete from the label index; the description names the label that
        matched when it is not the preferred one."""
        vocabs = self._vocabs_of_types(types)
        vocab = vocabs[0] if len(vocabs) == 1 else None
        out: list[dict[str, Any]] = []
        by_uri = self._suggest_by_uri(prefix.strip(), vocabs, lang) if cursor == 0 else None
        if by_uri is not None:  # the spec: a prefix that is an entity's id suggests it
            out.append(by_uri)
        for hit in self.index.search(prefix, lang=lang, vocab=vocab, limit=limit, offset=cursor):
            if by_uri is not None and hit.uri == by_uri["id"]:
                continue
            item: dict[str, Any] = {"id": hit.uri, "name": hit.pref_label or hit.uri}
            if hit.match_type != "prefLabel" and hit.matched_label:
                kind = {"altLabel": "also", "hiddenLabel": "also"}.get(hit.match_type or "", "")
                item["description"] = f"{kind} {hit.matched_label}".strip() + (
                    f" ({hit.lang})" if hit.lang else ""
                )
            concept = self.index.concept_id(hit.uri)
            item["notable"] = self._types_of(concept)
            out.append(item)
        return out[:limit]

    def _suggest_by_uri(
        self, uri: str, vocabs: Sequence[str | None], lang: str | None
    ) -> dict[str, Any] | None:
        """The suggestion for a prefix that is an indexed concept's URI, else None."""
        if ":" not in uri or " " in uri:
            return None
        try:
            concept = self.index.concept_id(uri)
        except NotFound:
            return None
        if None not in vocabs and self.index.vocab_of(concept) not in vocabs:
            return None
        name = self.index.pref_label(concept, lang) or uri
        return {"id": uri, "name": name, "notable": self._types_of(concept)}

    def suggest_types(
        self, prefix: str, *, cursor: int = 0, limit: int = 10
    ) -> list[dict[str, str]]:
        return _by_prefix(self.types(), prefix)[cursor : cursor + limit]

    def suggest_properties(
        self, prefix: str, *, cursor: int = 0, limit: int = 10
    ) -> list[dict[str, str]]:
        props = [{"id": pid, "name": name} for pid, (name, _p, _r) in EXTEND_PROPS.items()]
        props += [{"id": "lang", "name": "label language"}, {"id": "vocab", "name": "vocabulary"}]
        return _by_prefix(props, prefix)[cursor : cursor + limit]

    # -- data extension --------------------------------------------------------------

    def propose_properties(self, type_id: str, limit: int = len(EXTEND_PROPS)) -> dict[str, Any]:
        if type_id != SKOS_CONCEPT:
            self.vocab_for(type_id)  # InputError when unknown
        props = [{"id": pid, "name": name} for pid, (name, _p, _r) in EXTEND_PROPS.items()]
        return {"type": type_id, "limit": limit, "properties": props[:limit]}

    def extend(self, req: ExtendRequest) -> dict[str, Any]:
        """The data-extension answer: ``meta`` (one entry per property) and ``rows``
        (per id, per property, a list of ``{"str"}`` or ``{"id", "name"}``). An id that
        is not in the store gets empty lists."""
        meta: list[dict[str, Any]] = []
        for pid, _settings in req.properties:
            name, _prop, is_ref = EXTEND_PROPS[pid]
            entry: dict[str, Any] = {"id": pid, "name": name}
            if pid == "inScheme":
                entry["type"] = {"id": SKOS + "ConceptScheme", "name": "Concept scheme"}
            elif is_ref:
                entry["type"] = {"id": SKOS_CONCEPT, "name": "Concept"}
            meta.append(entry)
        rows: dict[str, Any] = {}
        views: dict[tuple[str, str | None], ConceptView | None] = {}
        for uri in req.ids:
            row: dict[str, list[dict[str, str]]] = {}
            for pid, settings in req.properties:
                lang, limit = _extend_settings(settings, "settings")
                key = (uri, lang)
                if key not in views:
                    views[key] = self._view_of(uri, lang)
                values = _extend_values(views[key], pid, lang)
                row[pid] = values[:limit] if limit else values
            rows[uri] = row
        return {"meta": meta, "rows": rows}

    def _view_of(self, uri: str, lang: str | None) -> ConceptView | None:
        from glossary.concepts import _nn

        try:
            _nn(uri)
            return self.catalog.view(uri, lang)[1]
        except (NotFound, InputError):
            return None

    def preview(self, uri: str, lang: str | None = None) -> ConceptView:
        """The view a preview shows; :class:`NotFound` when the id is unknown."""
        return self.catalog.view(uri, lang)[1]


def _extend_values(view: ConceptView | None, pid: str, lang: str | None) -> list[dict[str, str]]:
    if view is None:
        return []
    shown = view.lang

    def texts(by_lang: Mapping[str, list[str]]) -> list[dict[str, str]]:
        if lang:
            return [{"str": t} for t in by_lang.get(shown, [])]
        return [{"str": t} for vs in by_lang.values() for t in vs]

    def refs(items: Iterable[Any]) -> list[dict[str, str]]:
        return [{"id": r.uri, "name": r.label} for r in items]

    if pid == "prefLabel":
        return [{"str": view.pref_label}] if lang else texts(view.pref_labels)
    if pid == "altLabel":
        return texts(view.alt_labels)
    if pid == "hiddenLabel":
        return texts(view.hidden_labels)
    if pid == "definition":
        return [{"str": d.text} for d in view.definitions if not lang or d.lang in (shown, "")]
    if pid == "scopeNote":
        return [
            {"str": t} for t, lg in view.notes.get("scopeNote", []) if not lang or lg in (shown, "")
        ]
    if pid == "notation":
        return [{"str": n} for n in view.notations]
    if pid == "inScheme":
        return refs(view.schemes)
    if pid in ("broader", "narrower", "related"):
        return refs(getattr(view, pid))
    return refs(view.mappings.get(pid, []))


def _by_prefix(items: list[dict[str, str]], prefix: str) -> list[dict[str, str]]:
    key = fold(prefix)
    if not key:
        return items
    out = []
    for item in items:
        names = [*fold(item["name"]).split(" "), fold(item["id"])]
        if any(n.startswith(key) for n in names) or fold(item["name"]).startswith(key):
            out.append(item)
    return out
