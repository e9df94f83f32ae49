"""``glossary load FILE...``: validate, then load one vocabulary per file into the store."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from glossary.cli import add_store_argument, chosen_store
from glossary.errors import ValidationFailed

#: How many validation results a summary shows before "... and N more".
SUMMARY_RESULTS = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="RDF files (Turtle, RDF/XML, JSON-LD, N-Triples, TriG, N-Quads; "
        "optionally .gz), one vocabulary each",
    )
    add_store_argument(parser)
    parser.add_argument(
        "--vocab",
        metavar="ID",
        default=None,
        help="the vocabulary id (only with one file; default: derived from "
        "the file name, e.g. stw-9.16.ttl.gz -> stw-9-16)",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="replace a vocabulary already loaded under the same id",
    )
    parser.add_argument(
        "--allow-invalid",
        action="store_true",
        help="load even if the data violates the shapes (prints the report)",
    )


def report_summary(report: Any, limit: int = SUMMARY_RESULTS) -> str:
    """A few lines: the counts per severity, then the first ``limit`` results."""
    results = list(getattr(report, "results", []))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.severity] = counts.get(r.severity, 0) + 1
    head = ", ".join(
        f"{n} {sev.lower()}{'s' if n != 1 else ''}" for sev, n in sorted(counts.items())
    )
    profile = getattr(report, "profile", None)
    applied = f" (profile {profile})" if profile else ""
    lines = [f"validation{applied}: {head or 'no results'}"]
    for r in results[:limit]:
        path = f" {r.path}" if r.path else ""
        lines.append(f"  {r.severity}: {r.focus_node}{path}: {r.message}")
    if len(results) > limit:
        lines.append(f"  ... and {len(results) - limit} more (glossary validate FILE for all)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from glossary.store import Store

    store_dir = chosen_store(args)
    store = Store.open(store_dir, read_only=False)
    try:
        result = store.load(
            args.files, vocab_id=args.vocab, replace=args.replace, allow_invalid=args.allow_invalid
        )
    except ValidationFailed as exc:
        if exc.report is not None:
            print(report_summary(exc.report), file=sys.stderr)
        raise
    finally:
        store.close()
    for vocab in result.vocabularies:
        report = result.reports.get(vocab.id)
        if report is not None and not report.conforms:
            print(report_summary(report), file=sys.stderr)
            print(
                f"warning: {vocab.id} violates the shapes; loaded anyway (--allow-invalid)",
                file=sys.stderr,
            )
        langs = ", ".join(vocab.languages) or "no language tags"
        print(
            f"loaded {vocab.id}: {vocab.concepts:,} concepts, {vocab.triples:,} triples "
            f"({langs}) from {vocab.source}"
        )
    print(f"store {store_dir}: snapshot {result.snapshot} is live")
    return 0
