"""User SPARQL, safely: read-only, no network, a time limit and a row cap.

Everything user SPARQL (``/sparql``, ``glossary query``) goes through an :class:`Engine`:

- :class:`LocalEngine` evaluates on the store's live snapshot, in a small pool of
  executor subprocesses (:mod:`glossary.sparql_worker`). pyoxigraph's Python API has no
  query timeout, so the parent waits on a pipe with a deadline and SIGKILLs a child that
  runs past it (a fresh one replaces it). The child evaluates *and serialises*, so the
  whole answer exists before a byte goes out: a timeout is always a clean error, never
  a truncated 200.
- :class:`glossary.sparql_remote.RemoteEngine` forwards to another SPARQL 1.1 endpoint
  (Oxigraph server, Virtuoso, GraphDB, QLever, Fuseki) with the same semantics.

Both refuse updates and ``SERVICE`` before anything runs (:func:`check_query`):
pyoxigraph *does* send ``SERVICE`` requests over HTTP (verified with a loopback
listener), and a remote store would too. ``FROM``/``FROM NAMED`` never fetch: they pick
graphs of the store (pyoxigraph resolves them locally).

>>> inspect_query("PREFIX s: <x:> SELECT * WHERE { ?s ?p 'SERVICE' }").form
<QueryForm.SELECT: 'SELECT'>
>>> choose_format(QueryForm.CONSTRUCT, "text/turtle;q=0.5, application/ld+json")
(<RdfFormat.JSONLD: ...>, 'application/ld+json')
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from pathlib import Path
from typing import IO, Any, Protocol

from glossary.errors import (
    BadQuery,
    EngineBusy,
    GlossaryError,
    NotAcceptable,
    QueryTimeout,
    StoreError,
)
from glossary.formats import RdfFormat, ResultFormat
from glossary.negotiation import choose_requested

#: Defaults of the settings (each also an environment variable / app config key).
DEFAULT_TIMEOUT = 10.0  # GLOSSARY_SPARQL_TIMEOUT, seconds
DEFAULT_ROW_LIMIT = 10_000  # GLOSSARY_SPARQL_ROW_LIMIT, rows (or triples)
DEFAULT_WORKERS = 2  # GLOSSARY_SPARQL_WORKERS, executor subprocesses per service process
#: GLOSSARY_SPARQL_QUEUE: queries that may wait for a busy executor, per service
#: process; one more is refused at once (503, Retry-After). A waiting query holds one of
#: the process's request threads, so executors plus queue must stay below the threads
#: (GLOSSARY_THREADS, 32: 6 left) for pages and search to keep answering while SPARQL
#: runs to its time limit. scripts/load_test.py: with a queue of 2, 16 clients of a
#: mixed load already met "busy" now and then; with 8, 64 clients did during a reload
#: on a saturated machine.
DEFAULT_QUEUE = 24
#: Executors run this much nicer than the service (os.nice): a query that runs to its
#: time limit yields the CPU to pages, search and /health on a busy machine.
EXECUTOR_NICENESS = 10
#: GLOSSARY_SPARQL_MEMORY_TRIPLES: a live snapshot of at most this many quads is copied
#: into each executor's memory (about 300 bytes a quad); a larger one is read on disk.
DEFAULT_MEMORY_QUADS = 1_000_000
#: Seconds an executor may take to open (and copy into memory) a new snapshot: not
#: charged to the query that waits for it, but bounded all the same.
OPEN_TIMEOUT = 120.0
#: Seconds past its time limit after which a worker ends itself if nobody killed it
#: (the parent died): SIGALRM, whose default action works even inside Rust code.
BACKSTOP_GRACE = 5
#: The longest query text accepted (bytes): longer is a mistake or an attack.
MAX_QUERY_BYTES = 1_000_000

#: The note put in a truncated SPARQL JSON/XML result's ``head`` (``link``).
TRUNCATED_LINK = "urn:x-glossary:result-truncated"


class QueryForm(Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def is_graph(self) -> bool:
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


# --------------------------------------------------------------------------- lexing

# Strings, IRIs, comments and escaped characters of local names, in the order SPARQL's
# lexer sees them (leftmost first). Replacing them leaves only keywords, names,
# variables and punctuation, where a keyword cannot hide.
_OPAQUE = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | '''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
    | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
    | '(?:[^'\\\n\r]|\\.)*'
    | "(?:[^"\\\n\r]|\\.)*"
    | <(?P<iri>[^<>"{}|^`\\\x00-\x20]*)>
    | \\.
    """,
    re.VERBOSE | re.DOTALL,
)
# A keyword is not part of a name: not after a name character, ':', '?', '$' or '-',
# not before a name character, ':' or '-' (``ex:service``, ``?from``, ``service:x``).
_KEYWORD = re.compile(
    r"(?<![\w:?$\-])(SELECT|ASK|CONSTRUCT|DESCRIBE|SERVICE|FROM|INSERT|DELETE|LOAD|CLEAR"
    r"|DROP|CREATE|ADD|MOVE|COPY|WITH|DEFINE)(?![\w:\-])",
    re.IGNORECASE,
)
_FORMS = {f.value for f in QueryForm}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                 "COPY", "WITH"}  # fmt: skip


