"""Reconciliation: speed (against plain label search, in the same run) and quality.

Runs in process against the Flask app (no network). From a vocabulary of the store it
samples concepts and reconciles, in batches like OpenRefine's, three forms of each
preferred label: as written, in upper case without accents, and misspelt (two
neighbouring letters swapped). It prints:

- milliseconds per query of POST /reconcile, and of its two peers for the same strings,
  GET /api/search?q=LABEL&limit=5 and GET /api/related?q=LABEL&k=5 (reconciliation does
  both, then describes its candidates), and the ratio;
- top-1 accuracy per form (for a label several concepts share: the concept among the
  candidates, since nothing in the string tells them apart), how often an unambiguous
  exact label was a `match`, and that a shared one never was.

Usage::

    .venv/bin/python scripts/bench_reconcile.py                      # the bundled glossary
    .venv/bin/python scripts/bench_reconcile.py --store DIR --vocab unesco --n 300

Without ``--store`` a temporary store is filled with the bundled glossary, indexed
with the ``hash`` stand-in encoder unless ``--real-model`` is given (then the search by
meaning uses all-MiniLM-L6-v2). With ``--store`` the store's own indexes are used: set
``GLOSSARY_EMBEDDING_MODEL=hash`` if they were built with the stand-in.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
import unicodedata
from pathlib import Path


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def misspell(label: str, rng: random.Random) -> str | None:
    """Swap two neighbouring letters after the first three (None if too short)."""
    positions = [i for i in range(3, len(label) - 1) if label[i].isalpha() and
                 label[i + 1].isalpha() and label[i] != label[i + 1]]  # fmt: skip
    if len(label) < 6 or not positions:
        return None
    i = rng.choice(positions)
    return label[:i] + label[i + 1] + label[i] + label[i + 2 :]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", type=Path, help="an existing store (default: a temporary one)")
    ap.add_argument("--vocab", default=None, help="vocabulary to sample (default: the first)")
    ap.add_argument("--lang", default="en", help="language of the labels sampled")
    ap.add_argument("--n", type=int, default=200, help="concepts sampled (default 200)")
    ap.add_argument("--batch", type=int, default=10, help="queries per batch (OpenRefine: 10)")
    ap.add_argument("--real-model", action="store_true", help="index with the real model")
    args = ap.parse_args()

    if not args.real_model and args.store is None:
        os.environ.setdefault("GLOSSARY_EMBEDDING_MODEL", "hash")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from glossary.search.text import fold
    from service import create_app
    from service.search_api import search_index

    tmp = None
    store = args.store
    if store is None:
        from glossary.cli.serve import prepare_store

        tmp = tempfile.TemporaryDirectory(prefix="bench-reconcile-")
        store = Path(tmp.name)
        t0 = time.perf_counter()
        print(prepare_store(store), f"in {time.perf_counter() - t0:.1f} s", flush=True)
    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(store),
                      "GLOSSARY_WARM_CACHES": False})  # fmt: skip
    client = app.test_client()

    with app.app_context():
        index = search_index()
        vocab = args.vocab or index.vocabs[0]
        v = index.vocabs.index(vocab)
        li = index.labels
        concepts = [c for c in range(len(index.uris)) if int(li.concept_vocab[c]) == v]
        by_label: dict[str, set[int]] = {}
        for i, text in enumerate(li.label_text):
            by_label.setdefault(fold(text), set()).add(int(li.label_concept[i]))
        rng = random.Random(0)
        rng.shuffle(concepts)
        sample: list[tuple[str, str, bool]] = []  # (uri, pref label, ambiguous)
        for c in concepts:
            label = index.pref_label(c, args.lang)
            if label and fold(label):
                sample.append((index.uris[c], label, len(by_label.get(fold(label), ())) > 1))
            if len(sample) == args.n:
                break
        print(f"model: {index.encoder.model_id}; vocabulary {vocab}: {len(concepts)} concepts, "
              f"{len(sample)} sampled ({sum(a for _, _, a in sample)} with a shared label)",
              flush=True)  # fmt: skip

    forms: dict[str, list[tuple[str, str, bool]]] = {
        "as written": [(u, lab, amb) for u, lab, amb in sample],
        "upper, no accents": [(u, strip_accents(lab).upper(), amb) for u, lab, amb in sample],
        "misspelt": [(u, m, amb) for u, lab, amb in sample if (m := misspell(lab, rng))],
    }
    # warm up (index opening, first encoder use) outside the timings
    client.post("/reconcile", data={"queries": json.dumps({"w": {"query": "warm up"}})})
    client.get("/api/search?q=warm")

    rec_ms: list[float] = []
    search_ms: list[float] = []
    related_ms: list[float] = []
    per_form: dict[str, list[float]] = {}
    for name, items in forms.items():
        top1 = matched = unambiguous = wrong_matches = 0
        form_ms = per_form.setdefault(name, [])
        for start in range(0, len(items), args.batch):
            chunk = items[start : start + args.batch]
            queries = {f"q{i}": {"query": q, "limit": 5} for i, (_, q, _) in enumerate(chunk)}
            t0 = time.perf_counter()
            resp = client.post("/reconcile", data={"queries": json.dumps(queries)})
            rec_ms.append((time.perf_counter() - t0) * 1000 / len(chunk))
            form_ms.append(rec_ms[-1])
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
            data = resp.get_json()
            for i, (uri, q, amb) in enumerate(chunk):
                res = data[f"q{i}"]["result"]
                if (res and res[0]["id"] == uri) or (amb and any(r["id"] == uri for r in res)):
                    top1 += 1
                if name != "misspelt":
                    if amb:
                        wrong_matches += sum(r["match"] for r in res)
                    else:
                        unambiguous += 1
                        matched += bool(res and res[0]["match"] and res[0]["id"] == uri)
                t0 = time.perf_counter()
                client.get("/api/search", query_string={"q": q, "limit": 5})
                search_ms.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                client.get("/api/related", query_string={"q": q, "k": 5})
                related_ms.append((time.perf_counter() - t0) * 1000)
        line = (f"{name:>18}: top-1 {top1}/{len(items)} ({100 * top1 / max(1, len(items)):.1f} %), "
                f"median {statistics.median(form_ms):.2f} ms per query")  # fmt: skip
        if name != "misspelt":
            line += (f"; unambiguous exact labels matched {matched}/{unambiguous}; "
                     f"matches on shared labels {wrong_matches}")  # fmt: skip
        print(line, flush=True)

    rec, srch = statistics.median(rec_ms), statistics.median(search_ms)
    rel = statistics.median(related_ms)
    print(f"reconcile, all forms: median {rec:.2f} ms per query (batches of {args.batch}); "
          f"peers, same strings: /api/search {srch:.2f} ms, /api/related {rel:.2f} ms; ratio "
          f"reconcile/(search + related) {rec / (srch + rel):.2f}x", flush=True)  # fmt: skip
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
