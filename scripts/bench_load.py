"""Benchmark: loading STW (116k triples) into a fresh embedded store, stage by stage.

    .venv/bin/python scripts/bench_load.py [--file F] [--runs N] [--validate] [--indexes]

Prints the time of each stage of ``Store.load`` (parse, validate, write, counts,
indexes, flip), the median over the runs, and the ratio of our load
(parse + write + counts + flip) to a plain ``pyoxigraph.Store.bulk_load`` of the same
file into a fresh directory, measured in the same run (the peer). Target: our load
of STW under 10 s. Validation (the validator's own budget) and search indexes (the
search part's budget, embeddings) are off unless asked for, and then reported apart.
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
                store.load([args.file], vocab_id="bench", replace=True)
                replaces.append(time.perf_counter() - t)
        ours = sum(timings[k] for k in OURS)
        print(f"run {run + 1}: " + "  ".join(f"{k} {v:.2f}s" for k, v in timings.items())
              + f"  | ours {ours:.2f}s  peer bulk_load {peers[-1]:.2f}s"
              f"  replace {replaces[-1]:.2f}s")  # fmt: skip

    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    ours = statistics.median(sum(r[k] for k in OURS) for r in rows)
    peer = statistics.median(peers)
    print(f"\nfile: {args.file.name}: {vocab.triples:,} triples, {vocab.concepts:,} concepts")
    print(f"median of {args.runs} runs:")
    for k in ("parse", "validate", "write", "counts", "indexes", "flip", "total"):
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
