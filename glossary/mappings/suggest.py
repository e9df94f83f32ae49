"""Mapping suggestions between two loaded vocabularies, from the stored vectors and
the labels together (docs/mappings.md says why each rule is what it is).

Nothing is encoded: every concept's vectors were made when its vocabulary was loaded
(glossary/search/build.py). For each concept of the source vocabulary:

1. **Candidates.** Every vector of the concept searches the target's FAISS index;
   the hits are max-pooled per target concept and the ``candidates`` best kept, plus
   every target concept that shares a label with it (folded as label search folds,
   British/American spellings counted equal, same language or one untagged; hidden
   labels are left out: they are misspellings).
2. **Features** of each pair, from the vectors: ``cos``, the best cosine between any
   vector of the one and any of the other; ``ctx``, the cosine of their context
   vectors ("prefLabel (broader prefLabels)", the concept placed in its hierarchy;
   ``cos`` when either has none). And the label match: prefLabel = prefLabel,
   prefLabel = altLabel, altLabel = altLabel.
3. **Confidence** = ``(1 - w) * cos + w * ctx`` (w = :data:`CONTEXT_WEIGHT`), raised for a
   label match to at least :data:`LABEL_FLOOR` of its kind, times the match's
   ambiguity penalty when one label names several target concepts; in [0, 1].
4. **Predicate.** ``broadMatch`` / ``narrowMatch`` when the prefLabels' words nest
   ("Research fellowships" -> "Fellowships": the target is broader); ``exactMatch``
   when the confidence reaches ``exact_at`` and the pair is each other's best
   (one to one); ``closeMatch`` otherwise. Pairs below ``threshold`` are dropped.
   One exact or close match per source concept (its best), and at most one broader
   or narrower one.
5. **Justification:** ``semapv:LexicalMatching`` when the two share a label (the
   vectors of identical texts are identical too, so such a pair's cosine is the
   label match seen again), ``semapv:SemanticSimilarityThresholdMatching`` otherwise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from glossary.errors import InputError
from glossary.mappings.sssom import MappingRow, MappingSet, namespace
from glossary.search.records import ALT, HIDDEN, PREF
from glossary.search.spelling import variants
from glossary.search.text import words

if TYPE_CHECKING:
    from glossary.search.index import SearchIndex

#: Default minimum confidence of a suggestion (chosen in scripts/evaluate_mappings.py).
DEFAULT_THRESHOLD = 0.8
#: Confidence from which a one-to-one best pair is an exactMatch.
DEFAULT_EXACT_AT = 0.9
#: Target concepts kept per source concept from the vector search.
DEFAULT_CANDIDATES = 5
#: Weight of the context cosine in the confidence.
CONTEXT_WEIGHT = 0.3
#: Lowest confidence a label match gets, per kind of match (before ambiguity).
LABEL_FLOOR = {"prefLabel=prefLabel": 0.95, "prefLabel=altLabel": 0.75, "altLabel=altLabel": 0.8}
MAX_LIMIT = 100_000

SKOS = "http://www.w3.org/2004/02/skos/core#"
SEMAPV = "https://w3id.org/semapv/vocab/"
LEXICAL = SEMAPV + "LexicalMatching"
SEMANTIC = SEMAPV + "SemanticSimilarityThresholdMatching"
#: Where a suggested mapping set is named (mapping_set_id), unless one is given.
SET_BASE = "https://w3id.org/semantic-glossary/mappings/"
_KIND_RANK = {"prefLabel=prefLabel": 3, "prefLabel=altLabel": 2, "altLabel=altLabel": 1}


@dataclass(frozen=True)
class Suggestion:
    subject: str
    subject_label: str | None
    predicate: str  # exactMatch, closeMatch, broadMatch or narrowMatch
    object: str
    object_label: str | None
    confidence: float
    justification: str  # a semapv IRI
    cos: float
    ctx: float
    label_match: str | None  # e.g. "prefLabel=altLabel@en", or None

    @property
    def predicate_iri(self) -> str:
        return SKOS + self.predicate

    def comment(self) -> str:
        parts = [f"cos {self.cos:.3f}", f"ctx {self.ctx:.3f}"]
        if self.label_match:
            parts.append(f"label {self.label_match}")
        return "; ".join(parts)


@dataclass
class Candidates:
    """Every candidate pair of a source and a target vocabulary, with its features
    (local concept numbers in each vocabulary; arrays aligned)."""

    source: str
    target: str
    s_base: int
    t_base: int
    s: np.ndarray
    t: np.ndarray
    cos: np.ndarray
    ctx: np.ndarray
    label_kind: list[str | None]  # "prefLabel=altLabel@en" style, or None
    label_share: np.ndarray  # target concepts the matched label names (1 = unambiguous)
    nested: np.ndarray  # +1 target broader (label words nest), -1 narrower, 0 neither
    seconds: float


def check_vocabularies(index: SearchIndex, source: str, target: str) -> None:
    """Both vocabularies indexed with vectors of the same model, and not the same one."""
    for name, vocab in (("from", source), ("to", target)):
        if not vocab:
            raise InputError(
                f"{name} is missing",
                where=name,
                hint=f"give a vocabulary id ({', '.join(index.vocabs)})",
            )
        if vocab not in index.vocabs:
            known = ", ".join(index.vocabs) or "none loaded"
            raise InputError(
                f"unknown vocabulary {vocab!r} (known: {known})",
                where=name,
                hint="GET /api/vocabularies or the store lists the ids",
            )
        if index.vocab_vectors(vocab) is None:
            raise InputError(
                f"the vocabulary {vocab!r} has no vector index",
                where=name,
                hint=f"load it again: glossary load FILE --vocab {vocab} --replace",
            )
    if source == target:
        raise InputError(
            "from and to are the same vocabulary",
            where="to",
            hint="suggest mappings between two different vocabularies",
        )
    if index.models[source] != index.models[target]:
        raise InputError(
            f"{source!r} and {target!r} were indexed with different embedding models "
            f"({index.models[source]}, {index.models[target]}): their vectors do not compare",
            where="to",
            hint="load both again with the same GLOSSARY_EMBEDDING_MODEL (--replace)",
        )


def candidates(
    index: SearchIndex, source: str, target: str, *, per_concept: int = DEFAULT_CANDIDATES
) -> Candidates:
    """The candidate pairs and their features (steps 1 and 2 of the module doc)."""
    check_vocabularies(index, source, target)
    start = time.perf_counter()
    ps, pt = index.vocab_vectors(source), index.vocab_vectors(target)
    assert ps is not None and pt is not None
    n_s, n_t = len(ps.row_start), len(pt.row_start)
    svec = np.ascontiguousarray(ps.vectors, dtype=np.float32)
    tvec = np.ascontiguousarray(pt.vectors, dtype=np.float32)
    s_row = ps.row_concept - ps.base  # local concept of each source row
    t_row = pt.row_concept - pt.base

    pairs: set[tuple[int, int]] = set()
    if n_s and n_t and len(svec) and len(tvec):
        rows_per = max(1.0, len(tvec) / max(1, n_t))
        scores, rows = pt.index.search(svec, int(per_concept * rows_per) + 8)
        ok = rows >= 0
        s_hit = np.broadcast_to(s_row[:, None], rows.shape)[ok]
        t_hit = t_row[rows[ok]]
        sc = scores[ok]
        key = s_hit.astype(np.int64) * n_t + t_hit
        order = np.lexsort((-sc, key))  # by pair, best score first
        key, sc = key[order], sc[order]
        first = np.ones(len(key), bool)
        first[1:] = key[1:] != key[:-1]
        key, sc = key[first], sc[first]  # one (best) score per pair
        ks, kt = key // n_t, key % n_t
        order = np.lexsort((-sc, ks))  # per source concept, best first
        ks, kt = ks[order], kt[order]
        rank = np.arange(len(ks)) - np.searchsorted(ks, ks, side="left")
        keep = rank < per_concept
        pairs.update(zip(ks[keep].tolist(), kt[keep].tolist(), strict=True))

    lex = _label_matches(index, ps.base, n_s, pt.base, n_t)
    pairs.update(lex)
    ordered = sorted(pairs)
    s_arr = np.asarray([p[0] for p in ordered], np.int64)
    t_arr = np.asarray([p[1] for p in ordered], np.int64)
    cos = np.empty(len(ordered), np.float32)
    ctx = np.empty(len(ordered), np.float32)
    for i, (s, t) in enumerate(ordered):
        cs = int(ps.context_row[s]) if ps.context_row is not None else -1
        ct = int(pt.context_row[t]) if pt.context_row is not None else -1
        a = _own_rows(svec, ps.row_start[s], ps.row_end[s], cs)
        b = _own_rows(tvec, pt.row_start[t], pt.row_end[t], ct)
        cos[i] = float((a @ b.T).max()) if len(a) and len(b) else 0.0
        ctx[i] = float(svec[cs] @ tvec[ct]) if cs >= 0 and ct >= 0 else cos[i]
    label_kind = [lex.get(p, (None, 1))[0] for p in ordered]
    share = np.asarray([lex.get(p, (None, 1))[1] for p in ordered], np.int32)
    nested = np.asarray([_nesting(index, ps.base + s, pt.base + t) for s, t in ordered], np.int8)
    return Candidates(
        source=source,
        target=target,
        s_base=ps.base,
        t_base=pt.base,
        s=s_arr,
        t=t_arr,
        cos=np.clip(cos, 0, 1),
        ctx=np.clip(ctx, 0, 1),
        label_kind=label_kind,
        label_share=share,
        nested=nested,
        seconds=time.perf_counter() - start,
    )


def _own_rows(vectors: np.ndarray, lo: int, hi: int, context: int) -> np.ndarray:
    """A concept's rows without its context row "label (broader labels)", which would
    make every child look like its parent ("Pear (Fruit)" against "Fruit"); ``ctx``
    compares context rows on their own. A concept whose context row is its prefLabel
    (no broader concept) keeps it."""
    rows = np.arange(int(lo), int(hi))
    if lo < context < hi:
        rows = rows[rows != context]
    return vectors[rows]


def _lang(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def _label_matches(
    index: SearchIndex, s_base: int, n_s: int, t_base: int, n_t: int
) -> dict[tuple[int, int], tuple[str, int]]:
    """(source, target) local concepts sharing a label -> (best kind of match with its
    language, how many target concepts that label names)."""
    li = index.labels
    by_key: dict[str, list[tuple[int, int, str]]] = {}
    if n_t:
        lo, _ = index.label_range(t_base)
        _, hi = index.label_range(t_base + n_t - 1)
        for i in range(lo, hi):
            kind = int(li.label_kind[i])
            if kind != HIDDEN and li.label_folded[i]:
                by_key.setdefault(li.label_folded[i], []).append(
                    (int(li.label_concept[i]) - t_base, kind, _lang(li.label_lang[i]))
                )
    out: dict[tuple[int, int], tuple[str, int]] = {}
    if not n_s or not by_key:
        return out
    lo, _ = index.label_range(s_base)
    _, hi = index.label_range(s_base + n_s - 1)
    for i in range(lo, hi):
        kind = int(li.label_kind[i])
        folded = li.label_folded[i]
        if kind == HIDDEN or not folded:
            continue
        s = int(li.label_concept[i]) - s_base
        lang = _lang(li.label_lang[i])
        found = [
            e
            for k in (folded, *variants(folded))
            for e in by_key.get(k, ())
            if not lang or not e[2] or e[2] == lang
        ]
        share = len({e[0] for e in found})
        for t, t_kind, t_lang in found:
            kinds = sorted((kind, t_kind))
            name = {
                (PREF, PREF): "prefLabel=prefLabel",
                (PREF, ALT): "prefLabel=altLabel",
                (ALT, ALT): "altLabel=altLabel",
            }[(kinds[0], kinds[1])]
            tag = f"{name}@{lang or t_lang}" if (lang or t_lang) else name
            old = out.get((s, t))
            if (
                old is None
                or _KIND_RANK[name] > _KIND_RANK[old[0].split("@")[0]]
                or (_KIND_RANK[name] == _KIND_RANK[old[0].split("@")[0]] and share < old[1])
            ):
                out[(s, t)] = (tag, share)
    return out


def _pref_words(index: SearchIndex, concept: int) -> frozenset[str]:
    """The words of the concept's English (else first) prefLabel, folded."""
    li = index.labels
    lo, hi = index.label_range(concept)
    prefs = [i for i in range(lo, hi) if int(li.label_kind[i]) == PREF]
    english = [i for i in prefs if _lang(li.label_lang[i]) in ("en", "")]
    pick = (english or prefs)[:1]
    return frozenset(words(li.label_folded[pick[0]])) if pick else frozenset()


