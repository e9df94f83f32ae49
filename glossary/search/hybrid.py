"""Hybrid ranking of related terms for free text: labels and meaning combined.

For a query ``q`` and a concept ``c``::

    score(q, c) = 1.0                                   if q equals a label of c (folded)
                = min(0.99, alpha * lab(q, c) + (1 - alpha) * max(0, cos(q, c)))  otherwise

``lab`` is the token-overlap label score in [0, 1] (:meth:`LabelIndex.word_overlap`:
IDF-weighted share of the query's words found at word starts of the concept's best
label, times the square root of the share of that label's words covered); ``cos``
the best cosine between the query's embedding and the concept's vectors. Both
parts lie in [0, 1], so the score does too and means the same across queries: an
exact label match is always 1.0 and ranks first, whatever its neighbours' cosines.
``alpha`` was tuned on STW (scripts/evaluate_search.py) and reported on UNESCO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from glossary.search.index import SearchIndex

DEFAULT_ALPHA = 0.3
#: How many of the best label-overlap candidates get their cosine computed exactly.
LABEL_CANDIDATES = 100


def combine(
    index: SearchIndex,
    qvec: np.ndarray,
    semantic: dict[int, float],
    overlap: dict[int, float],
    exact: list[int],
    n: int,
    *,
    alpha: float = DEFAULT_ALPHA,
) -> list[tuple[int, float]]:
    """The ``n`` best ``(concept, score)``, best first (ties broken by URI)."""
    scores: dict[int, float] = {}
    label_best = sorted(overlap.items(), key=lambda cs: -cs[1])[:LABEL_CANDIDATES]
    candidates = dict(semantic)
    for concept, _ in label_best:
        if concept not in candidates:
            candidates[concept] = index.cosine(qvec, concept)
    for concept, cos in candidates.items():
        lab = overlap.get(concept, 0.0)
        scores[concept] = min(0.99, alpha * lab + (1.0 - alpha) * max(0.0, cos))
    for concept in exact:
        scores[concept] = 1.0
    ranked = sorted(scores.items(), key=lambda cs: (-cs[1], index.uris[cs[0]]))
    return ranked[:n]
