"""The label index: prefix search over every word start of every label, by bisection.

Built at load time, per vocabulary: each label is folded (:func:`fold`) and one entry
is made for each position where a word starts in it ("deja vu" and "vu" for
"Déjà vu"), sorted by that folded suffix. Persisted as ``label_keys.txt`` (the
sorted suffixes, one a line) and ``label_entries.npy`` (label number, offset), beside
``concepts.json`` (the labels themselves). At open the vocabularies are merged into
one sorted array, so a search across vocabularies is one bisection, not N queries.

A query is folded the same way; every entry whose suffix starts with it matches.
Ranking (deterministic): exact over prefix over word-prefix, then preferred over
alternative over hidden label, then shorter label, then alphabetical (then URI).
One hit per concept: its best-ranked matching label. A query of several words also
finds, after all those, the labels in which each of its words starts a word, in any
order ("educ polic" and "policy educ" find "Educational policy"): autocomplete where
people type the start of each word. A query's British or American other spellings
(spelling.py) are searched beside it, in the same tiers: "labor market" finds
"Labour market" as an exact match.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glossary.search.records import ALT, HIDDEN, PREF, ConceptRecord
from glossary.search.spelling import variants
from glossary.search.text import fold, lang_matches, word_starts, words

KEYS_FILE = "label_keys.txt"
FOLDED_FILE = "label_folded.txt"  # each label folded, one a line, in label order
ENTRIES_FILE = "label_entries.npy"

EXACT, PREFIX, WORD_PREFIX, ALL_WORDS = 0, 1, 2, 3
#: Score bands per match tier: (top, bottom). An exact match of a prefLabel is 1.0.
_BANDS = ((1.0, 0.9), (0.85, 0.5), (0.45, 0.1), (0.09, 0.01))
#: The most label words the rarest word of a several-word query may start for the
#: every-word tier to be tried (a bound on its cost: a set lookup per candidate label).
MAX_ALL_WORDS_CANDIDATES = 20_000


def label_score(tier: int, kind: int, query_len: int, label_len: int) -> float:
    """A score in [0.1, 1] that orders like the ranking: tier, then kind, then shorter label.

    >>> label_score(EXACT, PREF, 7, 7)
    1.0
    >>> label_score(PREFIX, ALT, 4, 8) > label_score(PREFIX, HIDDEN, 4, 4)
    True
    """
    top, bottom = _BANDS[tier]
    width = (top - bottom) / 3
    coverage = min(1.0, query_len / max(label_len, 1))
    return round(top - width * kind - width * (1.0 - coverage) * 0.999, 6)


def write_label_files(records: Sequence[ConceptRecord], out_dir: Path) -> None:
    """Write the sorted word-suffix keys of the (non-deprecated) records' labels."""
    entries: list[tuple[str, int, int]] = []
    folded: list[str] = []
    label_no = 0
    for rec in records:
        for text, _lang, _kind in rec.labels:
            key = fold(text)
            folded.append(key)
            if key:
                for start in word_starts(key):
                    entries.append((key[start:], label_no, start))
            label_no += 1
    entries.sort()
    (out_dir / FOLDED_FILE).write_text("\n".join(folded), encoding="utf-8")
    (out_dir / KEYS_FILE).write_text("\n".join(e[0] for e in entries), encoding="utf-8")
    arr = np.array([(e[1], e[2]) for e in entries], dtype=np.int32).reshape(-1, 2)
    np.save(out_dir / ENTRIES_FILE, arr, allow_pickle=False)


@dataclass(frozen=True)
class LabelHit:
    concept: int  # global concept number
    label: int  # global label number
    tier: int
    score: float