# Virtuoso's built-in namespaces: bif: and sql: functions run server-side code (some
# read files or fetch URLs), so a query naming them is refused before it is forwarded.
_VENDOR_PREFIX = re.compile(r"(?<![\w:?$\-])(bif|sql):", re.IGNORECASE)
_VENDOR_IRI = re.compile(r"^(bif|sql):", re.IGNORECASE)


def _strip_opaque(text: str) -> tuple[str, list[str]]:
    """The text without strings, IRIs and comments; and the IRIs it held."""
    iris: list[str] = []

    def repl(m: re.Match[str]) -> str:
        if m.group("comment") is not None:
            return " "
        if m.group("iri") is not None:
            iris.append(m.group("iri"))
        return " _ "

    return _OPAQUE.sub(repl, text), iris


@dataclass(frozen=True)
class QueryInfo:
    """What the lexer can tell about a query without running it."""

    form: QueryForm | None  # None: not a query (an update, or not SPARQL at all)
    uses_service: bool
    has_dataset: bool  # FROM / FROM NAMED in the query
    first_keyword: str | None
    vendor_extension: str | None = None  # DEFINE pragmas, bif:/sql: functions (Virtuoso)
    updates: bool = False  # starts like an update (INSERT, LOAD, CLEAR, ...)


def inspect_query(text: str) -> QueryInfo:
    """The form of a query and the clauses that matter for safety, by lexing only.

    Keywords inside strings, IRIs and comments do not count; a false alarm is
    possible only for contrived local names (``ex:a.SERVICE``), never a miss.

    >>> inspect_query('SELECT * FROM <g> { ?s ?p "FROM" } # SERVICE').has_dataset
    True
    >>> inspect_query('SELECT * { SERVICE <http://x/> { ?s ?p ?o } }').uses_service
    True
    """
    info = _inspect(text)
    if "\\u" in text or "\\U" in text:
        # SPARQL 1.1 (19.2) lets \uXXXX escapes stand anywhere in a query, decoded before
        # parsing; pyoxigraph decodes them only in strings, other stores everywhere
        # (SERVIC\u0045). Safety checks count what either reading would see.
        decoded = _inspect(_CODEPOINT.sub(_decode_codepoint, text))
        info = QueryInfo(
            form=info.form,
            uses_service=info.uses_service or decoded.uses_service,
            has_dataset=info.has_dataset,
            first_keyword=info.first_keyword,
            vendor_extension=info.vendor_extension or decoded.vendor_extension,
            updates=info.updates or decoded.updates,
        )
    return info


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _decode_codepoint(m: re.Match[str]) -> str:
    try:
        return chr(int(m.group(1) or m.group(2), 16))
    except ValueError:  # beyond U+10FFFF: left as it was
        return m.group(0)


def _inspect(text: str) -> QueryInfo:
    stripped, iris = _strip_opaque(text)
    words = [m.group(1).upper() for m in _KEYWORD.finditer(stripped)]
    vendor = None
    if "DEFINE" in words:
        vendor = "DEFINE"
    elif m := _VENDOR_PREFIX.search(stripped):
        vendor = m.group(0)
    elif any(_VENDOR_IRI.match(iri) for iri in iris):
        vendor = next(iri for iri in iris if _VENDOR_IRI.match(iri))
    form = None
    first = words[0] if words else None
    if first in _FORMS:
        form = QueryForm(first)
    return QueryInfo(
        form=form,
        uses_service="SERVICE" in words,
        has_dataset="FROM" in words,
        first_keyword=first,
        vendor_extension=vendor,
        updates=first in _UPDATE_WORDS,
    )


