"""``glossary query QUERY``: run a SPARQL query against the store.

The same engine as ``/sparql`` (read-only, no network, time limit, row cap). QUERY is
the query text, ``@file.rq`` for a file, or ``-`` for standard input. Exit 0; 2 for a
bad query (the parser's message with line and column), an unreadable file, or a
format the query cannot be written in.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from glossary.cli import add_store_argument, chosen_store
from glossary.errors import InputError, NotAcceptable

FORMATS = ("table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query", metavar="QUERY",
        help="the SPARQL query, @FILE.rq to read it from a file, or - for stdin",
    )  # fmt: skip
    add_store_argument(parser)
    parser.add_argument(
        "--format", choices=FORMATS, default=None,
        help="output: table (default for SELECT/ASK), json, xml, csv, tsv; for CONSTRUCT "
        "and DESCRIBE turtle (default), nt, jsonld, xml",
    )  # fmt: skip
    parser.add_argument(
        "--endpoint", default=None, metavar="URL",
        help="query a remote SPARQL 1.1 endpoint instead of the store "
        "(default: $GLOSSARY_SPARQL_ENDPOINT)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds before the query is stopped (default 10, "
                        "$GLOSSARY_SPARQL_TIMEOUT)")  # fmt: skip
    parser.add_argument("--limit", type=int, default=None,
                        help="most rows (or triples) written (default 10000, "
                        "$GLOSSARY_SPARQL_ROW_LIMIT)")  # fmt: skip


def read_query(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        path = Path(text[1:])
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("no such query file", where=str(path)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read the query file ({exc})", where=str(path)) from None
    return text


def _table(data: dict[str, Any]) -> str:
    """SPARQL JSON results as an aligned text table (ASK: true/false)."""
    if "boolean" in data:
        return "true" if data["boolean"] else "false"
    variables = data["head"]["vars"]
    rows = []
    for binding in data["results"]["bindings"]:
        row = []
        for v in variables:
            term = binding.get(v)
            if term is None:
                row.append("")
            elif term["type"] == "literal" and "xml:lang" in term:
                row.append(f"{term['value']}@{term['xml:lang']}")
            elif term["type"] == "bnode":
                row.append(f"_:{term['value']}")
            else:
                row.append(term["value"])
        rows.append([c.replace("\n", "\\n").replace("\t", "\\t") for c in row])
    widths = [max([len(v), *(len(r[i]) for r in rows)]) for i, v in enumerate(variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(variables, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
              for r in rows]  # fmt: skip
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from glossary.sparql import (
        QueryForm,
        engine_from_settings,
        inspect_query,
        prepare,
        settings_from_env,
    )

    query = read_query(args.query)
    settings = settings_from_env()
    endpoint = args.endpoint or settings["endpoint"]
    timeout = args.timeout if args.timeout is not None else settings["timeout"]
    limit = args.limit if args.limit is not None else settings["row_limit"]
    if timeout <= 0 or limit <= 0:
        raise InputError("--timeout and --limit must be positive")

    form = inspect_query(query).form or QueryForm.SELECT
    fmt = args.format
    if fmt is None:
        fmt = "turtle" if form.is_graph else "table"
    if fmt == "table" and form.is_graph:
        raise NotAcceptable(
            f"--format table is for SELECT and ASK, not {form.value}",
            offered=["turtle", "nt", "jsonld", "xml"],
            hint="use --format turtle, nt, jsonld or xml",
        )
    request, _ = prepare(query, format_param="json" if fmt == "table" else fmt)

    store = None
    snapshot = None
    if not endpoint:
        from glossary.store import Store

        store = Store.open(chosen_store(args), read_only=True)
        snapshot = store.live_snapshot_path
    engine = engine_from_settings(endpoint=endpoint, snapshot=snapshot, timeout=timeout,
                                  row_limit=limit, workers=1,
                                  memory_quads=0)  # one query: no copy  # fmt: skip
    try:
        result = engine.execute(request)
    finally:
        engine.close()
        if store is not None:
            store.close()
    if fmt == "table":
        print(_table(json.loads(result.body)))
    else:
        sys.stdout.buffer.write(result.body)
        if not result.body.endswith(b"\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
    if result.truncated:
        print(f"glossary query: the result was cut at {result.row_limit} rows "
              "(--limit raises the cap; LIMIT/OFFSET pages)", file=sys.stderr)  # fmt: skip
    return 0