class LabelIndex:
    """The merged, in-memory label index over several vocabularies.

    ``label_*`` arrays are indexed by global label number, ``keys``/``entry_*`` by
    sorted entry position.
    """

    def __init__(
        self,
        label_text: list[str],
        label_lang: list[str],
        label_kind: np.ndarray,
        label_concept: np.ndarray,
        concept_vocab: np.ndarray,
        keys: list[str],
        entry_label: np.ndarray,
        entry_offset: np.ndarray,
        label_folded: list[str] | None = None,
    ) -> None:
        self.label_text = label_text
        self.label_lang = label_lang
        self.label_kind = label_kind
        self.label_concept = label_concept
        self.concept_vocab = concept_vocab
        self.keys = keys
        self.entry_label = entry_label
        self.entry_offset = entry_offset
        folded = label_folded if label_folded is not None else [fold(t) for t in label_text]
        self.label_folded = folded
        self._wordsets: dict[int, frozenset[str]] = {}
        self.label_len = np.array([len(f) for f in folded], dtype=np.int32)
        self.label_words = np.array([max(1, len(words(f))) for f in folded], dtype=np.int32)
        # Static order of labels within a tier: kind, then length, then alphabetical.
        order = sorted(range(len(folded)), key=lambda i: (int(label_kind[i]), len(folded[i]),
                                                          folded[i], label_text[i], i))  # fmt: skip
        self.label_rank = np.empty(len(folded), dtype=np.int64)
        self.label_rank[order] = np.arange(len(folded), dtype=np.int64)
        langs = sorted(set(label_lang))
        self._lang_ids = {lang: i for i, lang in enumerate(langs)}
        self._langs = langs
        self.label_lang_id = np.array([self._lang_ids[x] for x in label_lang], dtype=np.int32)

    @classmethod
    def merge(cls, parts: Sequence[dict[str, Any]]) -> LabelIndex:
        """Merge per-vocabulary parts: dicts with ``labels`` [(text, lang, kind, concept)],
        ``concept_vocab`` (vocab number per concept, globally numbered), ``keys``,
        ``entries`` (n x 2 array: vocab-local label number, offset)."""
        label_text: list[str] = []
        label_lang: list[str] = []
        kinds: list[int] = []
        concepts: list[int] = []
        all_keys: list[str] = []
        ent_label: list[np.ndarray] = []
        ent_off: list[np.ndarray] = []
        concept_vocab: list[int] = []
        folded: list[str] | None = []
        for part in parts:
            base = len(label_text)
            if folded is not None and part.get("folded") is not None:
                folded.extend(part["folded"])
            else:
                folded = None
            for text, lang, kind, concept in part["labels"]:
                label_text.append(text)
                label_lang.append(lang)
                kinds.append(kind)
                concepts.append(concept)
            concept_vocab.extend(part["concept_vocab"])
            all_keys.extend(part["keys"])
            entries = np.asarray(part["entries"], dtype=np.int32).reshape(-1, 2)
            ent_label.append(entries[:, 0] + base)
            ent_off.append(entries[:, 1])
        entry_label = np.concatenate(ent_label) if ent_label else np.zeros(0, np.int32)
        entry_offset = np.concatenate(ent_off) if ent_off else np.zeros(0, np.int32)
        if len(parts) > 1:
            # Each part is already sorted: timsort merges the runs in near-linear time.
            order = sorted(range(len(all_keys)), key=all_keys.__getitem__)
            all_keys = [all_keys[i] for i in order]
            idx = np.asarray(order, dtype=np.int64)
            entry_label, entry_offset = entry_label[idx], entry_offset[idx]
        return cls(
            label_text,
            label_lang,
            np.asarray(kinds, dtype=np.int8),
            np.asarray(concepts, dtype=np.int32),
            np.asarray(concept_vocab, dtype=np.int32),
            all_keys,
            entry_label.astype(np.int32),
            entry_offset.astype(np.int32),
            folded if folded is not None and len(folded) == len(label_text) else None,
        )

    def wordset(self, label: int) -> frozenset[str]:
        """The words of a label (folded), cached."""
        ws = self._wordsets.get(label)
        if ws is None:
            ws = self._wordsets[label] = frozenset(words(self.label_folded[label]))
        return ws

    # -- queries -----------------------------------------------------------------------

    def _range(self, key: str) -> tuple[int, int]:
        lo = bisect.bisect_left(self.keys, key)
        hi = bisect.bisect_left(self.keys, key + "\U0010ffff", lo)
        return lo, hi

    def lang_mask(self, lang: str | None) -> np.ndarray | None:
        """Per language id: does it match ``lang`` (None = all)."""
        if not lang:
            return None
        return np.array([lang_matches(tag, lang) for tag in self._langs], dtype=bool)

    def search(
        self, q: str, *, lang: str | None = None, vocab: int | None = None, limit: int = 10,
        offset: int = 0,
    ) -> list[LabelHit]:  # fmt: skip
        """Prefix search; one hit per concept, ranked (see the module doc)."""
        key = fold(q)
        if not key:
            return []
        mask = self.lang_mask(lang)
        # (label, tier, length of the spelling that matched), best first
        ranked = self._prefix_matches(key, mask, vocab)
        others = variants(key)
        if others:
            ranked = self._merged(
                [ranked, *(self._prefix_matches(k, mask, vocab, whole=True) for k in others)]
            )
        qwords = words(key)
        if len(qwords) > 1 and offset + limit > len(ranked):
            seen = {int(self.label_concept[label]) for label, _, _ in ranked}
            ranked += [(label, ALL_WORDS, len(key))
                       for label in self._all_words(qwords, mask, vocab, seen)]  # fmt: skip
        hits: list[LabelHit] = []
        for label, t, qlen in ranked[offset : offset + limit]:
            kind = int(self.label_kind[label])
            score = label_score(t, kind, qlen, int(self.label_len[label]))
            hits.append(LabelHit(int(self.label_concept[label]), label, t, score))
        return hits

    def _merged(self, lists: list[list[tuple[int, int, int]]]) -> list[tuple[int, int, int]]:
        """Match lists, the query's first then its other spellings', as one: each
        concept's best match, ranked by tier, then the query's own spelling first, then
        label."""
        best: dict[int, tuple[int, int, int, tuple[int, int, int]]] = {}
        for alt, found in enumerate(lists):
            for match in found:
                label, t = match[0], match[1]
                concept = int(self.label_concept[label])
                rank = (t, min(alt, 1), int(self.label_rank[label]))
                if concept not in best or rank < best[concept][:3]:
                    best[concept] = (*rank, match)
        return [entry[3] for entry in sorted(best.values(), key=lambda e: e[:3])]

    def _keep(self, labels: np.ndarray, mask: np.ndarray | None, vocab: int | None) -> np.ndarray:
        keep = np.ones(len(labels), dtype=bool)
        if vocab is not None:
            keep &= self.concept_vocab[self.label_concept[labels]] == vocab
        if mask is not None:
            keep &= mask[self.label_lang_id[labels]]
        return keep

    def _prefix_matches(
        self, key: str, mask: np.ndarray | None, vocab: int | None, *, whole: bool = False
    ) -> list[tuple[int, int, int]]:
        """Labels where ``key`` starts a word: the best per concept, ranked, as
        (label, tier, ``len(key)``). ``whole``: where it also ends one (another
        spelling of a typed word: "labor" must not find "Laboratory")."""
        lo, hi = self._range(key)
        if lo >= hi:
            return []
        labels = self.entry_label[lo:hi]
        offsets = self.entry_offset[lo:hi]
        keep = self._keep(labels, mask, vocab)
        if whole:
            n = len(key)
            keep &= np.array([self.keys[i][n : n + 1] in ("", " ") for i in range(lo, hi)], bool)
        labels, offsets = labels[keep], offsets[keep]
        if len(labels) == 0:
            return []
        lengths = self.label_len[labels]
        tier = np.where(offsets > 0, WORD_PREFIX, np.where(lengths == len(key), EXACT, PREFIX))
        order_key = tier.astype(np.int64) * (len(self.label_rank) + 1) + self.label_rank[labels]
        order = np.argsort(order_key, kind="stable")
        concepts = self.label_concept[labels[order]]
        _, first = np.unique(concepts, return_index=True)  # best entry per concept
        first.sort()
        return [(int(labels[order[p]]), int(tier[order[p]]), len(key)) for p in first]

    def _all_words(
        self, qwords: list[str], mask: np.ndarray | None, vocab: int | None, seen: set[int]
    ) -> list[int]:
        """Labels in which every query word starts a word ("educ polic" finds
        "Educational policy", "policy educ" too), the best per concept not in ``seen``,
        ranked like the other tiers. Candidates come from the rarest query word; a
        query whose every word starts more than :data:`MAX_ALL_WORDS_CANDIDATES` label
        words is not matched this way."""
        ranges = [self._range(w) for w in qwords]
        lo, hi = min(ranges, key=lambda r: r[1] - r[0])
        if lo >= hi or hi - lo > MAX_ALL_WORDS_CANDIDATES:
            return []
        labels = np.unique(self.entry_label[lo:hi])
        labels = labels[self._keep(labels, mask, vocab)]
        found: list[int] = []
        for label in labels.tolist():
            ws = self.wordset(label)
            if all(any(w.startswith(qw) for w in ws) for qw in qwords):
                found.append(label)
        found.sort(key=lambda label: int(self.label_rank[label]))
        out: list[int] = []
        for label in found:
            concept = int(self.label_concept[label])
            if concept not in seen:
                seen.add(concept)
                out.append(label)
        return out

    def exact(self, q: str, *, vocab: int | None = None) -> list[int]:
        """Concepts with a label (any kind, any language) whose folded form is ``fold(q)``
        or one of its other spellings (spelling.py)."""
        key = fold(q)
        if not key:
            return []
        out: list[int] = []
        for k in [key, *variants(key)]:
            lo = bisect.bisect_left(self.keys, k)
            hi = bisect.bisect_right(self.keys, k, lo)
            for i in range(lo, hi):
                if self.entry_offset[i] == 0:
                    concept = int(self.label_concept[self.entry_label[i]])
                    if vocab is None or int(self.concept_vocab[concept]) == vocab:
                        out.append(concept)
        return sorted(set(out))

    def word_overlap(
        self, q: str, *, vocab: int | None = None, max_df: int = 5000
    ) -> dict[int, float]:
        """Token-overlap label scores in [0, 1] for concepts sharing words with ``q``.

        A query word matches a label word that starts with it, or that it starts with
        (at most two more letters: "economic" ~ "economics"). Each query word weighs
        its inverse document frequency, so "of" counts little; a label's score is the
        weighted share of the query it covers, times the share of its words covered
        (square-rooted). The best label of each concept counts.
        """
        qwords = words(fold(q))
        if not qwords:
            return {}
        n_labels = max(1, len(self.label_text))
        per_label: dict[int, dict[int, int]] = {}  # label -> {query word no: hits}
        weights: list[float] = []
        for w_no, word in enumerate(qwords):
            lo, hi = self._range(word)
            ranges = [(lo, hi)]
            for cut in (1, 2):
                stem = word[:-cut]
                if len(stem) >= 4:
                    slo = bisect.bisect_left(self.keys, stem)
                    shi = bisect.bisect_right(self.keys, stem, slo)
                    slo2, shi2 = self._range(stem + " ")
                    ranges += [(slo, shi), (slo2, shi2)]
            df = sum(h - lo_ for lo_, h in ranges)
            weights.append(math.log(1.0 + n_labels / (1.0 + df)))
            if df > max_df:
                continue  # too common to find candidates with; its weight is tiny anyway
            for lo_, hi_ in ranges:
                for label in self.entry_label[lo_:hi_].tolist():
                    per_label.setdefault(label, {})[w_no] = 1
        total = sum(weights) or 1.0
        scores: dict[int, float] = {}
        for label, matched in per_label.items():
            concept = int(self.label_concept[label])
            if vocab is not None and int(self.concept_vocab[concept]) != vocab:
                continue
            covered = sum(weights[w] for w in matched) / total
            share = min(1.0, len(matched) / int(self.label_words[label]))
            score = covered * math.sqrt(share)
            if score > scores.get(concept, 0.0):
                scores[concept] = score
        return scores


__all__ = ["ALL_WORDS", "ALT", "EXACT", "HIDDEN", "PREF", "PREFIX", "WORD_PREFIX", "LabelHit",
           "LabelIndex"]  # fmt: skip