def check_query(text: str) -> QueryInfo:
    """Refuse what a read-only, closed endpoint must not run; return what was learnt.

    Raises :class:`BadQuery` for an update (``INSERT``, ``LOAD``, ``CLEAR``...), for
    ``SERVICE`` (federation would make the service fetch from the network), for
    store-specific extensions that can reach files or the network (Virtuoso's
    ``DEFINE`` pragmas such as ``get:soft``, its ``bif:``/``sql:`` functions), and for
    an empty or oversized query.
    """
    if not text.strip():
        raise BadQuery("the query is empty", hint="send a SPARQL query in the query parameter")
    if len(text.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise BadQuery(
            f"the query is longer than {MAX_QUERY_BYTES:,} bytes",
            hint="shorten it (large VALUES blocks are better split into several queries)",
        )
    info = inspect_query(text)
    if info.form is None and info.updates:
        raise BadQuery(
            "SPARQL updates are refused: this endpoint is read-only",
            hint="load data with `glossary load FILE` on the server instead",
        )
    if info.uses_service:
        raise BadQuery(
            "SERVICE (federated query) is refused: this endpoint never makes network requests",
            hint="query the other endpoint yourself and combine the results, or load its "
            "data into the store",
        )
    if info.vendor_extension:
        raise BadQuery(
            f"{info.vendor_extension!r} is a store-specific extension (Virtuoso pragmas and "
            "bif:/sql: functions), refused: they can read files or fetch from the network",
            hint="use standard SPARQL 1.1 only",
        )
    return info


# --------------------------------------------------------------------------- formats

_RESULT_OFFERS: list[tuple[str, ResultFormat]] = [
    *[(f.media_type, f) for f in ResultFormat],
    *[(mt, f) for f in ResultFormat for mt in f.media_types[1:]],
]
GRAPH_FORMATS = (RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.JSONLD, RdfFormat.RDFXML)
_GRAPH_OFFERS: list[tuple[str, RdfFormat]] = [
    *[(f.media_type, f) for f in GRAPH_FORMATS],
    *[(mt, f) for f in GRAPH_FORMATS for mt in f.media_types[1:]],
]
#: The short names clients put in ``format=``/``output=``/``results=`` (SPARQLWrapper,
#: Virtuoso, Fuseki and the RDF tools' own names), as media types. A bare subtype
#: (``rdf+xml``, ``turtle``, ``csv``) is understood without being listed.
RESULT_NAMES: dict[str, str] = {
    "json": "application/sparql-results+json", "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml", "srx": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values",
}  # fmt: skip
GRAPH_NAMES: dict[str, str] = {
    **{name: f.media_type for name, f in RdfFormat.names().items()},
    "n3": RdfFormat.TURTLE.media_type,  # Turtle is N3 (SPARQLWrapper's N3 takes Turtle)
    "json": RdfFormat.JSONLD.media_type,  # JSON for a graph: JSON-LD
}

Format = ResultFormat | RdfFormat


def offers(form: QueryForm) -> list[tuple[str, Format]]:
    """The media types a query of this form can be answered in, preferred first.

    ASK is offered in CSV and TSV too (the protocol allows any results format; the
    answer is the word ``true`` or ``false``), as clients ask for it.
    """
    if form.is_graph:
        return list(_GRAPH_OFFERS)
    return list(_RESULT_OFFERS)


def choose_format(
    form: QueryForm, accept: str | None, format_param: str | Sequence[str] | None = None
) -> tuple[Format, str]:
    """The format and media type to answer a query of ``form`` in.

    ``format_param``: the values of ``format=`` (and ``output=``, ``results=``), each a
    name such as ``json``, ``csv``, ``turtle``, ``n3``, ``rdf+xml``, ``jsonld`` or a
    media type. The first that names an offer wins over ``accept``; ``xml`` means
    SPARQL XML for SELECT/ASK and RDF/XML for CONSTRUCT/DESCRIBE. Values that name
    nothing offered leave the choice to ``accept``
    (:func:`glossary.negotiation.choose_requested`). Raises :class:`NotAcceptable`
    listing what is offered when neither gives anything offered.

    >>> choose_format(QueryForm.SELECT, None)
    (<ResultFormat.JSON: ...>, 'application/sparql-results+json')
    >>> choose_format(QueryForm.SELECT, "text/html", "csv")
    (<ResultFormat.CSV: ...>, 'text/csv')
    >>> choose_format(QueryForm.CONSTRUCT, "application/rdf+xml", ["rdf+xml", "yaml"])
    (<RdfFormat.RDFXML: ...>, 'application/rdf+xml')
    """
    offered = offers(form)
    if format_param is None:
        requested: list[str] = []
    elif isinstance(format_param, str):
        requested = [format_param]
    else:
        requested = list(format_param)
    names = GRAPH_NAMES if form.is_graph else RESULT_NAMES
    chosen = choose_requested(requested, accept, [mt for mt, _ in offered], names)
    if chosen is None:
        asked = [f"Accept ({accept})"]
        if any(v.strip() for v in requested):
            asked.insert(0, "format=" + ", ".join(repr(v) for v in requested if v.strip()))
        raise NotAcceptable(
            f"none of the formats asked for ({' nor '.join(asked)}) is offered for "
            f"{form.value} queries",
            offered=_unique_media_types(offered),
            hint="accept one of the offered types, or pass format= ("
            + ", ".join(_format_names(form))
            + ")",
        )
    return dict(offered)[chosen], chosen


def _unique_media_types(offered: list[tuple[str, Format]]) -> list[str]:
    return list(dict.fromkeys(mt for mt, _ in offered))


def _format_names(form: QueryForm) -> list[str]:
    if form.is_graph:
        return ["turtle", "nt", "jsonld", "xml"]
    return ["json", "xml", "csv", "tsv"]


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type (text types say their charset)."""
    if media_type.startswith("text/"):
        return f"{media_type}; charset=utf-8"
    return media_type


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class QueryRequest:
    """One query to run, with its protocol dataset and the formats to answer in.

    ``default_graphs``/``named_graphs`` are the protocol's ``default-graph-uri`` and
    ``named-graph-uri`` (None when not given). ``result_format`` is used if the query
    turns out to be SELECT/ASK, ``graph_format`` if CONSTRUCT/DESCRIBE.
    """

    query: str
    result_format: ResultFormat = ResultFormat.JSON
    graph_format: RdfFormat = RdfFormat.TURTLE
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    has_dataset: bool = False  # the query has FROM / FROM NAMED
    form: QueryForm | None = None  # as the lexer sees it
    base_iri: str | None = None  # resolves relative IRIs (the protocol: the endpoint's URL)
    timeout: float | None = None  # None: the engine's own
    row_limit: int | None = None  # None: the engine's own

    def to_wire(self, *, snapshot: str | None, row_limit: int) -> dict[str, Any]:
        return {
            "store": snapshot,
            "query": self.query,
            "result_format": self.result_format.name,
            "graph_format": self.graph_format.name,
            "default_graphs": list(self.default_graphs) if self.default_graphs is not None
            else None,
            "named_graphs": list(self.named_graphs) if self.named_graphs is not None else None,
            "has_dataset": self.has_dataset,
            "base_iri": self.base_iri,
            "row_limit": row_limit,
        }  # fmt: skip


@dataclass
class QueryResult:
    """A complete, serialised answer."""

    body: bytes
    media_type: str
    kind: str  # "solutions" | "boolean" | "graph"
    rows: int  # solutions or triples written (1 for ASK)
    truncated: bool = False
    row_limit: int = DEFAULT_ROW_LIMIT
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    """What ``/sparql`` and ``glossary query`` need from a SPARQL engine."""

    timeout: float
    row_limit: int

    def execute(self, request: QueryRequest) -> QueryResult: ...

    def named_graphs(self) -> list[str]: ...

    def close(self) -> None: ...


def prepare(
    query: str,
    *,
    accept: str | None = None,
    format_param: str | Sequence[str] | None = None,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    base_iri: str | None = None,
) -> tuple[QueryRequest, str]:
    """Check a user query and negotiate its format: the request and the media type.

    The media type is for the form the lexer sees; the engine answers in the format
    for the form the query really has.
    """
    info = check_query(query)
    form = info.form or QueryForm.SELECT  # not a query: the parser will say why
    fmt, media_type = choose_format(form, accept, format_param)
    result_format = fmt if isinstance(fmt, ResultFormat) else ResultFormat.JSON
    graph_format = fmt if isinstance(fmt, RdfFormat) else RdfFormat.TURTLE
    req = QueryRequest(
        query=query,
        result_format=result_format,
        graph_format=graph_format,
        default_graphs=tuple(default_graphs) if default_graphs is not None else None,
        named_graphs=tuple(named_graphs) if named_graphs is not None else None,
        has_dataset=info.has_dataset,
        form=info.form,
        base_iri=base_iri,
    )
    return req, media_type


def result_from_wire(header: dict[str, Any], body: bytes, *, media_type: str | None = None
                     ) -> QueryResult:  # fmt: skip
    """Turn a worker's answer into a :class:`QueryResult` or the error it reports."""
    if not header.get("ok"):
        kind = header.get("error")
        message = str(header.get("message", "unknown error"))
        if kind == "syntax":
            raise BadQuery(
                f"the query cannot be parsed: {message}",
                where=_position(message),
                hint="fix the query at that line and column",
            )
        if kind == "store":
            raise StoreError(f"the store cannot be read: {message}")
        raise BadQuery(f"the query cannot be evaluated: {message}")
    return QueryResult(
        body=body,
        media_type=media_type or header["media_type"],
        kind=header["kind"],
        rows=int(header["rows"]),
        truncated=bool(header["truncated"]),
        row_limit=int(header["row_limit"]),
    )


def _position(message: str) -> str | None:
    m = re.search(r"at (\d+):(\d+)", message)
    return f"query:{m.group(1)}:{m.group(2)}" if m else None


# --------------------------------------------------------------------------- the pool

_FRAME = struct.Struct(">II")


def write_frame(stream: IO[bytes], header: dict[str, Any], body: bytes = b"") -> None:
    """One message on a pipe: two lengths, a JSON header, a raw body."""
    head = json.dumps(header).encode("utf-8")
    stream.write(_FRAME.pack(len(head), len(body)) + head + body)
    stream.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("the query worker closed its pipe")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> tuple[dict[str, Any], bytes]:
    head_len, body_len = _FRAME.unpack(_read_exact(fd, _FRAME.size, deadline))
    header = json.loads(_read_exact(fd, head_len, deadline))
    body = _read_exact(fd, body_len, deadline) if body_len else b""
    return header, body


class _Worker:
    def __init__(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "glossary.sparql_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
            start_new_session=True,  # a Ctrl-C in a terminal goes to the parent only
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.fd = self.proc.stdout.fileno()
        self.opened: tuple[str | None] | None = None  # (snapshot,) once it has one open
        self.in_memory = False  # that snapshot was copied into the worker's memory

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


class WorkerPool:
    """Executor subprocesses, started on demand, at most ``size`` at a time.

    A request waits (within its deadline) for an idle worker, if fewer than ``queue``
    requests are waiting already (else :class:`EngineBusy` at once); a worker that runs
    past the deadline, or dies, is killed and forgotten, and the next request starts a
    new one. Thread-safe (gunicorn gthread workers, Flask's threaded dev server).
    """

    def __init__(self, size: int = DEFAULT_WORKERS, *, queue: int = DEFAULT_QUEUE) -> None:
        if size < 1:
            raise ValueError("a worker pool needs at least one worker")
        if queue < 0:
            raise ValueError("a worker pool's queue cannot be negative")
        self.size = size
        self.queue = queue
        self._waiting = 0
        self._idle: list[_Worker] = []
        self._live = 0
        self._cond = threading.Condition()
        self._closed = False
        # Every live worker, strongly held, so the finalizer (garbage collection of the
        # pool, or interpreter exit) can kill them all and reap them.
        self._workers: set[_Worker] = set()
        self.killed = 0  # workers killed for running past their deadline
        # A refresh (a new snapshot) adds one worker beyond ``size`` at a time and retires
        # a worker on another snapshot for each, so capacity never drops meanwhile.
        self._current: tuple[str | None] | None = None
        self._retire = 0
        self._refreshing = threading.Lock()
        weakref.finalize(self, WorkerPool._kill_all, self._workers)

    @staticmethod
    def _kill_all(workers: set[_Worker]) -> None:
        for w in list(workers):
            w.kill()
        workers.clear()

    def _acquire(
        self, deadline: float, target: tuple[str | None], accept: set[tuple[str | None]]
    ) -> _Worker:
        """An idle worker, best one that has ``target`` open, then one with a snapshot of
        ``accept``, then any (which opens ``target``); a new one while fewer than
        ``size`` live; else wait in the queue, or refuse when it is full."""
        with self._cond:
            while True:
                if self._closed:
                    raise StoreError("the SPARQL engine is shut down")
                if self._idle:
                    for wanted in (target, *accept):
                        for w in reversed(self._idle):
                            if w.opened == wanted:
                                self._idle.remove(w)
                                return w
                    return self._idle.pop()
                if self._live < self.size:
                    self._live += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                if self._waiting >= self.queue:
                    raise EngineBusy(
                        f"all {self.size} SPARQL executors of this service process are "
                        f"busy and {self._waiting} queries are waiting",
                        hint="retry in a moment (Retry-After), or make the query cheaper",
                    )
                self._waiting += 1
                try:
                    self._cond.wait(left)
                finally:
                    self._waiting -= 1
        try:
            w = _Worker()
        except OSError as exc:
            with self._cond:
                self._live -= 1
                self._cond.notify()
            raise StoreError(f"cannot start a query worker: {exc}") from None
        with self._cond:
            self._workers.add(w)
        return w

    def _release(self, w: _Worker) -> None:
        with self._cond:
            if self._closed:
                w.kill()
                self._workers.discard(w)
                return
            self._idle.append(w)
            self._retire_stale()
            self._cond.notify()

    def _retire_stale(self) -> None:
        """Kill idle workers on an old snapshot that a refresh replaced (under _cond)."""
        for w in [w for w in self._idle if w.opened != self._current]:
            if self._retire <= 0:
                return
            self._idle.remove(w)
            self._workers.discard(w)
            self._live -= 1
            self._retire -= 1
            w.kill()

    def _discard(self, w: _Worker) -> None:
        w.kill()
        with self._cond:
            self._workers.discard(w)
            self._live -= 1
            self._cond.notify()

    def run(
        self, message: dict[str, Any], timeout: float, *, accept: Sequence[str | None] = ()
    ) -> tuple[dict[str, Any], bytes]:
        """Send one request to a worker; its answer, or TimeoutError after ``timeout``.

        A worker that already has a snapshot of ``accept`` open (the version before a
        load, while :meth:`refresh` readies the new one) may answer from it instead of
        opening the message's own.

        The time spent waiting for a worker counts against ``timeout``. A worker that
        has not yet opened the request's snapshot is first asked to (an ``open``
        request, within :data:`OPEN_TIMEOUT`), which does not count.
        """
        asked = time.monotonic()
        target = (message.get("store"),)
        ok = {(a,) for a in accept}
        w = self._acquire(asked + timeout, target, ok)
        waited = time.monotonic() - asked  # in the queue: counts against the limit
        try:
            if w.opened != target and w.opened in ok:
                message = {**message, "store": w.opened[0]}  # answered from that version
            elif w.opened != target:
                self._open(w, message)
            deadline = time.monotonic() + max(0.0, timeout - waited)
            write_frame(w.stdin, message)
            header, body = read_frame(w.fd, deadline)
        except TimeoutError:
            self.killed += 1
            self._discard(w)
            raise
        except (OSError, EOFError, ValueError, struct.error) as exc:
            self._discard(w)
            raise StoreError(f"the query worker failed ({exc})") from None
        except StoreError:
            self._discard(w)
            raise
        self._release(w)
        return header, body

    def warm(self, message: dict[str, Any]) -> int:
        """Start workers up to the pool's size and have every idle one open the snapshot
        ``message`` names (copying it into memory), so that queries do not wait for it.
        Workers busy with a query are left alone. Returns how many were opened."""
        key = (message.get("store"),)
        opened = 0
        while True:
            with self._cond:
                if self._closed:
                    return opened
                stale = [w for w in self._idle if w.opened != key]
                if stale:
                    w: _Worker | None = stale[0]
                    self._idle.remove(stale[0])
                elif self._live < self.size:
                    self._live += 1
                    w = None
                else:
                    return opened
            if w is None:
                try:
                    w = _Worker()
                except OSError:
                    with self._cond:
                        self._live -= 1
                        self._cond.notify()
                    return opened
                with self._cond:
                    self._workers.add(w)
            try:
                self._open(w, message)
            except (StoreError, OSError, EOFError, ValueError, struct.error):
                self._discard(w)
                return opened
            self._release(w)
            if w.opened != key:  # the store could not be opened: the next query will say
                return opened
            opened += 1

    def refresh(self, message: dict[str, Any]) -> int:
        """Ready every worker for the snapshot ``message`` names without lowering
        capacity: start one extra worker, open the snapshot in it, put it to work, and
        retire one worker on another snapshot (now if idle, else when it finishes);
        repeat until none is left. Returns how many were opened."""
        key = (message.get("store"),)
        opened = 0
        with self._refreshing:
            with self._cond:
                self._current = key
                self._retire = 0
            while True:
                with self._cond:
                    stale = sum(1 for w in self._workers if w.opened != key) - self._retire
                    if self._closed or self._current != key or stale <= 0:
                        return opened
                    self._live += 1
                try:
                    w = _Worker()
                except OSError:
                    with self._cond:
                        self._live -= 1
                    return opened
                with self._cond:
                    self._workers.add(w)
                try:
                    self._open(w, message)
                except (StoreError, OSError, EOFError, ValueError, struct.error):
                    self._discard(w)
                    return opened
                opened += 1
                with self._cond:
                    self._retire += 1
                    self._idle.append(w)
                    self._retire_stale()
                    self._cond.notify()

    def _open(self, w: _Worker, message: dict[str, Any]) -> None:
        request = {"op": "open", "store": message.get("store"),
                   "memory_quads": message.get("memory_quads", 0),
                   "backstop": math.ceil(OPEN_TIMEOUT) + BACKSTOP_GRACE}  # fmt: skip
        write_frame(w.stdin, request)
        try:
            header, _ = read_frame(w.fd, time.monotonic() + OPEN_TIMEOUT)
        except TimeoutError:
            raise StoreError(
                f"a query worker took longer than {_seconds(OPEN_TIMEOUT)} to open the store",
                hint="lower GLOSSARY_SPARQL_MEMORY_TRIPLES so that large stores are "
                "queried on disk",
            ) from None
        if header.get("ok"):  # else the query that follows reports the store's error
            w.opened = (message.get("store"),)
            w.in_memory = bool(header.get("in_memory"))

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for w in idle:
            w.kill()
            with self._cond:
                self._workers.discard(w)


class LocalEngine:
    """User SPARQL on the embedded store, in executor subprocesses.

    ``snapshot`` returns the directory of the live snapshot to open read-only (None
    for an empty store); it is asked before every query, so a new snapshot is picked
    up at once. With a :class:`glossary.store.Store` use :func:`engine_for_store`.
    Each executor copies a snapshot of at most ``memory_quads`` quads into memory the
    first time it meets it (0: always query on disk, as a one-off query should).
    """

    def __init__(
        self,
        snapshot: Callable[[], Path | None],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        row_limit: int = DEFAULT_ROW_LIMIT,
        workers: int = DEFAULT_WORKERS,
        queue: int = DEFAULT_QUEUE,
        memory_quads: int = DEFAULT_MEMORY_QUADS,
    ) -> None:
        self.snapshot = snapshot
        self.timeout = float(timeout)
        self.row_limit = int(row_limit)
        self.memory_quads = int(memory_quads)
        self.pool = WorkerPool(workers, queue=queue)
        self._warmed: tuple[str | None] | None = None  # the snapshot last warmed for
        # After a load: the version queries may still be answered from while the
        # executors are readied for the new one (None: no such version).
        self._previous: str | None = None
        self._lock = threading.Lock()

    def execute(self, request: QueryRequest) -> QueryResult:
        timeout = request.timeout if request.timeout is not None else self.timeout
        row_limit = request.row_limit if request.row_limit is not None else self.row_limit
        path = self.snapshot()
        message = request.to_wire(snapshot=str(path) if path else None, row_limit=row_limit)
        message["memory_quads"] = self.memory_quads
        # The worker ends itself this long after starting, should nobody kill it.
        message["backstop"] = math.ceil(timeout) + BACKSTOP_GRACE
        start = time.monotonic()
        store = message["store"]
        with self._lock:
            if self._warmed is not None and self._warmed != (store,):
                # A load made a new snapshot: answer from the one before while the
                # executors are readied for it, one extra at a time (no query waits for a
                # copy into memory, no capacity is lost: every answer is one version).
                self._previous = self._warmed[0]
                self._warmed = (store,)
                self._refresh_in_background(store)
            accept = () if self._previous is None else (self._previous,)
        try:
            header, body = self.pool.run(message, timeout, accept=accept)
        except TimeoutError:
            raise QueryTimeout(
                f"the query timed out after {_seconds(timeout)} and was stopped",
                hint="make it more selective (a LIMIT, fewer property paths), or run it "
                "on your own copy of the data",
            ) from None
        result = result_from_wire(header, body)
        result.elapsed = time.monotonic() - start
        with self._lock:
            first = self._warmed is None
            if first:
                self._warmed = (store,)
        if first:  # ready the other workers
            self.warm_in_background()
        return result

    def _refresh_in_background(self, store: str | None) -> None:
        def run() -> None:
            try:
                self.pool.refresh({"store": store, "memory_quads": self.memory_quads})
            except GlossaryError as exc:
                logging.getLogger(__name__).warning("readying the SPARQL executors: %s", exc)
            with self._lock:
                if self._warmed == (store,):
                    self._previous = None

        threading.Thread(target=run, name="sparql-refresh", daemon=True).start()

    def warm(self) -> int:
        """Have every idle executor (started up to the pool's size) open the live
        snapshot now; the number opened."""
        path = self.snapshot()
        store = str(path) if path else None
        with self._lock:
            self._warmed = (store,)
        return self.pool.warm({"store": store, "memory_quads": self.memory_quads})

    def warm_in_background(self) -> threading.Thread:
        """:meth:`warm` in a daemon thread (a failure is logged: the next query reports
        it)."""

        def run() -> None:
            try:
                self.warm()
            except GlossaryError as exc:
                logging.getLogger(__name__).warning("warming the SPARQL executors: %s", exc)

        thread = threading.Thread(target=run, name="sparql-warm", daemon=True)
        thread.start()
        return thread

    def named_graphs(self) -> list[str]:
        req = QueryRequest(query="SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g",
                           result_format=ResultFormat.JSON)  # fmt: skip
        result = self.execute(req)
        data = json.loads(result.body)
        return [b["g"]["value"] for b in data["results"]["bindings"] if b["g"]["type"] == "uri"]

    def close(self) -> None:
        self.pool.close()


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s"


def engine_for_store(store: Any, **options: Any) -> LocalEngine:
    """A :class:`LocalEngine` on a :class:`glossary.store.Store` (its live snapshot)."""
    return LocalEngine(store.live_snapshot_path, **options)


def engine_from_settings(
    *,
    endpoint: str | None,
    snapshot: Callable[[], Path | None] | None,
    timeout: float = DEFAULT_TIMEOUT,
    row_limit: int = DEFAULT_ROW_LIMIT,
    workers: int = DEFAULT_WORKERS,
    queue: int = DEFAULT_QUEUE,
    memory_quads: int = DEFAULT_MEMORY_QUADS,
) -> Engine:
    """The remote engine when ``endpoint`` is set, else the local one on ``snapshot``."""
    if endpoint:
        from glossary.sparql_remote import RemoteEngine

        return RemoteEngine(endpoint, timeout=timeout, row_limit=row_limit)
    if snapshot is None:
        raise StoreError("no store and no remote SPARQL endpoint configured")
    return LocalEngine(snapshot, timeout=timeout, row_limit=row_limit, workers=workers,
                       queue=queue, memory_quads=memory_quads)  # fmt: skip


def settings_from_env(env: dict[str, str] | None = None) -> dict[str, Any]:
    """The SPARQL settings from the environment (``GLOSSARY_SPARQL_*``)."""
    env = dict(os.environ if env is None else env)

    def number(name: str, default: float, kind: type, *, zero: bool = False) -> Any:
        raw = env.get(name)
        if raw is None or not raw.strip():
            return kind(default)
        try:
            value = kind(raw)
        except ValueError:
            raise StoreError(
                f"{name}={raw!r} is not a number", hint=f"e.g. {name}={default:g}"
            ) from None
        if value < 0 or (value == 0 and not zero):
            raise StoreError(f"{name} must be {'0 or more' if zero else 'positive'}, not {raw}")
        return value

    return {
        "endpoint": env.get("GLOSSARY_SPARQL_ENDPOINT") or None,
        "timeout": number("GLOSSARY_SPARQL_TIMEOUT", DEFAULT_TIMEOUT, float),
        "row_limit": number("GLOSSARY_SPARQL_ROW_LIMIT", DEFAULT_ROW_LIMIT, int),
        "workers": number("GLOSSARY_SPARQL_WORKERS", DEFAULT_WORKERS, int),
        "queue": number("GLOSSARY_SPARQL_QUEUE", DEFAULT_QUEUE, int, zero=True),
        "memory_quads": number("GLOSSARY_SPARQL_MEMORY_TRIPLES", DEFAULT_MEMORY_QUADS, int,
                               zero=True),
    }  # fmt: skip


# --------------------------------------------------------------------------- description

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
               "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")  # fmt: skip


def service_description(endpoint: str, named_graphs: Sequence[str]) -> list[Any]:
    """A SPARQL 1.1 Service Description of ``endpoint``, as pyoxigraph triples."""
    from pyoxigraph import BlankNode, Literal, NamedNode, Triple

    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

    def sd(name: str) -> Any:
        return NamedNode(SD + name)

    svc = NamedNode(endpoint)
    triples = [
        Triple(svc, rdf_type, sd("Service")),
        Triple(svc, sd("endpoint"), svc),
        Triple(svc, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(svc, sd("feature"), sd("UnionDefaultGraph")),
        Triple(svc, NamedNode("http://purl.org/dc/terms/title"),
               Literal("semantic-glossary SPARQL endpoint (read-only)", language="en")),
    ]  # fmt: skip
    for name in _SD_FORMATS:
        triples.append(Triple(svc, sd("resultFormat"), NamedNode(FORMATS_NS + name)))
    dataset, default = BlankNode(), BlankNode()
    triples += [
        Triple(svc, sd("defaultDataset"), dataset),
        Triple(dataset, rdf_type, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default),
        Triple(default, rdf_type, sd("Graph")),
    ]
    for g in named_graphs:
        node = BlankNode()
        triples += [
            Triple(dataset, sd("namedGraph"), node),
            Triple(node, rdf_type, sd("NamedGraph")),
            Triple(node, sd("name"), NamedNode(g)),
        ]
    return triples


# --------------------------------------------------------------------------- writing


def _tsv_line(values: Iterable[Any]) -> str:
    # pyoxigraph's str() of a term is its N-Triples form, which is what TSV holds
    # (tabs and newlines inside literals are escaped there).
    return "\t".join("" if v is None else str(v) for v in values) + "\n"


def _truncate_note(body: bytes, fmt: ResultFormat, limit: int) -> bytes:
    """Say in the results' own ``head`` (the standard ``link``) that rows were cut."""
    link = f"{TRUNCATED_LINK}?limit={limit}".encode()
    if fmt is ResultFormat.JSON:
        # {"head":{"vars":[...]}: variable names cannot hold "]" (SPARQL grammar).
        return body.replace(b"]}", b'],"link":["' + link + b'"]}', 1)
    if fmt is ResultFormat.XML:
        return body.replace(b"</head>", b'<link href="' + link + b'"/></head>', 1)
    return body


def write_solutions(solutions: Any, fmt: ResultFormat, limit: int) -> tuple[bytes, int, bool]:
    """Serialise at most ``limit`` solutions of a pyoxigraph ``QuerySolutions``.

    Returns the body, the rows written and whether rows were cut. One row past the cap
    is read to know; the kept rows go through a TSV (N-Triples terms, lossless) that
    pyoxigraph parses back into a ``QuerySolutions`` and writes natively in ``fmt``.
    """
    import pyoxigraph

    variables = [v.value for v in solutions.variables]
    kept = list(islice(solutions, limit + 1))
    truncated = len(kept) > limit
    kept = kept[:limit]
    width = len(variables)
    tsv = _tsv_line("?" + v for v in variables) + "".join(
        _tsv_line(row[i] for i in range(width)) for row in kept
    )
    parsed = pyoxigraph.parse_query_results(tsv, pyoxigraph.QueryResultsFormat.TSV)
    body = parsed.serialize(format=fmt.oxigraph) or b""
    if truncated:
        body = _truncate_note(body, fmt, limit)
    return body, len(kept), truncated


def write_triples(triples: Iterable[Any], fmt: RdfFormat, limit: int) -> tuple[bytes, int, bool]:
    """Serialise at most ``limit`` triples: the body, the triples written, whether cut."""
    import pyoxigraph

    it = iter(triples)
    kept = list(islice(it, limit))
    truncated = next(it, None) is not None
    body = pyoxigraph.serialize(kept, format=fmt.oxigraph) or b""
    return bytes(body), len(kept), truncated


def serialize_graph(triples: Sequence[Any], fmt: RdfFormat) -> bytes:
    import pyoxigraph

    prefixes = {"sd": SD, "formats": FORMATS_NS} if fmt is RdfFormat.TURTLE else None
    data = pyoxigraph.serialize(triples, format=fmt.oxigraph, prefixes=prefixes)
    return bytes(data or b"")
