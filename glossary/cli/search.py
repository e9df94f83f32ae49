"""``glossary search TEXT``: label search, or related terms by meaning with ``--semantic``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from glossary.cli import add_store_argument, chosen_store
from glossary.errors import StoreNotReady


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", metavar="TEXT", help="letters to search labels for, or a "
                        "description of what you look for (with --semantic)")  # fmt: skip
    add_store_argument(parser)
    parser.add_argument(
        "--semantic",
        action="store_true",
        help="related terms by meaning (hybrid: an exact label match first)",
    )
    parser.add_argument("--limit", type=int, default=10, help="how many results (1-100)")
    parser.add_argument("--offset", type=int, default=0, help="skip this many (label search)")
    parser.add_argument("--lang", default=None,
                        help="only labels in this language (en also matches en-GB)")  # fmt: skip
    parser.add_argument("--vocab", default=None, help="only this vocabulary (its id)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (a table) or json (as GET /api/search)")  # fmt: skip
    parser.add_argument("--index-dir", type=Path, default=None, help=argparse.SUPPRESS)


def _index_dir(args: argparse.Namespace) -> Path:
    if args.index_dir is not None:
        return Path(args.index_dir)
    store_dir = chosen_store(args)
    if not store_dir.exists():
        raise StoreNotReady(
            f"there is no store at {store_dir}",
            hint="load a vocabulary first: glossary load FILE --store DIR",
        )
    from glossary.store import Store

    return Store.open(store_dir, read_only=True).index_dir()


def run(args: argparse.Namespace) -> int:
    from glossary.search import SearchIndex

    index = SearchIndex.open(_index_dir(args))
    if not index.vocabs:
        raise StoreNotReady("the store has no search index yet",
                            hint="load a vocabulary first: glossary load FILE")  # fmt: skip
    if args.semantic:
        hits = index.related(q=args.text, k=args.limit, vocab=args.vocab, lang=args.lang)
    else:
        hits = index.search(args.text, lang=args.lang, vocab=args.vocab, limit=args.limit,
                            offset=args.offset)  # fmt: skip
    if args.format == "json":
        print(json.dumps({"results": [h.to_json() for h in hits]}, ensure_ascii=False, indent=2))
        return 0
    if not hits:
        print("no results")
        return 0
    for h in hits:
        matched = ""
        if h.matched_label is not None and h.matched_label != h.pref_label:
            matched = f"  (matched {h.match_type} {h.matched_label!r}" + (
                f"@{h.lang})" if h.lang else ")"
            )
        print(f"{h.score:.3f}  {h.pref_label}{matched}  [{h.vocab}]  <{h.uri}>")
    return 0