def _nesting(index: SearchIndex, s: int, t: int) -> int:
    """+1 when the target's prefLabel words are a proper subset of the source's (the
    target names something broader), -1 the other way round, 0 otherwise."""
    a, b = _pref_words(index, s), _pref_words(index, t)
    if not a or not b or a == b:
        return 0
    if b < a:
        return 1
    if a < b:
        return -1
    return 0


def confidences(c: Candidates, *, context_weight: float = CONTEXT_WEIGHT) -> np.ndarray:
    """Step 3: the confidence of each candidate pair."""
    conf = (1 - context_weight) * c.cos + context_weight * c.ctx
    floors = np.asarray([LABEL_FLOOR[k.split("@")[0]] if k else 0.0 for k in c.label_kind])
    # A label naming n target concepts tells them apart not at all: its floor shrinks.
    floors = floors / np.maximum(1, c.label_share) ** 0.5
    return np.clip(np.maximum(conf, floors), 0.0, 1.0).astype(np.float64)


def choose(
    index: SearchIndex,
    c: Candidates,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    exact_at: float = DEFAULT_EXACT_AT,
    context_weight: float = CONTEXT_WEIGHT,
) -> list[Suggestion]:
    """Steps 3 to 5: the suggestions, best first."""
    conf = confidences(c, context_weight=context_weight)
    best_s: dict[int, int] = {}  # source -> candidate of its best same-level match
    best_t: dict[int, int] = {}  # target -> candidate of its best same-level match
    broad: dict[int, int] = {}
    for i in range(len(c.s)):
        if conf[i] < threshold:
            continue
        s, t = int(c.s[i]), int(c.t[i])
        if c.nested[i]:
            if s not in broad or conf[i] > conf[broad[s]]:
                broad[s] = i
            continue
        if s not in best_s or conf[i] > conf[best_s[s]]:
            best_s[s] = i
        if t not in best_t or conf[i] > conf[best_t[t]]:
            best_t[t] = i
    out = []
    for i in best_s.values():
        t = int(c.t[i])
        exact = conf[i] >= exact_at and best_t.get(t) == i
        out.append(_suggestion(index, c, i, conf[i], "exactMatch" if exact else "closeMatch"))
    for s, i in broad.items():
        if s in best_s and conf[best_s[s]] >= conf[i] and c.t[best_s[s]] == c.t[i]:
            continue
        out.append(
            _suggestion(index, c, i, conf[i], "broadMatch" if c.nested[i] > 0 else "narrowMatch")
        )
    out.sort(key=lambda g: (-g.confidence, g.subject, g.object))
    return out


