"""Train a linear query adapter for related-term search, and measure it (issue 5).

The idea: a matrix ``W`` (384 x 384 for all-MiniLM-L6-v2, initialised to the
identity and regularised toward it) applied to the query embedding only,
``q' = normalize(W q)``, so that a synonym a thesaurus lists as an altLabel lands
nearer its concept's texts; the concept vectors, their cache and the FAISS
indexes stay as they are.

Training data: thesaurus synonymy from the vocabularies in ../shared/vocabularies
**other than UNESCO (the test set) and STW (the tuning set)**, so that both
evaluations stay held out: each English altLabel or hiddenLabel is a query whose
answer is its concept, scored against every concept of the same vocabulary
(max-pooled cosine over the concept's texts, built as the product builds them with
the altLabels removed, as in scripts/evaluate_search.py), with a softmax
cross-entropy at temperature ``--tau`` (every other concept of the vocabulary is a
negative). ``--hier W`` adds (narrower prefLabel -> its broader concept) pairs at
weight W, the narrower concept itself left out of the candidates. 20 % of the
concepts with synonyms (seeded) are kept for validation.

Printed: the pairs per vocabulary; validation hit@1 per epoch; then, with the
production hybrid (SearchIndex's combine, alpha and rho as shipped) on STW and
UNESCO's held-out English altLabels (1,500 each, the same sample as
evaluate_search.py), hit@1 / hit@10 / MRR without and with the adapter, both on the
query embedded alone (without the WordNet expansion the product adds; to measure
the adapter with it: evaluate_search.py --adapter W.npy, and docs/search.md).

    .venv/bin/python scripts/train_query_adapter.py [--epochs 4] [--rank 0] [--save W.npy]

The result measured (docs/search.md): the adapter learns the training domains
(validation hit@1 up about 0.02 to 0.04) but moves STW and UNESCO by +-0.01 only, and
hierarchy pairs lower both; it is not adopted. Encoded texts are cached in
``--cache`` (default under the system's temporary directory), keyed by model and
text, so a second run encodes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import evaluate_search as ev  # noqa: E402

from glossary.rdfio import read_quads  # noqa: E402
from glossary.search import SearchIndex, build_indexes  # noqa: E402
from glossary.search.compose import DEFAULT_SCHEME, concept_texts  # noqa: E402
from glossary.search.embeddings import Encoder, get_encoder  # noqa: E402
from glossary.search.records import ALT, HIDDEN, PREF, extract_records  # noqa: E402
from glossary.search.text import lang_matches  # noqa: E402

TRAIN_FILES = ev.TRAIN_FILES
HELD_OUT = ("unesco-thesaurus.ttl.gz", "stw-9.16.ttl.gz")


class DiskCachingEncoder(ev.CachingEncoder):
    """evaluate_search's caching encoder, saved to and loaded from an .npz file."""

    def __init__(self, inner: Encoder, path: Path) -> None:
        super().__init__(inner)
        self.path = path
        if path.is_file():
            with np.load(path, allow_pickle=False) as z:
                self.cache = dict(zip(z["texts"].tolist(), z["vectors"], strict=True))

    def save(self) -> None:
        if self.cache:
            np.savez(self.path, texts=np.asarray(list(self.cache)),
                     vectors=np.vstack(list(self.cache.values())))  # fmt: skip


class Vocabulary:
    """One training vocabulary: concept vectors (altLabels removed) and query pairs."""

    def __init__(self, path: Path, encoder: DiskCachingEncoder) -> None:
        import pyoxigraph as ox

        store = ox.Store()
        g = ox.NamedNode("urn:x-glossary:train")
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, g) for q in read_quads(path))
        records = [r for r in extract_records(store, g.value) if not r.deprecated and r.labels]
        ids = {r.uri: n for n, r in enumerate(records)}
        self.name = path.name.split(".")[0]
        self.synonyms: list[tuple[str, int]] = sorted({
            (t, ids[r.uri]) for r in records for t, tag, kind in r.labels
            if kind in (ALT, HIDDEN) and tag and lang_matches(tag, "en")
        })  # fmt: skip
        self.hierarchy: list[tuple[str, int, int]] = []
        for r in records:
            pref = [t for t, tag, kind in r.labels if kind == PREF and lang_matches(tag, "en")]
            for b in r.broader:
                if pref and b in ids:
                    self.hierarchy.append((pref[0], ids[b], ids[r.uri]))
        for r in records:  # what is indexed: as in the held-out evaluation
            r.labels = [label for label in r.labels if label[2] != ALT]
        pairs = concept_texts(records, DEFAULT_SCHEME)
        self.vectors = encoder.encode([t for _, t in pairs], progress=f"texts {self.name}")
        rows = np.asarray([n for n, _ in pairs], dtype=np.int64)
        self.n_concepts = len(records)
        width = int(np.bincount(rows, minlength=self.n_concepts).max()) if len(rows) else 1
        # A concept's rows as one padded row of indexes (max-pooling in one gather).
        self.rows = np.zeros((self.n_concepts, width), dtype=np.int64)
        self.pad = np.ones((self.n_concepts, width), dtype=bool)
        starts = np.searchsorted(rows, np.arange(self.n_concepts))
        ends = np.searchsorted(rows, np.arange(self.n_concepts), side="right")
        for c in range(self.n_concepts):
            self.rows[c, : ends[c] - starts[c]] = np.arange(starts[c], ends[c])
            self.pad[c, : ends[c] - starts[c]] = False


