#!/usr/bin/env python3
"""Validation time of every vocabulary in the shared vocabularies directory.

For each file it prints the time to parse it (pyoxigraph, as `glossary validate` and
`glossary load` do: the peer figure: the same
machine, the same moment, the same file), the time to validate it with ALL the
project's shapes, their ratio, and with --stages the time of each stage (the copy into
pyoxigraph, the per-node shapes as SPARQL, each global shape). For files up to
--pyshacl-max-triples it also validates with pySHACL running every per-node shape (the
reference engine) and prints how many times faster the default engine is. The machine
is shared, so absolute times are noisy; the ratios are the steadier figures.

Target: STW (116k triples) parsed and validated in under 10 s (issue 13: the SKOS
entailments are computed inside the shapes' SPARQL, not by an inference engine). Each
file is validated in the profile its data asks for (the `profile` column).

    .venv/bin/python scripts/bench_validate.py [DIR or FILE ...] [--stages]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary.rdfconv import to_rdflib  # noqa: E402
from glossary.rdfio import read_triples  # noqa: E402
from glossary.validate import (  # noqa: E402
    PROFILES,
    Result,
    load_shapes,
    validate_graph,
    validate_triples,
)

DEFAULT_DIR = Path(os.environ.get("GLOSSARY_VOCABULARIES", ROOT.parent / "shared" / "vocabularies"))
TARGET_FILE = "stw-9.16.ttl.gz"
TARGET_SECONDS = 10.0


def _key(r: Result) -> tuple[str, str, str, str | None, str | None]:
    return (r.shape, r.severity, r.focus_node, r.path, r.value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DIR])
    parser.add_argument("--stages", action="store_true", help="print the time of each stage")
    parser.add_argument(
        "--pyshacl-max-triples",
        type=int,
        default=30_000,
        metavar="N",
        help="also time the pySHACL reference engine on files up to N triples (0: never)",
    )
    args = parser.parse_args()
    files: list[Path] = []
    for p in args.paths:
        files += sorted(p.glob("*.ttl.gz")) + sorted(p.glob("*.ttl")) if p.is_dir() else [p]

    start = time.perf_counter()
    for profile in PROFILES:
        shapes = load_shapes(profile=profile)
        print(
            f"shapes ({profile} profile): {len(shapes.names)} "
            f"({len(shapes.core) - len(shapes.untranslated)} per-node as SPARQL, "
            f"{len(shapes.untranslated)} per-node in pySHACL, {len(shapes.global_shapes)} run "
            f"once as SPARQL, {len(shapes.targeted)} of them with targets), "
            f"loaded in {time.perf_counter() - start:.2f} s"
        )
    header = (
        f"{'file':36} {'triples':>8} {'parse s':>8} {'validate s':>10} {'ratio':>6} "
        f"{'total s':>8} {'viol.':>6} {'warn.':>7} {'profile':>8}"
    )
    print(header)
    print("-" * len(header))
    sum_parse = sum_validate = 0.0
    verdict = None
    for f in files:
        t0 = time.perf_counter()
        triples = read_triples(f)
        t_parse = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = validate_triples(triples)
        t_validate = time.perf_counter() - t0
        sum_parse += t_parse
        sum_validate += t_validate
        violations = report.count(severity="Violation")
        warnings = report.count(severity="Warning")
        ratio = t_validate / t_parse
        print(
            f"{f.name:36} {len(triples):8,} {t_parse:8.2f} {t_validate:10.2f} "
            f"{ratio:6.2f} {t_parse + t_validate:8.2f} {violations:6,} {warnings:7,} "
            f"{report.profile:>8}",
            flush=True,
        )
        if len(triples) <= args.pyshacl_max_triples:
            graph = to_rdflib(triples)
            t0 = time.perf_counter()
            reference = validate_graph(graph, engine="pyshacl")
            t_ref = time.perf_counter() - t0
            same = [_key(r) for r in reference.results] == [_key(r) for r in report.results]
            print(
                f"    pySHACL reference engine: {t_ref:.2f} s, {t_ref / t_validate:.1f} x slower; "
                f"same results: {'yes' if same else 'NO'}"
            )
        if args.stages:
            stages = ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items())
            print(f"    stages (s): {stages}")
        if f.name == TARGET_FILE:
            total = t_parse + t_validate
            verdict = (
                f"{TARGET_FILE}: parse + validate {total:.1f} s "
                f"({'within' if total < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f} s "
                f"target); validation is {t_validate / t_parse:.2f} x its parse time"
            )
    print("-" * len(header))
    print(
        f"{'all ' + str(len(files)) + ' files':36} {'':8} {sum_parse:8.2f} {sum_validate:10.2f} "
        f"{sum_validate / sum_parse if sum_parse else 0:6.2f} {sum_parse + sum_validate:8.2f}"
    )
    if verdict:
        print(verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