def _suggestion(
    index: SearchIndex, c: Candidates, i: int, conf: float, predicate: str
) -> Suggestion:
    s, t = c.s_base + int(c.s[i]), c.t_base + int(c.t[i])
    kind = c.label_kind[i]
    return Suggestion(
        subject=index.uris[s],
        subject_label=index.pref_label(s, "en"),
        predicate=predicate,
        object=index.uris[t],
        object_label=index.pref_label(t, "en"),
        confidence=round(conf, 4),
        justification=LEXICAL if kind is not None else SEMANTIC,
        cos=round(float(c.cos[i]), 4),
        ctx=round(float(c.ctx[i]), 4),
        label_match=kind,
    )


def suggest_mappings(
    index: SearchIndex,
    source: str,
    target: str,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    exact_at: float = DEFAULT_EXACT_AT,
    limit: int | None = None,
) -> list[Suggestion]:
    """Suggested mappings from ``source`` to ``target`` (vocabulary ids), best first."""
    if not 0.0 <= threshold <= 1.0:
        raise InputError(f"threshold must be between 0 and 1, not {threshold}", where="threshold")
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be between 1 and {MAX_LIMIT}, not {limit}", where="limit")
    found = choose(
        index,
        candidates(index, source, target),
        threshold=threshold,
        exact_at=max(exact_at, threshold),
    )
    return found[:limit] if limit is not None else found


