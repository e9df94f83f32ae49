"""``glossary serve``: the production HTTP service (gunicorn running ``service.create_app``).

An empty store is first filled with the bundled community glossary (compiled from
``glossary/terms``, validated, loaded as vocabulary ``community``), so a fresh
machine serves something at once. With ``--sparql-endpoint URL`` (remote mode) the
service reads everything from that SPARQL 1.1 store and keeps no store of its own:
``--store`` is then only a cache directory (counts, search indexes, dumps), created
when first needed, and nothing is loaded into it. Then this process becomes the gunicorn master
(``exec``): SIGTERM stops it cleanly. The core never imports Flask; gunicorn does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from glossary.cli import add_store_argument, chosen_store
from glossary.errors import InputError, ValidationFailed

#: The id the bundled community glossary is loaded under.
BUNDLED_VOCAB = "community"


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, not {port}")
    return port


def _count(what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number of {what}: {text!r}") from None
        if not 1 <= n <= 64:
            raise argparse.ArgumentTypeError(f"give between 1 and 64 {what}, not {n}")
        return n

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8000, help="port to listen on (8000)")
    parser.add_argument(
        "--workers",
        type=_count("workers"),
        default=os.environ.get("GLOSSARY_WORKERS", "2"),
        help="gunicorn worker processes (default: $GLOSSARY_WORKERS, else 2)",
    )
    parser.add_argument(
        "--threads",
        type=_count("threads"),
        default=os.environ.get("GLOSSARY_THREADS", "8"),
        help="request threads per worker process (default: $GLOSSARY_THREADS, else 8); "
        "a SPARQL query running to its time limit holds one",
    )
    parser.add_argument(
        "--sparql-endpoint",
        metavar="URL",
        default=os.environ.get("GLOSSARY_SPARQL_ENDPOINT") or None,
        help="remote mode: read everything (SPARQL, pages, JSON, search, dumps) from this "
        "SPARQL 1.1 endpoint (Oxigraph server, Virtuoso, Fuseki, GraphDB, QLever) instead of "
        "the embedded store, which is then only a cache directory "
        "(default: $GLOSSARY_SPARQL_ENDPOINT)",
    )


def prepare_store(store_dir: Path) -> str:
    """Fill an empty store with the bundled glossary; returns a line saying what is served."""
    from glossary.store import Store

    with Store.open(store_dir, read_only=False) as store:
        if store.is_empty():
            from glossary.compile import compile_terms

            graph = compile_terms()
            try:
                result = store.load_graph(graph, vocab_id=BUNDLED_VOCAB, source="glossary/terms")
            except ValidationFailed as exc:
                from glossary.cli.load import report_summary

                print(report_summary(exc.report), file=sys.stderr)
                raise
            except InputError:
                # Another `glossary serve` on the same store may have loaded it first.
                store.refresh(force=True)
                if store.is_empty():
                    raise
                return "another process filled the empty store; serving it"
            vocab = result.vocabularies[0]
            return (
                f"the store was empty: loaded the bundled glossary as {vocab.id!r} "
                f"({vocab.concepts} concepts)"
            )
        vocabs = store.vocabularies()
        return f"serving {len(vocabs)} vocabularies: {', '.join(v.id for v in vocabs)}"


def gunicorn_argv(host: str, port: int, workers: int, threads: int = 8) -> list[str]:
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    return [sys.executable, "-m", "gunicorn", "--config", "python:service.gunicorn_conf",
            "--bind", bind, "--workers", str(workers), "--threads", str(threads)]  # fmt: skip


def run(args: argparse.Namespace) -> int:
    endpoint = args.sparql_endpoint
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise InputError(
            f"--sparql-endpoint must be an http(s) URL, not {endpoint!r}",
            hint="e.g. --sparql-endpoint http://127.0.0.1:7878/query",
        )
    store_dir = chosen_store(args).resolve()
    if store_dir.exists() and not store_dir.is_dir():
        raise InputError("the store path is not a directory", where=str(store_dir))
    if endpoint:
        print(f"glossary serve: remote mode: every surface reads {endpoint}; {store_dir} is "
              "only a cache", file=sys.stderr)  # fmt: skip
    else:
        print(f"glossary serve: store {store_dir}: {prepare_store(store_dir)}", file=sys.stderr)
    argv = gunicorn_argv(args.host, args.port, args.workers, args.threads)
    print(f"glossary serve: http://{argv[6]}/ ({args.workers} workers, {args.threads} threads "
          "each)", file=sys.stderr)  # fmt: skip
    env = {**os.environ, "GLOSSARY_STORE": str(store_dir)}
    if args.sparql_endpoint:
        env["GLOSSARY_SPARQL_ENDPOINT"] = args.sparql_endpoint
        print(f"glossary serve: /sparql and the rest answered by {args.sparql_endpoint}",
              file=sys.stderr)  # fmt: skip
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, argv, env)
    return 0  # pragma: no cover  (execve does not return)
