"""``glossary suggest-mappings --from A --to B``: candidate SKOS mappings as SSSOM TSV.

From the vectors and labels stored when the two vocabularies were loaded (nothing is
encoded); see docs/mappings.md. The table goes to standard output, or to ``--output``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from glossary.cli import add_store_argument, chosen_store
from glossary.errors import InputError, StoreNotReady
from glossary.mappings.suggest import DEFAULT_EXACT_AT, DEFAULT_THRESHOLD, MAX_LIMIT


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="VOCAB",
        help="the vocabulary mapped from (its id, the SSSOM subjects)",
    )
    parser.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="VOCAB",
        help="the vocabulary mapped to (its id, the SSSOM objects)",
    )
    add_store_argument(parser)
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"lowest confidence suggested, 0 to 1 (default {DEFAULT_THRESHOLD})",
    )
    parser.add_argument(
        "--exact-at",
        type=float,
        default=DEFAULT_EXACT_AT,
        help="confidence from which a one-to-one best match is an exactMatch "
        f"(default {DEFAULT_EXACT_AT})",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"at most this many suggestions, best first (1-{MAX_LIMIT})",
    )
    parser.add_argument(
        "--format",
        choices=("tsv", "json"),
        default="tsv",
        help="tsv (SSSOM TSV with its metadata block) or json",
    )
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=None,
        metavar="FILE",
        help="write here instead of standard output",
    )
    parser.add_argument(
        "--mapping-set-id",
        default=None,
        metavar="IRI",
        help="the mapping set's IRI (default: one named after the two ids)",
    )


def run(args: argparse.Namespace) -> int:
    from glossary.mappings.sssom import mapping_set_json, write_sssom
    from glossary.mappings.suggest import suggest_mappings, to_mapping_set
    from glossary.search import SearchIndex
    from glossary.store import Store

    if args.limit is not None and not 1 <= args.limit <= MAX_LIMIT:
        raise InputError(f"--limit must be between 1 and {MAX_LIMIT}, not {args.limit}")
    store_dir = chosen_store(args)
    if not store_dir.exists():
        raise StoreNotReady(
            f"there is no store at {store_dir}",
            hint="load the two vocabularies first: glossary load FILE",
        )
    store = Store.open(store_dir, read_only=True)
    index = SearchIndex.open(store.index_dir(), wordnet=False)
    found = suggest_mappings(
        index,
        args.source,
        args.target,
        threshold=args.threshold,
        exact_at=args.exact_at,
    )
    shown = found[: args.limit] if args.limit is not None else found
    ms = to_mapping_set(
        shown,
        args.source,
        args.target,
        model=index.models[args.source],
        threshold=args.threshold,
        source_uri=store.vocabulary(args.source).uri,
        target_uri=store.vocabulary(args.target).uri,
        mapping_set_id=args.mapping_set_id,
    )
    if args.format == "json":
        body = mapping_set_json(ms, total=len(found))
        text = json.dumps(body, ensure_ascii=False, indent=2) + "\n"
    else:
        text = write_sssom(ms)
    if args.output is None:
        sys.stdout.write(text)
    else:
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"cannot write the table ({exc.strerror})", where=str(args.output)
            ) from None
    counts: dict[str, int] = {}
    for g in found:
        counts[g.predicate] = counts.get(g.predicate, 0) + 1
    summary = ", ".join(f"{n} {p}" for p, n in sorted(counts.items())) or "none"
    if len(shown) < len(found):
        summary += f"; the best {len(shown)} written (--limit)"
    print(
        f"{len(found)} suggestions from {args.source} to {args.target} "
        f"(threshold {args.threshold}): {summary}",
        file=sys.stderr,
    )
    return 0