def to_mapping_set(
    found: list[Suggestion],
    source: str,
    target: str,
    *,
    model: str,
    threshold: float,
    source_uri: str | None = None,
    target_uri: str | None = None,
    mapping_set_id: str | None = None,
) -> MappingSet:
    """The suggestions as an SSSOM mapping set, with the metadata that says how they
    were made (tool, model, threshold, date, both vocabularies)."""
    from glossary import __version__

    rows = [
        MappingRow(
            subject_id=g.subject,
            subject_label=g.subject_label,
            predicate_id=g.predicate_iri,
            object_id=g.object,
            object_label=g.object_label,
            mapping_justification=g.justification,
            confidence=g.confidence,
            comment=g.comment(),
        )
        for g in found
    ]
    meta = {
        "mapping_set_title": f"Suggested mappings from {source} to {target}",
        "mapping_tool": "semantic-glossary suggest-mappings",
        "mapping_tool_version": __version__,
        "mapping_date": time.strftime("%Y-%m-%d", time.gmtime()),
        "comment": f"Candidates for review, not reviewed mappings. Embedding model {model}; "
        f"threshold {threshold}; confidence is a similarity score "
        "(docs/mappings.md), not a probability.",
    }
    if source_uri:
        meta["subject_source"] = source_uri
    if target_uri:
        meta["object_source"] = target_uri
    return MappingSet(
        rows=rows,
        mapping_set_id=mapping_set_id or f"{SET_BASE}{source}-{target}",
        metadata=meta,
        prefixes={source: _common_ns(found, "subject"), target: _common_ns(found, "object")},
    )


def _common_ns(found: list[Suggestion], side: str) -> str:
    """The most frequent namespace of one side's IRIs (named after its vocabulary)."""
    from collections import Counter

    counts = Counter(namespace(getattr(g, side)) for g in found)
    return counts.most_common(1)[0][0] if counts else ""
