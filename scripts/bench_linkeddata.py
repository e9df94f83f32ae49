"""Benchmark: how fast concept URIs, pages and the JSON API answer on a real vocabulary.

Loads one vocabulary into a temporary store (the real load path; search vectors from
the light ``hash`` encoder, which linked data does not use), then times requests
through the Flask app (no network): concept pages as HTML, Turtle and JSON, the
vocabulary page (first and cached), an index page. As a peer in the same run it times
the naive way to build the same description: the label query with its property list
as ``VALUES`` first and breadcrumbs by one transitive property path, which is what
``ontology/queries/concept_labels.rq`` and ``concept_parents.rq`` replaced.

    .venv/bin/python scripts/bench_linkeddata.py [VOCAB_FILE] [--concepts 40]

Default vocabulary: ../shared/vocabularies/unesco-thesaurus.ttl.gz (4,482 concepts,
88k triples, 5 languages). Figures are medians; the machine is shared, so compare the
ratios, not the absolute times.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAIVE_LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
CONSTRUCT { ?x ?lp ?l } WHERE {
  VALUES ?lp { skos:prefLabel rdfs:label dct:title schema:name foaf:name schema:url
               foaf:homepage <http://www.w3.org/2002/07/owl#deprecated> }
  ?node ?p ?x . FILTER(isIRI(?x)) ?x ?lp ?l .
}"""
NAIVE_PATHS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?uri ?child ?parent ?label WHERE {
  ?uri (skos:broader|^skos:narrower)* ?child .
  ?child skos:broader|^skos:narrower ?parent .
  OPTIONAL { ?parent skos:prefLabel ?label }
}"""


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def main() -> int:
    default = ROOT.parent / "shared" / "vocabularies" / "unesco-thesaurus.ttl.gz"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vocab", nargs="?", type=Path, default=default)
    parser.add_argument("--concepts", type=int, default=40, help="concepts to sample")
    args = parser.parse_args()
    os.environ["GLOSSARY_EMBEDDING_MODEL"] = "hash"

    import pyoxigraph

    from glossary.concepts import broader_paths, describe
    from glossary.store import Store
    from service import create_app

    tmp = Path(tempfile.mkdtemp(prefix="bench-ld-"))
    vocab_id = "bench"
    t0 = time.perf_counter()
    with Store.open(tmp / "store", read_only=False) as store:
        store.load([args.vocab], vocab_id=vocab_id, allow_invalid=True)
    print(f"loaded {args.vocab.name} in {time.perf_counter() - t0:.1f} s")

    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp / "store"),
                      "DUMPS_DIR": str(tmp / "dumps")})  # fmt: skip
    client = app.test_client()
    with app.app_context():
        from service import get_store

        store = get_store()
        vocab = store.vocabulary(vocab_id)
        concepts = [
            r["c"].value
            for r in store.select(
                "SELECT DISTINCT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> }"
            )
        ]
    random.seed(7)
    sample = random.sample(concepts, min(args.concepts, len(concepts)))
    print(f"{vocab.concepts:,} concepts, {vocab.triples:,} triples, {len(sample)} sampled")

    def timed(path: str, accept: str) -> float:
        t = time.perf_counter()
        resp = client.get(path, headers={"Accept": accept})
        resp.get_data()
        resp.close()
        assert resp.status_code == 200, (path, resp.status_code)
        return time.perf_counter() - t

    results: dict[str, list[float]] = {}
    for uri in sample:
        res = "/resource?uri=" + quote(uri, safe="")
        results.setdefault("concept page (HTML)", []).append(timed(res, "text/html"))
        results.setdefault("concept as Turtle", []).append(timed(res, "text/turtle"))
        results.setdefault("concept as JSON-LD", []).append(timed(res, "application/ld+json"))
        results.setdefault("/api/concepts", []).append(
            timed("/api/concepts?uri=" + quote(uri, safe=""), "application/json")
        )
    first = timed(f"/vocab/{vocab_id}/", "text/html")
    cached = [timed(f"/vocab/{vocab_id}/", "text/html") for _ in range(5)]
    index = [timed(f"/vocab/{vocab_id}/index", "text/html") for _ in range(5)]
    for name, samples in results.items():
        print(f"{name:28s} {_ms(samples)}  (median of {len(samples)})")
    print(f"{'vocabulary page, first':28s} {first * 1000:8.1f} ms  (whole-vocabulary lists built)")
    print(f"{'vocabulary page, cached':28s} {_ms(cached)}")
    print(f"{'index page, cached':28s} {_ms(index)}")

    # The description itself, this code against the naive queries (the peer).
    with app.app_context():
        store = get_store()
        ours, naive = [], []
        for uri in sample[:20]:
            t = time.perf_counter()
            d = describe(store, uri)
            broader_paths(store, uri, "en")
            ours.append(time.perf_counter() - t)
            assert d is not None
            t = time.perf_counter()
            node = pyoxigraph.NamedNode(uri)
            store.construct(NAIVE_LABELS, node=node)
            store.select(NAIVE_PATHS, uri=node)
            naive.append(time.perf_counter() - t)
    ratio = statistics.median(naive) / statistics.median(ours)
    print(f"{'description + breadcrumbs':28s} {_ms(ours)}")
    print(f"{'peer: naive label+path query':28s} {_ms(naive)}  (only 2 of its queries)")
    print(f"ratio naive / ours: {ratio:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
