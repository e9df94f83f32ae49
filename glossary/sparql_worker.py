"""The executor subprocess of :class:`glossary.sparql.LocalEngine`.

Run as ``python -m glossary.sparql_worker``: reads one request frame at a time on
stdin, evaluates it on the snapshot it names (opened read-only and, up to
``memory_quads`` quads, copied into memory; kept while the next requests name the same
one), serialises the whole answer, and writes one frame back on stdout. A request with
``"op": "open"`` only opens the snapshot, so that the copy is not charged to a query's
time limit. The parent kills it when it runs past the time limit; it exits by
itself when the parent closes the pipe.

:func:`evaluate` is the pure part (a store and a request in, a header and bytes out),
used here and by tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import sys
from pathlib import Path
from typing import Any

from glossary.formats import RdfFormat, ResultFormat
from glossary.sparql import (
    EXECUTOR_NICENESS,
    read_frame,
    write_frame,
    write_solutions,
    write_triples,
)


def _graph_node(iri: str) -> Any:
    import pyoxigraph

    return pyoxigraph.NamedNode(iri)


def dataset_options(request: dict[str, Any]) -> dict[str, Any]:
    """pyoxigraph ``Store.query`` keywords for the request's dataset.

    The protocol's ``default-graph-uri``/``named-graph-uri`` win over the query's
    ``FROM``/``FROM NAMED`` (pyoxigraph replaces the query's dataset with them); a
    query that names its own dataset gets exactly that; otherwise the default graph is
    the union of all graphs, as the contract says.
    """
    defaults, named = request.get("default_graphs"), request.get("named_graphs")
    if defaults is not None or named is not None:
        return {
            "default_graph": [_graph_node(g) for g in (defaults or [])],
            "named_graphs": [_graph_node(g) for g in (named or [])],
        }
    if request.get("has_dataset"):
        return {}
    return {"use_default_graph_as_union": True}


def evaluate(ox: Any, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    """Run one query on a pyoxigraph store; the answer header and its serialised body."""
    import pyoxigraph

    limit = int(request["row_limit"])
    result_format = ResultFormat[request["result_format"]]
    graph_format = RdfFormat[request["graph_format"]]
    try:
        results = ox.query(
            request["query"], base_iri=request.get("base_iri"), **dataset_options(request)
        )
        if isinstance(results, pyoxigraph.QueryBoolean):
            body = results.serialize(format=result_format.oxigraph) or b""
            kind, rows, truncated, media_type = "boolean", 1, False, result_format.media_type
        elif isinstance(results, pyoxigraph.QuerySolutions):
            body, rows, truncated = write_solutions(results, result_format, limit)
            kind, media_type = "solutions", result_format.media_type
        else:
            body, rows, truncated = write_triples(results, graph_format, limit)
            kind, media_type = "graph", graph_format.media_type
    except SyntaxError as exc:
        return {"ok": False, "error": "syntax", "message": str(exc)}, b""
    except OSError as exc:
        return {"ok": False, "error": "store", "message": str(exc)}, b""
    except (ValueError, TypeError, RuntimeError) as exc:  # evaluation errors
        return {"ok": False, "error": "eval", "message": str(exc)}, b""
    header = {"ok": True, "kind": kind, "rows": rows, "truncated": truncated,
              "row_limit": limit, "media_type": media_type}  # fmt: skip
    return header, bytes(body)


class _Snapshot:
    """The store the worker has open, reopened when the parent names another one.

    A snapshot of at most ``memory_quads`` quads is copied into an in-memory pyoxigraph
    store and the files are let go: snapshots are never modified, so the copy is exact,
    and pyoxigraph answers two to four times faster from memory than from RocksDB
    (``scripts/bench_sparql.py`` prints both). A larger one is queried on disk.
    """

    def __init__(self) -> None:
        self.path: str | None = None
        self.store: Any = None
        self.in_memory = False
        self.quads = 0
        self._lock_fd: int | None = None

    def _release(self) -> None:
        self.store = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def get(self, path: str | None, memory_quads: int = 0) -> Any:
        import pyoxigraph

        if self.store is not None and path == self.path:
            return self.store
        self._release()
        self.path = path
        self.in_memory, self.quads = False, 0
        if path is None:
            self.store = pyoxigraph.Store()  # an empty store: every query answers empty
            self.in_memory = True
            return self.store
        # A reader of glossary.store holds a shared flock on <snapshot>.readers, so the
        # store's garbage collection never deletes a snapshot still open here.
        readers = Path(path).with_name(Path(path).name + ".readers")
        if readers.exists():
            with contextlib.suppress(OSError):
                fd = os.open(readers, os.O_RDWR)
                fcntl.flock(fd, fcntl.LOCK_SH)
                self._lock_fd = fd
        disk = pyoxigraph.Store.read_only(path)
        self.quads = len(disk)  # a count of the quad index: milliseconds
        if self.quads > memory_quads:
            self.store = disk
            return disk
        memory = pyoxigraph.Store()
        for graph in disk.named_graphs():  # empty named graphs too
            memory.add_graph(graph)
        memory.extend(disk)
        del disk  # closes the files (the only reference) before the lock goes
        self._release()
        self.store, self.in_memory = memory, True
        return memory


def main() -> int:
    # The protocol owns the original stdout; anything printed goes to stderr.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    inp = sys.stdin.buffer.fileno()
    with contextlib.suppress(OSError):
        os.nice(EXECUTOR_NICENESS)
    snapshot = _Snapshot()
    while True:
        try:
            request, _ = read_frame(inp)
        except EOFError:
            return 0
        # A backstop: the parent kills this process at the deadline, but if the parent
        # itself died, nobody would. SIGALRM's default action ends the process even while
        # the query runs in Rust, without the GIL's help.
        backstop = request.get("backstop")
        if backstop:
            signal.alarm(int(backstop))
        try:
            store = snapshot.get(request.get("store"), int(request.get("memory_quads", 0)))
        except OSError as exc:
            write_frame(out, {"ok": False, "error": "store", "message": str(exc)})
            signal.alarm(0)
            continue
        if request.get("op") == "open":  # open (and copy) only, before a first query
            header: dict[str, Any] = {"ok": True, "in_memory": snapshot.in_memory,
                                      "quads": snapshot.quads}  # fmt: skip
            body = b""
        else:
            header, body = evaluate(store, request)
        write_frame(out, header, body)
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
