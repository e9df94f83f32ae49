"""``glossary export``: write a vocabulary (or all of them) to standard output."""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import os
import sys
from typing import IO, TYPE_CHECKING

from glossary.cli import add_store_argument, chosen_store
from glossary.errors import InputError

if TYPE_CHECKING:
    from glossary.store import Store

FORMATS = ("turtle", "nt", "jsonld", "xml", "nquads", "trig", "csv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument(
        "--vocab",
        metavar="ID",
        default=None,
        help="the vocabulary to write (default: all of them, merged)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="turtle",
        help="turtle (default), nt, jsonld, xml (RDF/XML); nquads or trig: each vocabulary "
        "in its named graph, with its version in urn:x-glossary:versions (what a remote "
        "store for `glossary serve --sparql-endpoint` needs); or csv: one row per concept: "
        "uri, vocab, prefLabel@<lang> per language, broader",
    )


def write_csv(store: Store, out: IO[str], vocab_id: str | None) -> int:
    """One row per concept: ``uri, vocab, prefLabel@<lang>..., broader`` (space-separated
    IRIs). Returns the number of rows."""
    from glossary.queries import named_query

    vocabs = [store.vocabulary(vocab_id)] if vocab_id else store.vocabularies()
    langs: list[str] = []
    for v in vocabs:
        for lang in v.label_counts:
            if lang not in langs:
                langs.append(lang)
    columns = [
        "uri",
        "vocab",
        *[f"prefLabel@{lang}" if lang else "prefLabel" for lang in langs],
        "broader",
    ]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    rows = 0
    query = named_query("export-concepts")
    for v in vocabs:
        solutions = store.select(query, graphs=[v.graph])
        for uri, group in itertools.groupby(solutions, key=lambda sol: sol["concept"].value):
            labels: dict[str, str] = {}
            broader: set[str] = set()
            for sol in group:
                if "label" in sol:
                    labels.setdefault(sol["label"].language or "", sol["label"].value)
                if "broader" in sol:
                    broader.add(sol["broader"].value)
            cells = [labels.get(lang, "") for lang in langs]
            writer.writerow([uri, v.id, *cells, " ".join(sorted(broader))])
            rows += 1
    return rows


def run(args: argparse.Namespace) -> int:
    from glossary.store import Store

    store = Store.open(chosen_store(args), read_only=True)
    try:
        _export(store, args)
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error; silence the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        store.close()
    return 0


def _export(store: Store, args: argparse.Namespace) -> None:
    from glossary.formats import RdfFormat

    if args.vocab:
        store.vocabulary(args.vocab)  # NotFound names the loaded ones
    elif not store.vocabularies():
        raise InputError(
            "the store holds no vocabulary",
            where=str(store.path),
            hint="load one first: glossary load FILE",
        )
    if args.format == "csv":
        text = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        write_csv(store, text, args.vocab)
        text.flush()
        text.detach()
        return
    fmt = RdfFormat.from_name(args.format)
    assert fmt is not None  # argparse restricted the choices
    store.export(sys.stdout.buffer, vocab_id=args.vocab, fmt=fmt)
    sys.stdout.buffer.flush()
