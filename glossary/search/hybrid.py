"""Hybrid ranking of related terms for free text: labels and meaning combined.

For a query ``q`` and a concept ``c``::

    score(q, c) = 1.0                              if q equals a label of c (folded)
                = clip(alpha * lab(q, c) + (1 - alpha) * sem(q, c) - rho * sub(q, c))
                                                   otherwise, clipped to [0, 0.99]
    sem(q, c)   = (1 - gamma) * cos(q, c) + gamma * ctx(q, c)

* ``cos`` is the best cosine between the query's embedding and the concept's vectors
  (max-pooling over its texts, see compose.py);
* ``ctx`` is the cosine with one of them, the concept in its hierarchy: "prefLabel
  (broader prefLabels)", or its prefLabel when it has no broader concept
  (compose.context_texts; ``cos`` where an index has none). The best of several
  vectors alone favours a concept that one of its texts happens to match (a note, a
  label); the context term asks that the concept as a whole match too. ``gamma``
  0.3 was measured best on STW (docs/search.md);
* ``lab`` is the token-overlap label score in [0, 1] (:meth:`LabelIndex.word_overlap`);
* ``sub`` is 1 when the words of one of the concept's labels and the query's words
  nest without being equal: every word of the label is in the query and the query
  has more ("Fellowships" for "Research fellowships": the label names something
  broader than what was asked), or every word of the query is in the label and the
  label has more ("International sovereign debt" for "Sovereign debt": something
  narrower). A concept that matches the query by meaning without merely sharing its
  words should come first.

Both parts lie in [0, 1], so the score does too and means the same across queries:
an exact label match is always 1.0 and ranks first, whatever its neighbours'
cosines; every other score is below 1. ``alpha`` and ``rho`` were tuned on STW
(scripts/evaluate_search.py) and reported on UNESCO: the measured best ``alpha`` is
0 (token overlap adds no information the embedding lacks for paraphrases: it lowered
hit@1 at every weight tried), the best ``rho`` 0.06 (first for broader labels only;
narrower ones were added with the WordNet-tuned model, the same ``rho`` measured best).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from glossary.search.text import fold, words

if TYPE_CHECKING:
    from glossary.search.index import SearchIndex

DEFAULT_ALPHA = 0.0
DEFAULT_RHO = 0.06
DEFAULT_GAMMA = 0.3
#: How many of the best label-overlap candidates get their cosine computed exactly.
LABEL_CANDIDATES = 100


def nested(index: SearchIndex, concept: int, qwords: frozenset[str]) -> bool:
    """Does one of the concept's labels have a strict subset or a strict superset of
    the query's words?"""
    union, labels = index.label_wordsets(concept)
    if not union & qwords:  # no word in common: neither can hold the other
        return False
    return any(lw < qwords or (qwords and qwords < lw) for lw in labels)


def combine(
    index: SearchIndex,
    q: str,
    qvec: np.ndarray,
    semantic: dict[int, float],
    overlap: dict[int, float],
    exact: list[int],
    n: int,
    *,
    alpha: float = DEFAULT_ALPHA,
    rho: float = DEFAULT_RHO,
    gamma: float = DEFAULT_GAMMA,
) -> list[tuple[int, float]]:
    """The ``n`` best ``(concept, score)``, best first (ties broken by URI)."""
    scores: dict[int, float] = {}
    candidates = dict(semantic)
    if alpha > 0:
        label_best = sorted(overlap.items(), key=lambda cs: -cs[1])[:LABEL_CANDIDATES]
        for concept, _ in label_best:
            if concept not in candidates:
                candidates[concept] = index.cosine(qvec, concept)
    qwords = frozenset(words(fold(q)))
    context = index.context_cosines(qvec, list(candidates)) if gamma else {}
    for concept, cos in candidates.items():
        lab = overlap.get(concept, 0.0)
        if gamma:
            cos = (1.0 - gamma) * cos + gamma * context.get(concept, cos)
        score = alpha * lab + (1.0 - alpha) * cos
        if rho and nested(index, concept, qwords):
            score -= rho
        scores[concept] = min(0.99, max(0.0, score))
    for concept in exact:
        scores[concept] = 1.0
    ranked = sorted(scores.items(), key=lambda cs: (-cs[1], index.uris[cs[0]]))
    return ranked[:n]
