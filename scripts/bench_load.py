"""Benchmark: loading STW (116k triples) into a fresh embedded store, stage by stage.

    .venv/bin/python scripts/bench_load.py [--file F] [--runs N] [--validate] [--indexes]

Prints the time of each stage of ``Store.load`` (parse, validate, write, counts,
changes, indexes, flip), the median over the runs, and the ratio of our load
(parse + write + counts + flip) to a plain ``pyoxigraph.Store.bulk_load`` of the same
file into a fresh directory, measured in the same run (the peer). Target: our load
of STW under 10 s. Validation (the validator's own budget) and search indexes (the
search part's budget, embeddings) are off unless asked for, and then reported apart.

Then the change feed's comparison (``glossary.changes``): a replace with the same file
(recognised by its content hash, nothing compared) and a replace with an edited copy
(one prefLabel renamed: the two versions' graphs are compared in full).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph  # noqa: E402

from glossary import store as store_module  # noqa: E402
from glossary.store import Store  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared" / "vocabularies" / "stw-9.16.ttl.gz"
OURS = ("parse", "write", "counts", "flip")


class _SkippedReport:
    """Used only when --validate is not given: the bench measures the store's stages."""

    conforms = True
    results: ClassVar[list[Any]] = []


def peer_bulk_load(path: Path, workdir: Path) -> float:
    t = time.perf_counter()
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    ox = pyoxigraph.Store(str(workdir))
    ox.bulk_load(data, pyoxigraph.RdfFormat.TURTLE, to_graph=pyoxigraph.NamedNode("urn:g"))
    ox.flush()
    n = len(ox)
    del ox
    elapsed = time.perf_counter() - t
    assert n > 0
    return elapsed


def edited_copy(path: Path, out: Path) -> None:
    """``path`` with one English prefLabel renamed, as gzipped N-Triples."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    triples = list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.TURTLE))
    pref = "http://www.w3.org/2004/02/skos/core#prefLabel"
    for i, t in enumerate(triples):
        if t.predicate.value == pref and t.object.language == "en":
            label = pyoxigraph.Literal(t.object.value + " (edited)", language="en")
            triples[i] = pyoxigraph.Triple(t.subject, t.predicate, label)
            break
    with gzip.open(out, "wb") as fh:
        pyoxigraph.serialize(triples, fh, format=pyoxigraph.RdfFormat.N_TRIPLES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--validate", action="store_true", help="run the real validator too")
    parser.add_argument("--indexes", action="store_true", help="build the search indexes too")
    args = parser.parse_args()

    if not args.validate:
        Store._validate = lambda self, src: _SkippedReport()  # type: ignore[method-assign]
    if not args.indexes:
        store_module._index_builder = lambda: None

    rows: list[dict[str, float]] = []
    peers: list[float] = []
    replaces: list[float] = []
    same_changes: list[float] = []
    edited_changes: list[float] = []
    edited_totals: list[float] = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(dir=ROOT.parent if ROOT.parent.is_dir() else None) as tmp:
            peers.append(peer_bulk_load(args.file, Path(tmp) / "peer"))
            with Store.open(Path(tmp) / "store", read_only=False) as store:
                t = time.perf_counter()
                result = store.load([args.file], vocab_id="bench")
                total = time.perf_counter() - t
                timings = dict(result.timings, total=total)
                rows.append(timings)
                vocab = result.vocabularies[0]
                # A replace of the same vocabulary in a store that holds it (checkpoint
                # by hard links, remove the old graph, write the new one).
                t = time.perf_counter()
                again = store.load([args.file], vocab_id="bench", replace=True)
                replaces.append(time.perf_counter() - t)
                same_changes.append(again.timings["changes"])
                edited = Path(tmp) / "edited.nt.gz"
                edited_copy(args.file, edited)
                t = time.perf_counter()
                changed = store.load([edited], vocab_id="bench", replace=True)
                edited_totals.append(time.perf_counter() - t)
                edited_changes.append(changed.timings["changes"])
        ours = sum(timings[k] for k in OURS)
        print(f"run {run + 1}: " + "  ".join(f"{k} {v:.2f}s" for k, v in timings.items())
              + f"  | ours {ours:.2f}s  peer bulk_load {peers[-1]:.2f}s"
              f"  replace {replaces[-1]:.2f}s  changes: same file {same_changes[-1]:.3f}s,"
              f" edited copy {edited_changes[-1]:.2f}s")  # fmt: skip

    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    ours = statistics.median(sum(r[k] for k in OURS) for r in rows)
    peer = statistics.median(peers)
    print(f"\nfile: {args.file.name}: {vocab.triples:,} triples, {vocab.concepts:,} concepts")
    print(f"median of {args.runs} runs:")
    for k in ("parse", "validate", "write", "counts", "changes", "indexes", "flip", "total"):
        note = ""
        if k == "validate" and not args.validate:
            note = "  (skipped: run with --validate)"
        if k == "indexes" and not args.indexes:
            note = "  (skipped: run with --indexes)"
        print(f"  {k:9s} {med[k]:7.3f} s{note}")
    print(f"  ours (parse+write+counts+flip) {ours:.3f} s   target < 10 s: "
          f"{'met' if ours < 10 else 'NOT met'}")  # fmt: skip
    print(f"  peer: pyoxigraph bulk_load of the same file {peer:.3f} s; "
          f"ratio ours/peer {ours / peer:.2f}")  # fmt: skip
    what = "all stages, validation included" if args.validate else "validation skipped"
    print(f"  replace (the same vocabulary again, store not empty; {what}) "
          f"{statistics.median(replaces):.3f} s")  # fmt: skip
    ed = statistics.median(edited_changes)
    print(f"  change feed: comparing with the previous version: same file "
          f"{statistics.median(same_changes) * 1000:.1f} ms (content hash, nothing compared); "
          f"an edited copy {ed:.3f} s of a {statistics.median(edited_totals):.3f} s replace "
          f"({ed / peer:.2f}x the peer bulk_load)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
