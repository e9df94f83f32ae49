"""The held-out altLabel protocol for related terms (issue 5): a vocabulary is indexed
without its altLabels, and each held-out English altLabel is a query whose answer is
its concept. Used by ``scripts/evaluate_search.py`` (which prints every method's
figures), the training scripts (which keep the evaluated concepts out) and the slow
quality test (which keeps the goal).

>>> metrics([1, 2, None, 1])
(0.5, 0.75, 0.625)
>>> interval(0.5, 100)
'0.404-0.596'
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

from glossary.rdfio import read_quads
from glossary.search.text import lang_matches

SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Issue 5's goal for the production hybrid on UNESCO.
GOAL_HIT1, GOAL_HIT10 = 0.50, 0.85
#: The size of the issue's reference points (1,500 held-out altLabels): a seeded sample
#: of this many is also reported when every held-out altLabel is queried.
REFERENCE_SIZE = 1500


def held_out_altlabels(path: Path, name: str) -> tuple[Any, str, list[tuple[str, str]]]:
    """An in-memory pyoxigraph store with the vocabulary at ``path`` minus its
    altLabels (in the graph of vocabulary ``name``), the graph's IRI, and the held-out
    English altLabels of live concepts as sorted (label, concept URI) pairs."""
    import pyoxigraph as ox

    graph = f"urn:x-glossary:vocab:{name}"
    g = ox.NamedNode(graph)
    store = ox.Store()
    held: list[tuple[str, str]] = []
    deprecated: set[str] = set()
    quads = []
    for q in read_quads(path):
        if isinstance(q.subject, ox.Triple):  # RDF-star: no concept
            continue
        p = q.predicate.value
        if p == SKOS + "altLabel":
            if isinstance(q.object, ox.Literal) and lang_matches(q.object.language or "", "en"):
                held.append((" ".join(q.object.value.split()), q.subject.value))
            continue
        if p == "http://www.w3.org/2002/07/owl#deprecated":
            deprecated.add(q.subject.value)
        quads.append(ox.Quad(q.subject, q.predicate, q.object, g))
    store.bulk_extend(quads)
    held = sorted({(t, u) for t, u in held if u not in deprecated and t})
    return store, graph, held


def evaluation_sample(
    held: list[tuple[str, str]], n: int = REFERENCE_SIZE
) -> list[tuple[str, str]]:
    """``n`` of the held-out (label, concept) pairs, seeded: the queries of
    ``--max-queries n`` and the reference sample (scripts/train_embedding_tuning.py
    --stw-split keeps the sample's concepts out of training)."""
    return random.Random(42).sample(held, n) if len(held) > n else held


def ranks_of(results: list[list[str]], gold: list[str]) -> list[int | None]:
    """Each answer's 1-based rank in its query's results, None where it is missing."""
    out: list[int | None] = []
    for res, g in zip(results, gold, strict=True):
        out.append(res.index(g) + 1 if g in res else None)
    return out


def metrics(ranks: list[int | None]) -> tuple[float, float, float]:
    """hit@1, hit@10 and MRR (cut at 10) of the ranks."""
    n = len(ranks) or 1
    hit1 = sum(1 for r in ranks if r == 1) / n
    hit10 = sum(1 for r in ranks if r is not None and r <= 10) / n
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= 10) / n
    return hit1, hit10, mrr


def interval(p: float, n: int, z: float = 1.96) -> str:
    """The Wilson score interval of a proportion ``p`` of ``n`` queries (95 %): how far
    another draw of as many queries could move it."""
    if n == 0:
        return "-"
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return f"{max(0.0, centre - half):.3f}-{min(1.0, centre + half):.3f}"


def goal(vocab: str, h1: float, h10: float) -> str:
    """The goal's verdict, for UNESCO (the test vocabulary) only."""
    if vocab != "unesco":
        return ""
    met = "met" if h1 >= GOAL_HIT1 and h10 >= GOAL_HIT10 else "NOT met"
    return f"; goal hit@1 >= {GOAL_HIT1:.2f}, hit@10 >= {GOAL_HIT10:.2f}: {met}"