def train(
    vocabs: list[Vocabulary], encoder: DiskCachingEncoder, args: argparse.Namespace
) -> np.ndarray:
    import torch

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    items: list[tuple[int, str, int, int, float]] = []  # vocab, text, gold, self, weight
    val: list[tuple[int, str, int, int, float]] = []
    for v, voc in enumerate(vocabs):
        concepts = sorted({c for _, c in voc.synonyms})
        held = set(rng.choice(concepts, size=len(concepts) // 5, replace=False).tolist())
        for text, c in voc.synonyms:
            (val if c in held else items).append((v, text, c, -1, 1.0))
        if args.hier > 0:
            items.extend((v, t, b, n, args.hier) for t, b, n in voc.hierarchy)
        print(f"  {voc.name}: {voc.n_concepts} concepts, {len(voc.synonyms)} synonyms, "
              f"{len(voc.hierarchy)} hierarchy pairs", flush=True)  # fmt: skip
    texts = sorted({it[1] for it in items + val})
    qvec = dict(zip(texts, encoder.encode(texts, progress="queries"), strict=True))
    encoder.save()
    print(f"training items {len(items)}, validation synonyms {len(val)}", flush=True)
    docs = [torch.from_numpy(np.ascontiguousarray(voc.vectors)) for voc in vocabs]
    rows = [torch.from_numpy(voc.rows) for voc in vocabs]
    pads = [torch.from_numpy(voc.pad) for voc in vocabs]
    dim = encoder.dim
    eye = torch.eye(dim)
    if args.rank:
        u = torch.nn.Parameter(torch.randn(dim, args.rank) * 0.01)
        vt = torch.nn.Parameter(torch.zeros(args.rank, dim))
        params = [u, vt]

        def delta() -> torch.Tensor:
            return u @ vt
    else:
        w = torch.nn.Parameter(eye.clone())
        params = [w]

        def delta() -> torch.Tensor:
            return w - eye

    def scores(v: int, q: torch.Tensor) -> torch.Tensor:
        qa = torch.nn.functional.normalize(q @ (eye + delta()).T, dim=1)
        s = (qa @ docs[v].T)[:, rows[v]].masked_fill(pads[v][None], -4.0)
        return s.max(dim=2).values

    def validate() -> float:
        if not val:
            return float("nan")
        hits = 0
        with torch.no_grad():
            for v in range(len(vocabs)):
                part = [it for it in val if it[0] == v]
                if part:
                    q = torch.from_numpy(np.stack([qvec[it[1]] for it in part]))
                    top = scores(v, q).argmax(dim=1).tolist()
                    hits += sum(int(t == it[2]) for t, it in zip(top, part, strict=True))
        return hits / len(val)

    opt = torch.optim.Adam(params, lr=args.lr)
    print(f"epoch 0: validation hit@1 {validate():.3f}", flush=True)
    t0 = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        batches = []
        for v in range(len(vocabs)):
            mine = [it for it in items if it[0] == v]
            order = rng.permutation(len(mine))
            batches += [[mine[j] for j in order[s : s + args.batch]]
                        for s in range(0, len(order), args.batch)]  # fmt: skip
        rng.shuffle(batches)  # type: ignore[arg-type]
        total = 0.0
        for batch in batches:
            v = batch[0][0]
            q = torch.from_numpy(np.stack([qvec[it[1]] for it in batch]))
            logits = scores(v, q) / args.tau
            own = [(i, it[3]) for i, it in enumerate(batch) if it[3] >= 0]
            if own:  # a narrower concept is not an answer for its own prefLabel
                logits[[i for i, _ in own], [c for _, c in own]] = -1e4
            gold = torch.tensor([it[2] for it in batch])
            weight = torch.tensor([it[4] for it in batch])
            loss = torch.nn.functional.cross_entropy(logits, gold, reduction="none")
            loss = (loss * weight).sum() / weight.sum()
            loss = loss + args.lam * (delta() ** 2).sum() / 1000.0
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach())
        print(f"epoch {epoch}: loss {total / max(1, len(batches)):.4f}, validation hit@1 "
              f"{validate():.3f}, |W - I| {float(delta().detach().norm()):.2f} "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)  # fmt: skip
    return (eye + delta()).detach().numpy().astype(np.float32)


def held_out(
    matrix: np.ndarray, encoder: DiskCachingEncoder, max_queries: int
) -> list[tuple[str, str, tuple[float, float, float], tuple[float, float, float]]]:
    """(vocab, method, before, after) with the production hybrid on STW and UNESCO."""
    out = []
    for vocab in ("stw", "unesco"):
        store, graph, held = ev.load_without_alt(vocab)
        if len(held) > max_queries:
            held = random.Random(42).sample(held, max_queries)  # evaluate_search's sample
        queries = [t for t, _ in held]
        gold = [u for _, u in held]
        qvecs = encoder.encode(queries, progress="queries")
        adapted = qvecs @ matrix.T
        adapted /= np.maximum(np.linalg.norm(adapted, axis=1, keepdims=True), 1e-12)
        with tempfile.TemporaryDirectory() as tmp:
            build_indexes(store, graph, vocab, Path(tmp), encoder=encoder, progress=False)
            index = SearchIndex.open(Path(tmp), encoder=encoder)
            a, r = index.alpha, index.rho
            before = ev.evaluate(index, queries, qvecs, gold, [a], [r])
            after = ev.evaluate(index, queries, adapted.astype(np.float32), gold, [a], [r])
        encoder.save()
        for method in ("embed", f"hybrid a={a:.2f} rho={r:.2f}"):
            out.append((vocab, method, before[method], after[method]))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--rank", type=int, default=0, help="0: a full matrix; else W = I + U V^T")
    ap.add_argument("--tau", type=float, default=0.05, help="softmax temperature")
    ap.add_argument("--lam", type=float, default=100.0, help="weight of |W - I|^2 / 1000")
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--hier", type=float, default=0.0,
                    help="weight of (narrower prefLabel -> broader) pairs; 0: none")  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-queries", type=int, default=1500)
    ap.add_argument("--model", default=None, help="embedding model (default: configured)")
    ap.add_argument("--vocabularies", type=Path, default=ev.VOCABS)
    ap.add_argument("--cache", type=Path, default=None, help="encoded-text cache (.npz)")
    ap.add_argument("--save", type=Path, default=None, help="write W as float16 .npy")
    args = ap.parse_args()
    inner = get_encoder(args.model)
    key = hashlib.blake2b(inner.model_id.encode("utf-8"), digest_size=6).hexdigest()
    cache = args.cache or Path(tempfile.gettempdir()) / f"glossary-adapter-cache-{key}.npz"
    encoder = DiskCachingEncoder(inner, cache)
    print(f"model {inner.model_id}; cache {cache} ({len(encoder.cache)} texts); "
          f"settings {vars(args)}", flush=True)  # fmt: skip
    files = [args.vocabularies / f for f in TRAIN_FILES if f not in HELD_OUT]
    vocabs = [Vocabulary(path, encoder) for path in files if path.is_file()]
    encoder.save()
    matrix = train(vocabs, encoder, args)
    if args.save:
        np.save(args.save, matrix.astype(np.float16), allow_pickle=False)
        print(f"wrote {args.save}")
    print("\n| vocabulary | method | without adapter (hit@1 / hit@10 / MRR) | with adapter |")
    print("|---|---|---|---|")
    for vocab, method, before, after in held_out(matrix, encoder, args.max_queries):
        print(f"| {vocab} | {method} | {' / '.join(f'{x:.3f}' for x in before)} | "
              f"{' / '.join(f'{x:.3f}' for x in after)} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
