"""Benchmark search on real vocabularies; prints figures, with peers measured in the same run.

For each vocabulary (STW 9.16, then the 36,000-concept YSO label set, to show how
cost grows), in-process:

* indexing: first build (texts/s) against the model's raw batch-encoding throughput
  on the same texts (``SentenceTransformer.encode``, batch 64): ratio, goal >= 0.9;
  rebuild of the unchanged vocabulary (seconds; goal < 3 s; texts encoded: 0);
* label search p50/p95 (prefixes of real labels, 1 to 8 characters; goal p50 < 5 ms),
  and for the start of each word of several-word labels ("educ polic");
* related by text p50 against the model's own single-sentence encoding p50, measured
  on the same queries in the same run (ratio; goal <= 1.3), also apart for the
  queries WordNet expands (they encode a second text) and the others;
* related by URI p50 (goal < 3 ms);
* memory: index files on disk, and the process's resident memory growth when the
  index is opened and used, per 10,000 concepts;
* HNSW recall@10 against exact search for several efSearch values (vocabularies
  above the HNSW threshold, and STW with HNSW forced for comparison).

The machine may be shared: absolute times are noisy, ratios less so.

    .venv/bin/python scripts/bench_search.py [--vocabs stw,yso] [--queries 300]
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary.rdfio import read_quads  # noqa: E402
from glossary.search import SearchIndex, build_indexes  # noqa: E402
from glossary.search.compose import DEFAULT_SCHEME, concept_texts  # noqa: E402
from glossary.search.embeddings import get_encoder  # noqa: E402
from glossary.search.expansion import expander_for  # noqa: E402
from glossary.search.records import extract_records  # noqa: E402
from glossary.search.vectors import VECTORS_FILE, VectorIndex  # noqa: E402

VOCABS = Path(os.environ.get("GLOSSARY_VOCABULARIES", ROOT.parent / "shared" / "vocabularies"))
FILES = {"stw": "stw-9.16.ttl.gz", "yso": "yso-cicero-labels.ttl.gz",
         "unesco": "unesco-thesaurus.ttl.gz"}  # fmt: skip


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def p95(xs: list[float]) -> float:
    return sorted(xs)[int(0.95 * (len(xs) - 1))]


def timed(fn: Any, items: list[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def load(name: str) -> tuple[Any, str]:
    import pyoxigraph as ox

    graph = f"urn:x-glossary:vocab:{name}"
    g = ox.NamedNode(graph)
    store = ox.Store()
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, g)
                      for q in read_quads(VOCABS / FILES[name]))  # fmt: skip
    return store, graph


def recall_at_10(vectors: np.ndarray, queries: np.ndarray, efs: list[int]) -> list[str]:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    _, truth = flat.search(queries, 10)
    t0 = time.perf_counter()
    hnsw = VectorIndex.build(vectors, threshold=1).index
    build_s = time.perf_counter() - t0
    rows = [f"HNSW build {build_s:.1f}s for {len(vectors):,} vectors"]
    for ef in efs:
        hnsw.hnsw.efSearch = ef
        t0 = time.perf_counter()
        _, got = hnsw.search(queries, 10)
        ms = (time.perf_counter() - t0) * 1000 / len(queries)
        rec = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth, strict=True)])
        rows.append(f"efSearch {ef:4d}: recall@10 {rec:.4f}, {ms:.3f} ms/query")
    t0 = time.perf_counter()
    flat.search(queries, 10)
    rows.append(f"exact (IndexFlatIP): {(time.perf_counter() - t0) * 1000 / len(queries):.3f} "
                "ms/query")  # fmt: skip
    return rows


def bench(name: str, n_queries: int, raw_sample: int) -> None:
    print(f"\n== {name} ({FILES[name]})", flush=True)
    encoder = get_encoder()
    model = encoder._load() if hasattr(encoder, "_load") else None  # the raw peer
    store, graph = load(name)
    records = [r for r in extract_records(store, graph) if not r.deprecated and r.labels]
    wordnet = expander_for(encoder.model_id)  # what build_indexes uses
    texts = [t for _, t in concept_texts(records, DEFAULT_SCHEME, wordnet=wordnet)]
    n_concepts = len(records)
    print(f"concepts {n_concepts:,}, labels {sum(len(r.labels) for r in records):,}, "
          f"embedded texts {len(texts):,} (scheme {DEFAULT_SCHEME})", flush=True)  # fmt: skip
    rng = random.Random(1)

    # Raw throughput of the model on a sample of the same texts: the peer, measured
    # before and after the build (the machine's load changes; their mean is the peer).
    sample = texts if len(texts) <= raw_sample else rng.sample(texts, raw_sample)

    def raw() -> tuple[float, float]:
        """(texts per wall second, texts per CPU second of this process)."""
        if model is None:
            return float("nan"), float("nan")
        t0, c0 = time.perf_counter(), time.process_time()
        model.encode(sample, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                     show_progress_bar=False)  # fmt: skip
        return len(sample) / (time.perf_counter() - t0), len(sample) / (time.process_time() - c0)

    if model is not None:
        model.encode(sample[:64], batch_size=64, show_progress_bar=False)  # warm-up
    raw_before = raw()

    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp)
        c0 = time.process_time()
        stats = build_indexes(store, graph, name, index_dir, progress=False)
        build_cpu = time.process_time() - c0
        raw_after = raw()
        raw_tps = (raw_before[0] + raw_after[0]) / 2
        raw_cps = (raw_before[1] + raw_after[1]) / 2
        build_tps = stats.texts / stats.seconds
        enc_tps = stats.texts / stats.encode_seconds
        print(f"first build: {stats.seconds:.1f}s ({stats.index} index), {build_tps:.0f} texts/s "
              f"overall, {enc_tps:.0f} texts/s encoding; raw model.encode on {len(sample):,} "
              f"of the texts {raw_before[0]:.0f} before, {raw_after[0]:.0f} after -> ratio "
              f"{build_tps / raw_tps:.2f} overall, {enc_tps / raw_tps:.2f} encoding "
              "(wall clock; goal >= 0.9)", flush=True)  # fmt: skip
        print(f"  per CPU second (less sensitive to other processes): build "
              f"{stats.texts / build_cpu:.0f} texts/s, raw {raw_before[1]:.0f} before, "
              f"{raw_after[1]:.0f} after -> ratio {stats.texts / build_cpu / raw_cps:.2f}",
              flush=True)  # fmt: skip
        again = build_indexes(store, graph, name, index_dir, progress=False)
        print(f"rebuild unchanged: {again.seconds:.2f}s, texts encoded {again.encoded} "
              f"(goal < 3 s, 0)", flush=True)  # fmt: skip

        gc.collect()
        before = rss_mb()
        t0 = time.perf_counter()
        index = SearchIndex.open(index_dir, encoder=encoder)
        open_s = time.perf_counter() - t0

        labels = [t for r in records for t, _lang, _kind in r.labels]
        prefixes = [lab[: rng.randint(1, 8)] for lab in rng.sample(labels, n_queries)]
        label_ms = timed(lambda q: index.search(q, limit=10), prefixes)
        print(f"label search: p50 {p50(label_ms):.3f} ms, p95 {p95(label_ms):.3f} ms over "
              f"{len(prefixes)} prefixes (goal p50 < 5 ms); open {open_s:.2f}s",
              flush=True)  # fmt: skip
        # The start of each word of several-word labels ("educ polic"), which the
        # every-word tier answers after the whole-query prefix tiers.
        several = [lab for lab in labels if len(lab.split()) > 1]
        starts = [" ".join(w[: rng.randint(2, 5)] for w in lab.split())
                  for lab in rng.sample(several, min(n_queries, len(several)))]  # fmt: skip
        starts_ms = timed(lambda q: index.search(q, limit=10), starts)
        found = sum(1 for q in starts if index.search(q, limit=10))
        print(f"label search, word starts of several-word labels: p50 {p50(starts_ms):.3f} ms, "
              f"p95 {p95(starts_ms):.3f} ms over {len(starts)} queries; {found} found "
              "something", flush=True)  # fmt: skip

        queries = [f"{lab} and related topics" if i % 2 else lab.lower()
                   for i, lab in enumerate(rng.sample(labels, n_queries // 3))]  # fmt: skip
        index.related(q="warm up", k=10)
        enc_ms, rel_ms = [], []
        for q in queries:  # interleaved, so that load changes hit both alike
            enc_ms += timed(lambda s: encoder.encode([s]), [q])
            rel_ms += timed(lambda s: index.related(q=s, k=10), [q])
        print(f"related by text: p50 {p50(rel_ms):.2f} ms; the model's single-sentence "
              f"encoding p50 {p50(enc_ms):.2f} ms -> ratio {p50(rel_ms) / p50(enc_ms):.2f} "
              "(goal <= 1.3)", flush=True)  # fmt: skip
        # WordNet query expansion encodes a second text for the queries it expands.
        wordnet = index.wordnet
        grew = [wordnet is not None and wordnet.expansion(q) is not None for q in queries]
        for kind, keep in (("expanded", True), ("not expanded", False)):
            r = [ms for ms, g in zip(rel_ms, grew, strict=True) if g == keep]
            e = [ms for ms, g in zip(enc_ms, grew, strict=True) if g == keep]
            if r:
                print(f"  {kind} by WordNet ({len(r)} of {len(queries)} queries): related p50 "
                      f"{p50(r):.2f} ms, single-sentence encoding p50 {p50(e):.2f} ms -> "
                      f"ratio {p50(r) / p50(e):.2f}", flush=True)  # fmt: skip
        if wordnet is not None:  # enough expanded queries for a figure of their own
            words = [lab.lower() for lab in random.Random(2).sample(labels, len(labels))
                     if " " not in lab and wordnet.expansion(lab)][: n_queries // 3]  # fmt: skip
            enc_ms, rel_ms = [], []
            for q in words:
                enc_ms += timed(lambda s: encoder.encode([s]), [q])
                rel_ms += timed(lambda s: index.related(q=s, k=10), [q])
            print(f"related by text, {len(words)} one-word labels WordNet expands: p50 "
                  f"{p50(rel_ms):.2f} ms; single-sentence encoding p50 {p50(enc_ms):.2f} ms -> "
                  f"ratio {p50(rel_ms) / p50(enc_ms):.2f}", flush=True)  # fmt: skip
        uris = rng.sample(index.uris, n_queries)
        uri_ms = timed(lambda u: index.related(uri=u, k=10), uris)
        print(f"related by uri: p50 {p50(uri_ms):.3f} ms, p95 {p95(uri_ms):.3f} ms "
              "(goal p50 < 3 ms)", flush=True)  # fmt: skip
        after = rss_mb()
        disk = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file()) / 2**20
        gens = [p for p in (index_dir / "search").iterdir() if p.is_dir()]
        live_disk = disk / max(1, len(gens))
        per = 10_000 / n_concepts
        print(f"memory: index files {live_disk:.1f} MiB on disk ({live_disk * per:.1f} MiB per "
              f"10,000 concepts); resident growth on open and use {after - before:.1f} MiB "
              f"({(after - before) * per:.1f} MiB per 10,000 concepts)", flush=True)  # fmt: skip

        vectors = np.load(next(p for p in gens if (p / VECTORS_FILE).exists()) / VECTORS_FILE)
        qv = encoder.encode(queries[:200])
        for row in recall_at_10(vectors, qv, [16, 32, 64, 96, 128, 256]):
            print(f"  {row}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocabs", default="stw,yso")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--raw-sample", type=int, default=8000,
                    help="texts the raw model throughput is measured on")  # fmt: skip
    args = ap.parse_args()
    print(f"model {get_encoder().model_id}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs", flush=True)  # fmt: skip
    for name in args.vocabs.split(","):
        bench(name, args.queries, args.raw_sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
