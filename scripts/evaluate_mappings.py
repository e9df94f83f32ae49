"""Evaluate mapping suggestions (glossary/mappings/suggest.py) on real vocabularies.

Truth: the pairs of concepts of the two vocabularies (default STW -> UNESCO) whose
English prefLabels are identical once case- and accent-folded (glossary.search.text.fold),
keeping only labels that name one concept on each side. The suggester must find them
**without those prefLabels**: every English prefLabel of a truth-set concept, and any
English label of that concept folded equal to it, is removed before indexing, on both
sides. What is left to suggest from: altLabels, definitions and scope notes, the
hierarchy (the broader concepts' labels in the context text), the prefLabels in other
languages (STW: German; UNESCO: French, Spanish, Arabic, Russian: no language in common,
so no label match through them), and the meaning (the embedding model).

With ``--store S`` (a store where both are loaded whole under the same ids, by
``glossary load``) two more protocols are reported: the source's prefLabels hidden and
the target whole (a source labelled otherwise than the target: the realistic case, and
the one the default threshold was chosen on), and nothing hidden (a sanity check:
identical labels must come out as exactMatch); the timing is then on the whole
vocabularies. docs/mappings.md has the figures.

Both vocabularies are indexed with the production build (glossary/search/build.py,
the configured model) in an in-memory store, into ``--work DIR`` (a temporary directory
by default; keep one to reuse the vectors in a second run).

Printed, for each threshold: the suggestions, and precision and recall against the
truth. Precision is judged on the suggestions whose subject is in the truth set (for
the others there is no answer to compare with): an exactMatch or closeMatch to the
truth's object is right, to another concept wrong; recall is the share of truth pairs
suggested (exactMatch or closeMatch). The same for exactMatch alone. Then the time of
a whole-vocabulary suggestion (both indexed), with its peer: the raw FAISS search of
the same vectors with the same k, in the same run.

    .venv/bin/python scripts/evaluate_mappings.py [--pair stw:unesco] [--store S] [--work DIR]
        [--thresholds 0.6,0.7,0.8] [--context-weights 0,0.3,0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary.mappings.suggest import (  # noqa: E402
    CONTEXT_WEIGHT,
    DEFAULT_CANDIDATES,
    DEFAULT_EXACT_AT,
    DEFAULT_THRESHOLD,
    Candidates,
    candidates,
    choose,
)
from glossary.rdfio import read_quads  # noqa: E402
from glossary.search import SearchIndex, build_indexes  # noqa: E402
from glossary.search.embeddings import get_encoder  # noqa: E402
from glossary.search.text import fold, lang_matches  # noqa: E402

VOCABS = Path(os.environ.get("GLOSSARY_VOCABULARIES", ROOT.parent / "shared" / "vocabularies"))
FILES = {
    "stw": "stw-9.16.ttl.gz",
    "unesco": "unesco-thesaurus.ttl.gz",
    "gemet": "gemet-3.1-5lang.ttl.gz",
}
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL_DEPRECATED = "http://www.w3.org/2002/07/owl#deprecated"
LABELS = {SKOS + "prefLabel", SKOS + "altLabel", SKOS + "hiddenLabel"}


def english(q: Any) -> bool:
    import pyoxigraph as ox

    obj = q.object
    return isinstance(obj, ox.Literal) and lang_matches(obj.language or "", "en")


def read(name: str) -> list[Any]:
    return list(read_quads(VOCABS / FILES[name]))


def pref_keys(quads: list[Any]) -> dict[str, set[str]]:
    """Folded English prefLabel -> the (not deprecated) concepts holding it."""
    deprecated = {q.subject.value for q in quads if q.predicate.value == OWL_DEPRECATED}
    out: dict[str, set[str]] = {}
    for q in quads:
        if q.predicate.value == SKOS + "prefLabel" and english(q):
            uri = q.subject.value
            if uri not in deprecated:
                out.setdefault(fold(q.object.value), set()).add(uri)
    return out


def truth_pairs(a: dict[str, set[str]], b: dict[str, set[str]]) -> tuple[dict[str, str], int]:
    """Source concept -> target concept, for labels naming one concept on each side;
    and how many shared labels were left out as ambiguous."""
    truth, ambiguous = {}, 0
    for key in sorted(set(a) & set(b)):
        if key and len(a[key]) == 1 and len(b[key]) == 1:
            truth[next(iter(a[key]))] = next(iter(b[key]))
        elif key:
            ambiguous += 1
    return truth, ambiguous


def hide(quads: list[Any], concepts: set[str]) -> tuple[list[Any], int]:
    """The quads without the English prefLabels of ``concepts`` (nor their English
    labels folded equal to one); how many label triples were removed."""
    hidden: dict[str, set[str]] = {}
    for q in quads:
        s = q.subject.value
        if s in concepts and q.predicate.value == SKOS + "prefLabel" and english(q):
            hidden.setdefault(s, set()).add(fold(q.object.value))
    kept, removed = [], 0
    for q in quads:
        s = q.subject.value
        if (
            s in hidden
            and q.predicate.value in LABELS
            and english(q)
            and fold(q.object.value) in hidden[s]
        ):
            removed += 1
            continue
        kept.append(q)
    return kept, removed


def evaluate(
    index: SearchIndex,
    cands: Candidates,
    truth: dict[str, str],
    threshold: float,
    context_weight: float = CONTEXT_WEIGHT,
) -> dict[str, float]:
    found = choose(
        index,
        cands,
        threshold=threshold,
        exact_at=max(DEFAULT_EXACT_AT, threshold),
        context_weight=context_weight,
    )
    same = [g for g in found if g.predicate in ("exactMatch", "closeMatch")]
    exact = [g for g in same if g.predicate == "exactMatch"]
    out: dict[str, float] = {"suggestions": len(found), "same": len(same), "exact": len(exact)}
    for name, group in (("", same), ("exact_", exact)):
        judged = [g for g in group if g.subject in truth]
        right = sum(1 for g in judged if truth[g.subject] == g.object)
        p = right / len(judged) if judged else 0.0
        r = right / len(truth) if truth else 0.0
        out[name + "judged"] = len(judged)
        out[name + "precision"] = p
        out[name + "recall"] = r
        out[name + "f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return out


def row(label: str, m: dict[str, float]) -> str:
    return (
        f"| {label} | {m['suggestions']:.0f} | {m['judged']:.0f} | {m['precision']:.3f} | "
        f"{m['recall']:.3f} | {m['f1']:.3f} | {m['exact']:.0f} | {m['exact_precision']:.3f} | "
        f"{m['exact_recall']:.3f} |"
    )


HEADER = (
    "| threshold | suggestions | judged | precision | recall | F1 | exactMatch | "
    "exact precision | exact recall |\n|---|---|---|---|---|---|---|---|---|"
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pair", default="stw:unesco", help="SOURCE:TARGET (stw, unesco, gemet)")
    ap.add_argument(
        "--work",
        type=Path,
        default=None,
        help="index directory to keep (reuses its vectors next time)",
    )
    ap.add_argument(
        "--store",
        type=Path,
        default=None,
        help="a store where both vocabularies are loaded whole under these ids (glossary "
        "load): adds the one-side-hidden and nothing-hidden rows, times on it",
    )
    ap.add_argument("--thresholds", default="0.5,0.6,0.65,0.7,0.75,0.8,0.85,0.9,0.95")
    ap.add_argument("--context-weights", default="0,0.3,0.5")
    args = ap.parse_args()
    source, target = args.pair.split(":")
    import pyoxigraph as ox

    encoder = get_encoder()
    print(f"model: {encoder.model_id}; {source} -> {target}; vocabularies from {VOCABS}")
    t0 = time.perf_counter()
    quads = {v: read(v) for v in (source, target)}
    truth, ambiguous = truth_pairs(pref_keys(quads[source]), pref_keys(quads[target]))
    print(
        f"truth: {len(truth)} pairs with the same folded English prefLabel "
        f"({ambiguous} shared labels left out: they name several concepts on a side)"
    )
    store = ox.Store()
    removed = {}
    for vocab, concepts in ((source, set(truth)), (target, set(truth.values()))):
        kept, removed[vocab] = hide(quads[vocab], concepts)
        g = ox.NamedNode(f"urn:x-glossary:vocab:{vocab}")
        store.bulk_extend([ox.Quad(q.subject, q.predicate, q.object, g) for q in kept])
    print(
        f"hidden: {removed[source]} English labels of {source}, {removed[target]} of "
        f"{target}; read in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp) / "hidden"
        for vocab in (source, target):
            stats = build_indexes(
                store, f"urn:x-glossary:vocab:{vocab}", vocab, work, encoder=encoder
            )
            print(
                f"indexed {vocab}: {stats.concepts} concepts, {stats.texts} texts "
                f"({stats.encoded} encoded) in {stats.seconds:.1f} s",
                flush=True,
            )
        protocols = [("both sides hidden", work)]
        whole = None
        if args.store is not None:
            from glossary.store import Store

            whole = Store.open(args.store).index_dir()
            one_side = combined({source: work, target: whole}, Path(tmp) / "one-side")
            protocols = [
                (f"{source} hidden, {target} whole", one_side),
                *protocols,
                ("nothing hidden (the truth's own labels visible: a sanity check)", whole),
            ]
        timing(SearchIndex.open(whole or work, encoder=encoder, wordnet=False), source, target)
        for n, (name, directory) in enumerate(protocols):
            index = SearchIndex.open(directory, encoder=encoder, wordnet=False)
            print(f"\n## {name}")
            report(index, source, target, truth, args, sweep=n == 0)
    return 0


def combined(parts: dict[str, Path], out: Path) -> Path:
    """An index directory holding each vocabulary's live build from the given index
    directory (symbolic links, nothing copied or encoded)."""
    base = out / "search"
    base.mkdir(parents=True)
    for vocab, index_dir in parts.items():
        src = Path(index_dir) / "search"
        manifest = json.loads((src / f"{vocab}.json").read_text(encoding="utf-8"))
        (base / f"{vocab}.json").symlink_to(src / f"{vocab}.json")
        (base / manifest["dir"]).symlink_to(src / manifest["dir"])
    return out


def timing(index: SearchIndex, source: str, target: str) -> None:
    """Whole-vocabulary suggestion, timed (best of 3), and its peer: the raw FAISS
    search of the same source vectors against the target index with the same k."""
    times = []
    for _ in range(3):
        t = time.perf_counter()
        cands = candidates(index, source, target)
        found = choose(index, cands)
        times.append(time.perf_counter() - t)
    ps, pt = index.vocab_vectors(source), index.vocab_vectors(target)
    assert ps is not None and pt is not None
    k = int(DEFAULT_CANDIDATES * max(1.0, len(pt.vectors) / max(1, len(pt.row_start)))) + 8
    svec = np.ascontiguousarray(ps.vectors, dtype=np.float32)
    peer = []
    for _ in range(3):
        t = time.perf_counter()
        pt.index.search(svec, k)
        peer.append(time.perf_counter() - t)
    print(
        f"\nwhole vocabulary {source} -> {target}: {len(ps.row_start)} concepts "
        f"({len(svec)} vectors) against {len(pt.row_start)} ({len(pt.vectors)} vectors, "
        f"{pt.index.kind}): {len(cands.s)} candidate pairs, {len(found)} suggestions at "
        f"{DEFAULT_THRESHOLD} in {min(times):.2f} s (best of 3); peer, the FAISS search "
        f"alone (k={k}): {min(peer):.2f} s; ratio {min(times) / max(min(peer), 1e-9):.1f}"
    )
    print("predicates:", dict(Counter(g.predicate for g in found)))


def report(
    index: SearchIndex,
    source: str,
    target: str,
    truth: dict[str, str],
    args: argparse.Namespace,
    *,
    sweep: bool = False,
) -> None:
    cands = candidates(index, source, target)
    found = choose(index, cands)
    thresholds = [float(x) for x in args.thresholds.split(",")]
    print(f"\ncontext weight {CONTEXT_WEIGHT} (production):\n{HEADER}")
    best = (0.0, 0.0)
    for th in thresholds:
        m = evaluate(index, cands, truth, th)
        best = max(best, (m["f1"], th))
        print(row(f"{th:g}", m))
    for w in (float(x) for x in args.context_weights.split(",")):
        if w == CONTEXT_WEIGHT or not sweep:
            continue
        print(f"\ncontext weight {w}:\n{HEADER}")
        for th in thresholds:
            print(row(f"{th:g}", evaluate(index, cands, truth, th, context_weight=w)))
    chosen = evaluate(index, cands, truth, DEFAULT_THRESHOLD)
    print(
        f"\nchosen threshold {DEFAULT_THRESHOLD} (best F1 of this run at {best[1]:g}: "
        f"{best[0]:.3f}): precision {chosen['precision']:.3f}, recall {chosen['recall']:.3f}, "
        f"F1 {chosen['f1']:.3f}; exactMatch precision {chosen['exact_precision']:.3f}, "
        f"recall {chosen['exact_recall']:.3f}"
    )
    # Which kinds of evidence the right and wrong judged suggestions had.
    kinds: Counter[tuple[str, bool]] = Counter()
    for g in found:
        if g.subject in truth and g.predicate in ("exactMatch", "closeMatch"):
            kinds[((g.label_match or "none").split("@")[0], truth[g.subject] == g.object)] += 1
    print(
        "judged suggestions by label evidence (kind, right): "
        + ", ".join(f"{k}/{'right' if ok else 'wrong'} {n}" for (k, ok), n in sorted(kinds.items()))
    )


if __name__ == "__main__":
    sys.exit(main())
