"""A remote SPARQL 1.1 store as the service's whole store (``GLOSSARY_SPARQL_ENDPOINT``).

:class:`RemoteStore` has the read API of :class:`glossary.store.Store` that the service
and :mod:`glossary.concepts` use (``vocabularies``, ``select``, ``construct``, ``ask``,
``refresh``, ``snapshot``, ``index_dir``, ``export`` ...), answered by a remote store
(Oxigraph server, Virtuoso, GraphDB, QLever, Fuseki) over the SPARQL 1.1 Protocol. An
instance of the service then keeps no data of its own: the local directory
(``GLOSSARY_STORE``) is only a cache of things computed from the remote data (counts,
search indexes, dumps), and may be deleted at any time.

- **Vocabularies** are the remote named graphs ``urn:x-glossary:vocab:<id>``
  (:func:`glossary.store.graph_iri`), the names the embedded store uses.
- **Datasets** are explicit: every query names its default graphs (the vocabulary
  graphs, or those asked for) and the named graphs (all vocabulary graphs) in the
  protocol's ``default-graph-uri`` / ``named-graph-uri``. So the answers do not depend
  on the store's idea of a default graph (Virtuoso: every graph, system ones included;
  Oxigraph: only the unnamed one), and are those of the embedded store.
- **Bindings** never become query text by concatenation: each bound value is a
  pyoxigraph term (IRIs validated, literals escaped by pyoxigraph's serialiser) written
  into a ``VALUES`` block at the start of every group that mentions the variable
  (see :func:`bind_values`), which is what pyoxigraph's ``substitutions=`` means.
- **Versions**: one query at most every :data:`CHECK_INTERVAL` seconds tells whether
  the remote data changed: the versions the loader stated in :data:`VERSIONS_GRAPH`
  (a few triples), else the triple count of each vocabulary graph. What a vocabulary
  holds (:func:`glossary.store.count_vocabulary`: concepts, labels per language,
  schemes) is counted with the same named queries once per remote version of its
  graph, and kept, also on disk for the other workers of the instance.

Blank nodes cannot be bound: SPARQL has no way to name a blank node of a remote store
in a later query. A select/construct/ask bound to a blank node answers nothing (a
description shows the link to the blank node, not the blank node's own triples).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import re
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from glossary.errors import GlossaryError, NotFound, StoreError
from glossary.store import (
    GRAPH_PREFIX,
    VERSIONS_GRAPH,
    VOCAB_ID_RE,
    Vocabulary,
    count_vocabulary,
    graph_iri,
    solution_rows,
)

log = logging.getLogger(__name__)

#: Seconds between two checks whether the remote data changed. Within this time an
#: instance may serve the previous version's counts and search results.
CHECK_INTERVAL = 30.0
# VERSIONS_GRAPH (glossary.store, where `glossary export --format nquads` writes it): a
# graph of the remote store where whoever loads it states a version per vocabulary
# graph (``<urn:x-glossary:vocab:ID> dct:modified "any text"``). When it holds any, it
# is the version check: one query over a few triples. Without it the check counts the
# triples of every vocabulary graph, which grows with the data (scripts/bench_remote.py
# prints its time: about 0.2 s on STW's 116,333 triples).
#: Seconds a bulk fetch of a whole vocabulary graph (search indexes, dumps) may take.
FETCH_TIMEOUT = 600.0

#: The cheap version query: the versions stated in :data:`VERSIONS_GRAPH`.
STATED_VERSIONS_QUERY = """# remote version: as stated by the loader
SELECT ?g ?version WHERE {
  GRAPH <urn:x-glossary:versions> { ?g <http://purl.org/dc/terms/modified> ?version }
  FILTER(isIRI(?g) && STRSTARTS(STR(?g), "urn:x-glossary:vocab:"))
}"""
#: The version query without stated versions: every vocabulary graph and its size.
VERSION_QUERY = """# remote version: the vocabulary graphs and their triple counts
SELECT ?g (COUNT(*) AS ?n) WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER(STRSTARTS(STR(?g), "urn:x-glossary:vocab:"))
} GROUP BY ?g"""
#: A whole graph (the default graph is set to it through the protocol).
GRAPH_QUERY = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


# --------------------------------------------------------------------------- bindings

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:(?:'|'')?(?:[^'\\]|\\.))*'''
                | \"\"\"(?:(?:"|"")?(?:[^"\\]|\\.))*\"\"\"
                | '(?:[^'\\\n\r]|\\.)*'
                | "(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
    | (?P<pname>[A-Za-z_][\w.\-]*:[\w.\-:%]*|:[\w.\-:%]*)
    | (?P<word>[A-Za-z_]\w*)
    | (?P<punct>[{}()*])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class _Block:
    """A ``{ ... }`` of a query: a group graph pattern, a sub-SELECT around one, a
    CONSTRUCT template or a VALUES data block."""

    kind: str  # "group" | "minus" | "subselect" | "template" | "data"
    start: int  # offset just after the "{"
    parent: _Block | None
    variables: set[str] = field(default_factory=set)  # mentioned directly inside
    children: list[_Block] = field(default_factory=list)
    projected: set[str] | None = None  # sub-SELECT: its projection (None: SELECT *)


def _blocks(query: str) -> tuple[list[_Block], set[str]]:
    """The top-level blocks of ``query`` and the variables it assigns (``AS ?v``,
    ``VALUES ?v``), by lexing: strings, IRIs and comments cannot confuse it."""
    roots: list[_Block] = []
    assigned: set[str] = set()
    current: _Block | None = None
    prev = ""  # the previous significant token, upper-cased if a word
    values_pending = False  # VALUES seen, its data block not opened yet
    selecting: _Block | None = None  # a sub-SELECT whose projection is being read
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        text = m.group()
        if kind in ("ws", "comment"):
            continue
        upper = text.upper() if kind == "word" else text
        if kind == "var":
            name = text[1:]
            if prev == "AS" or values_pending:
                assigned.add(name)
            if selecting is not None:
                assert selecting.projected is not None
                if prev != "AS":
                    selecting.projected.add(name)
            if current is not None:
                current.variables.add(name)
        elif kind == "word" and upper == "SELECT" and current is not None and prev == "{":
            current.kind = "subselect"
            current.projected = set()
            selecting = current
        elif kind == "word" and upper == "WHERE":
            selecting = None
        elif kind == "word" and upper == "VALUES":
            values_pending = True
        elif text == "*" and selecting is not None and prev in ("SELECT", "DISTINCT", "REDUCED"):
            selecting.projected = None
            selecting = None
        elif text == "{":
            if values_pending:
                block_kind = "data"
                values_pending = False
            elif prev == "CONSTRUCT":
                block_kind = "template"
            elif prev == "MINUS":
                block_kind = "minus"
            else:
                block_kind = "group"
            if selecting is not None:  # SELECT ... { without WHERE
                selecting = None
            block = _Block(block_kind, m.end(), current)
            (current.children if current is not None else roots).append(block)
            current = block
        elif text == "}":
            if current is None:
                raise StoreError("unbalanced braces in a named query", where=query[:80])
            current = current.parent
        prev = upper
    if current is not None:
        raise StoreError("unbalanced braces in a named query", where=query[:80])
    return roots, assigned


def _mentions(block: _Block, name: str) -> bool:
    if block.kind == "subselect" and block.projected is not None and name not in block.projected:
        return False  # a sub-SELECT that does not project ?name has its own ?name
    return name in block.variables or any(_mentions(c, name) for c in block.children)


def _insertion_points(block: _Block, name: str, out: list[int]) -> None:
    if block.kind == "subselect" and block.projected is not None and name not in block.projected:
        return
    if block.kind in ("group", "minus") and _mentions(block, name):
        if block.kind == "minus":
            raise StoreError(f"cannot bind ?{name}: it occurs in a MINUS group, where a "
                             "VALUES block would change the meaning")  # fmt: skip
        out.append(block.start)
    for child in block.children:
        _insertion_points(child, name, out)


def sparql_term(term: Any) -> str:
    """A pyoxigraph IRI or literal as SPARQL text (pyoxigraph's own serialisation:
    IRIs were validated when made, literals are escaped).

    >>> import pyoxigraph
    >>> sparql_term(pyoxigraph.Literal('say "hi" } # no', language="en"))
    '"say \\\\"hi\\\\" } # no"@en'
    """
    import pyoxigraph

    if isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal):
        return str(term)
    raise StoreError(
        f"cannot bind a {type(term).__name__} in a query to a remote store",
        hint="bind IRIs (pyoxigraph.NamedNode) or literals (pyoxigraph.Literal)",
    )


def bind_values(query: str, bindings: dict[str, Any]) -> str:
    """``query`` with each bound variable fixed by a ``VALUES`` block at the start of
    every group graph pattern in which it occurs (sub-SELECTs that project it
    included, those that do not project it left alone), so that it holds inside
    nested groups, ``OPTIONAL``, ``GRAPH``, ``EXISTS`` and filters there, as
    pyoxigraph's ``substitutions=`` (SEP-0007) do. A variable the query assigns itself
    (``BIND ... AS``, ``VALUES``) or uses in ``MINUS`` cannot be bound (StoreError).

    >>> import pyoxigraph
    >>> q = "SELECT ?uri ?l WHERE { GRAPH ?g { ?uri ?p ?l FILTER(isLiteral(?l)) } }"
    >>> print(bind_values(q, {"uri": pyoxigraph.NamedNode("http://x/a")}))
    SELECT ?uri ?l WHERE { VALUES (?uri) { (<http://x/a>) } GRAPH ?g {
      VALUES (?uri) { (<http://x/a>) } ?uri ?p ?l FILTER(isLiteral(?l)) } }
    """
    if not bindings:
        return query
    roots, assigned = _blocks(query)
    clash = sorted(set(bindings) & assigned)
    if clash:
        raise StoreError(f"cannot bind ?{clash[0]}: the query assigns it itself")
    per_point: dict[int, list[str]] = {}
    for name in sorted(bindings):
        points: list[int] = []
        for root in roots:
            _insertion_points(root, name, points)
        for p in points:
            per_point.setdefault(p, []).append(name)
    out = query
    for point in sorted(per_point, reverse=True):
        names = per_point[point]
        rows = itertools.product(*(_values_of(bindings[n]) for n in names))
        block = (
            " VALUES (" + " ".join("?" + n for n in names) + ") { "
            + " ".join("(" + " ".join(sparql_term(t) for t in row) + ")" for row in rows)
            + " }"
        )  # fmt: skip
        out = out[:point] + block + out[point:]
    return out


def _values_of(value: Any) -> list[Any]:
    """A binding's terms: a list or tuple of terms (one ``VALUES`` row each), or one."""
    return list(value) if isinstance(value, list | tuple) else [value]


# --------------------------------------------------------------------------- the store


class _Row(dict[str, Any]):
    """A solution as pyoxigraph's ``QuerySolution`` reads: an unbound variable is None."""

    def __missing__(self, key: str) -> None:
        return None


class _CountingSource:
    """Looks like the part of a ``pyoxigraph.Store`` that
    :func:`glossary.store.count_vocabulary` uses (``query`` with ``default_graph`` and
    ``substitutions``), answered by the remote store: the counts are made by the same
    named queries as at load time."""

    def __init__(self, store: RemoteStore) -> None:
        self.store = store

    def query(self, query: str, *, default_graph: Sequence[Any] = (),
              substitutions: dict[Any, Any] | None = None) -> list[_Row]:  # fmt: skip
        bindings = {k.value: v for k, v in (substitutions or {}).items()}
        rows = self.store.select(query, graphs=[g.value for g in default_graph], **bindings)
        return [_Row(r) for r in rows]


def _vocab_id(graph: str) -> str | None:
    if not graph.startswith(GRAPH_PREFIX):
        return None
    vid = graph[len(GRAPH_PREFIX) :]
    return vid if VOCAB_ID_RE.match(vid) else None


class RemoteStore:
    """The read API of :class:`glossary.store.Store` over a remote SPARQL 1.1 store.

    ``cache_dir`` holds what is derived from the remote data (counts, search indexes,
    dumps); it is created when first needed, and losing it loses nothing.
    """

    read_only = True

    def __init__(
        self, endpoint: str, cache_dir: Path, *, timeout: float = 10.0,
        check_interval: float = CHECK_INTERVAL,
    ) -> None:  # fmt: skip
        from glossary.sparql_remote import RemoteEngine

        self.endpoint = endpoint
        self.engine = RemoteEngine(endpoint, timeout=timeout)
        self.path = Path(cache_dir).expanduser()
        self.check_interval = float(check_interval)
        key = hashlib.sha256(endpoint.encode()).hexdigest()[:12]
        host = re.sub(r"[^A-Za-z0-9.-]+", "-", urllib.parse.urlsplit(endpoint).netloc)
        self._cache = self.path / "remote" / f"{host}-{key}"
        self._mutex = threading.RLock()
        self._checked = -1e18
        self._graphs: dict[str, str] = {}  # graph -> its version, at the last check
        self._version: str | None = None
        self._vocabs: dict[tuple[str, str], Vocabulary] = {}
        self._vocab_locks: dict[str, threading.Lock] = {}
        #: Queries sent to the remote store by this object (for measurements).
        self.queries = 0

    # ----------------------------------------------------------------- versions

    def refresh(self, *, force: bool = False) -> bool:
        """Ask the remote store for its vocabulary graphs and their versions, at most
        every ``check_interval`` seconds (always with ``force``). True when they changed.

        A graph's version is what :data:`VERSIONS_GRAPH` states for it, if that graph
        states any version (then only the graphs it names are vocabularies); else its
        triple count. A replacement that keeps every count is not seen without a
        stated version."""
        now = time.monotonic()
        if not force and now - self._checked < self.check_interval:
            return False
        with self._mutex:
            if not force and now - self._checked < self.check_interval:
                return False
            graphs: dict[str, str] = {}
            for row in self._fetch(STATED_VERSIONS_QUERY, None, None):
                g, v = row["g"], row["version"]
                if g is not None and v is not None and _vocab_id(g.value) is not None:
                    graphs[g.value] = "stated " + str(v)
            if not graphs:
                for row in self._fetch(VERSION_QUERY, None, None):
                    g, n = row["g"], row["n"]
                    if g is not None and _vocab_id(g.value) is not None:
                        graphs[g.value] = f"{int(n.value)} triples"
            self._checked = time.monotonic()
            if graphs == self._graphs and self._version is not None:
                return False
            text = json.dumps(sorted(graphs.items()))
            self._graphs = graphs
            self._version = hashlib.sha256(text.encode()).hexdigest()[:16]
            keep = set(graphs.items())
            self._vocabs = {k: v for k, v in self._vocabs.items() if k in keep}
            return True

    @property
    def snapshot(self) -> str | None:
        """A token of the remote version (the vocabulary graphs and their versions);
        None when the remote store holds no vocabulary graph."""
        self.refresh()
        return self._version if self._graphs else None

    def graph_versions(self) -> dict[str, str]:
        """Each vocabulary graph and its version (stated, or its triple count), at the
        last check."""
        self.refresh()
        return dict(self._graphs)

    def live_snapshot_path(self) -> Path | None:
        return None  # no local snapshot: user SPARQL goes to the remote store as well

    def is_empty(self) -> bool:
        return self.snapshot is None

    # ----------------------------------------------------------------- vocabularies

    def vocabulary_graphs(self) -> list[str]:
        """The named graph IRIs of all vocabularies (sorted)."""
        return sorted(self.graph_versions())

    def vocabularies(self) -> list[Vocabulary]:
        """Every vocabulary, sorted by id, counted once per remote version of its graph."""
        versions = self.graph_versions()
        out = []
        for graph in sorted(versions, key=lambda g: _vocab_id(g) or g):
            out.append(self._counted(graph, versions[graph]))
        return out

    def vocabulary(self, vocab_id: str) -> Vocabulary:
        versions = self.graph_versions()
        graph = graph_iri(vocab_id)
        if graph not in versions:
            known = ", ".join(sorted(v for g in versions if (v := _vocab_id(g)))) or "none"
            raise NotFound(f"no vocabulary {vocab_id!r} in the remote store (loaded: {known})",
                           where=self.endpoint)  # fmt: skip
        return self._counted(graph, versions[graph])

    def _counted(self, graph: str, version: str) -> Vocabulary:
        key = (graph, version)
        vocab = self._vocabs.get(key)
        if vocab is not None:
            return vocab
        vid = _vocab_id(graph)
        assert vid is not None
        with self._mutex:
            lock = self._vocab_locks.setdefault(graph, threading.Lock())
        with lock:  # one count per graph version, whoever asks first
            vocab = self._vocabs.get(key)
            if vocab is None:
                vocab = self._read_counts(vid, graph, version)
                if vocab is None:
                    vocab = count_vocabulary(
                        cast(Any, _CountingSource(self)), vid, source=self.endpoint,
                        content_hash=self.fingerprint(graph, version),
                    )  # fmt: skip
                    self._write_counts(vocab)
                self._vocabs[key] = vocab
        return vocab

    def fingerprint(self, graph: str, version: str) -> str:
        """What identifies a remote version of a graph (no content hash: that would
        read the whole graph): the endpoint, the graph and its version."""
        text = f"{self.endpoint}\n{graph}\n{version}"
        return "remote:" + hashlib.sha256(text.encode()).hexdigest()[:32]

    def _counts_file(self, vocab_id: str, fingerprint: str) -> Path:
        return self._cache / "counts" / f"{vocab_id}.{fingerprint.split(':', 1)[1]}.json"

    def _read_counts(self, vocab_id: str, graph: str, version: str) -> Vocabulary | None:
        """Counts another worker of this instance made for the same remote version (so
        that all workers agree on ``loaded_at``, which names caches and dumps)."""
        path = self._counts_file(vocab_id, self.fingerprint(graph, version))
        try:
            return Vocabulary.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            log.warning("ignoring unreadable cached counts %s: %s", path, exc)
            return None

    def _write_counts(self, vocab: Vocabulary) -> None:
        path = self._counts_file(vocab.id, vocab.content_hash)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for old in path.parent.glob(f"{vocab.id}.*.json"):  # ids have no "."
                old.unlink(missing_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(vocab.to_json()), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # a cache only: the counts are still served from memory
            log.warning("cannot cache counts in %s: %s", path.parent, exc)

    # ----------------------------------------------------------------- queries

    def _fetch(self, query: str, default: Sequence[str] | None, named: Sequence[str] | None,
               timeout: float | None = None) -> Any:  # fmt: skip
        self.queries += 1
        return self.engine.fetch(
            query,
            default_graphs=tuple(default) if default is not None else None,
            named_graphs=tuple(named) if named is not None else None,
            timeout=timeout,
        )

    def _run(self, query: str, graphs: Sequence[str] | None, bindings: dict[str, Any]) -> Any:
        """None when nothing can match (no vocabulary graph, or a blank node bound)."""
        import pyoxigraph

        if any(isinstance(v, pyoxigraph.BlankNode) for v in bindings.values()):
            return None
        named = self.vocabulary_graphs()
        default = list(graphs) if graphs is not None else named
        if not default:
            return None
        return self._fetch(bind_values(query, bindings), default, named)

    def select(
        self, query: str, *, graphs: Sequence[str] | None = None, **bindings: Any
    ) -> list[dict[str, Any]]:
        """A trusted SELECT (a named query) with user values as ``bindings``; the default
        graph is the union of the vocabularies, or ``graphs``. As
        :meth:`glossary.store.Store.select`."""
        solutions = self._run(query, graphs, bindings)
        return [] if solutions is None else solution_rows(solutions)

    def select_each(
        self, query: str, name: str, values: Sequence[Any], *,
        graphs: Sequence[str] | None = None, **bindings: Any,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """:meth:`select` for each value of ``name``, in ONE request: a ``VALUES``
        block with a row per value (what one substitution per value means, joined).
        Rows come grouped in the order of ``values``, as the embedded store gives them."""
        import pyoxigraph

        values = [v for v in values if not isinstance(v, pyoxigraph.BlankNode)]
        if not values:
            return []
        rows = self.select(query, graphs=graphs, **{**bindings, name: list(values)})
        order = {str(v): i for i, v in enumerate(values)}
        return sorted(rows, key=lambda r: order.get(str(r.get(name)), len(order)))

    def construct(
        self, query: str, *, graphs: Sequence[str] | None = None, **bindings: Any
    ) -> list[Any]:
        triples = self._run(query, graphs, bindings)
        return [] if triples is None else list(triples)

    def ask(self, query: str, *, graphs: Sequence[str] | None = None, **bindings: Any) -> bool:
        answer = self._run(query, graphs, bindings)
        return False if answer is None else bool(answer)

    def graph_triples(self, graph: str) -> list[Any]:
        """Every triple of one remote graph (one CONSTRUCT), for indexes and dumps."""
        return list(self._fetch(GRAPH_QUERY, [graph], [], timeout=FETCH_TIMEOUT))

    def quad_count(self) -> int:
        return sum(v.triples for v in self.vocabularies())

    def oxigraph(self) -> Any:
        raise StoreError("a remote store has no local pyoxigraph store", where=self.endpoint,
                         hint="use select/construct/ask, or graph_triples")  # fmt: skip

    def export(self, out: IO[bytes], *, vocab_id: str | None = None, fmt: Any = None) -> None:
        """Write one vocabulary (or all, merged) to ``out`` (one CONSTRUCT per graph)."""
        import pyoxigraph

        from glossary.formats import RdfFormat
        from glossary.store import _PREFIXES

        fmt = fmt or RdfFormat.TURTLE
        graphs = [self.vocabulary(vocab_id).graph] if vocab_id else self.vocabulary_graphs()
        triples: list[Any] = []
        for g in graphs:
            triples.extend(self.graph_triples(g))
        if len(graphs) > 1:
            triples = list(dict.fromkeys(triples))  # the union, as the embedded export
        out.write(pyoxigraph.serialize(triples, format=fmt.oxigraph, prefixes=_PREFIXES) or b"")

    # ----------------------------------------------------------------- files

    def index_dir(self) -> Path:
        """Where this instance keeps the search indexes built from the remote data."""
        return self._cache / "indexes"

    def cache_dir(self) -> Path:
        """This endpoint's part of the cache directory."""
        return self._cache

    def close(self) -> None:
        with contextlib.suppress(AttributeError):
            self.engine.close()

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- search


def _digest(triples: Sequence[Any]) -> str:
    """A hash of a graph's content, independent of order and of blank node labels
    (which a remote store chooses afresh for every answer)."""
    import pyoxigraph

    def key(term: Any) -> str:
        return "_:" if isinstance(term, pyoxigraph.BlankNode) else str(term)

    lines = sorted(f"{key(t.subject)} {key(t.predicate)} {key(t.object)}" for t in triples)
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


class RemoteIndexer:
    """Builds the search indexes of a :class:`RemoteStore`'s vocabularies locally, in a
    background thread, as ``glossary load`` does for the embedded store: each
    vocabulary graph is fetched with one CONSTRUCT into an in-memory pyoxigraph store
    and given to :func:`glossary.search.build_indexes`, in ``store.index_dir()``.

    - Once per remote version of each graph (the check of :meth:`RemoteStore.refresh`),
      and once when the process starts. A build is skipped when the fetched content
      is what the last build of that directory indexed (a marker file records its
      digest), and an unchanged text is never encoded again (the search part's vector
      cache lives in the same directory): a restart encodes nothing.
    - The workers of one instance share the directory; a file lock makes them build
      one at a time, and the second finds the first one's build current.
    - :attr:`ready` becomes true when every vocabulary present at start was indexed;
      until then search answers 503. Later builds (a remote change) replace an index
      atomically, so search goes on from the previous one meanwhile.
    """

    def __init__(self, store: RemoteStore, *, poll: float | None = None) -> None:
        self.store = store
        self.poll = max(0.2, min(store.check_interval, 5.0)) if poll is None else poll
        self._built: dict[str, str] = {}  # vocab id -> fingerprint indexed by this process
        self._building: str | None = None
        self._pending: list[str] = []
        self._errors: dict[str, str] = {}
        self._first_pass = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._mutex = threading.Lock()
        #: What the builds did: vocab id -> ``glossary.search.BuildStats`` (or "current").
        self.stats: dict[str, Any] = {}

    @property
    def ready(self) -> bool:
        return self._first_pass.is_set()

    def status(self) -> dict[str, Any]:
        """``{"ready": bool, "indexed": [...], "building": [...], "failed": {id: why}}``."""
        with self._mutex:
            building = ([self._building] if self._building else []) + [
                v for v in self._pending if v != self._building]  # fmt: skip
            return {"ready": self.ready, "indexed": sorted(self._built),
                    "building": building, "failed": dict(self._errors)}  # fmt: skip

    def start(self) -> RemoteIndexer:
        with self._mutex:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="remote-indexer",
                                                daemon=True)  # fmt: skip
                self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_ready(self, timeout: float) -> bool:
        return self._first_pass.wait(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except (GlossaryError, OSError) as exc:  # the remote store is away: retried
                log.warning("remote search indexes: %s", exc)
                with self._mutex:
                    self._errors["*"] = str(exc)
            self._stop.wait(self.poll)

    def run_once(self) -> None:
        """Index what changed since the last pass (every vocabulary on the first).

        A vocabulary that fails (its graph too large, the cache directory not
        writable, the store gone mid-way) is reported in :meth:`status` and tried again
        at the next pass; the others are indexed meanwhile. The first pass makes the
        indexer ready once it indexed something, or had nothing to fail."""
        versions = self.store.graph_versions()
        current = {vid: (g, v) for g, v in versions.items() if (vid := _vocab_id(g))}
        todo = [v for v, (g, n) in sorted(current.items())
                if self._built.get(v) != self.store.fingerprint(g, n)]  # fmt: skip
        with self._mutex:
            self._pending = list(todo)
            self._errors.pop("*", None)
            for vid in [v for v in self._errors if v not in current]:
                del self._errors[vid]
        failed = False
        for vid in todo:
            if self._stop.is_set():
                return
            graph, version = current[vid]
            with self._mutex:
                self._building = vid
            try:
                self._index(vid, graph, self.store.fingerprint(graph, version))
            except (GlossaryError, OSError) as exc:
                log.warning("remote search index of %s not built: %s", vid, exc)
                failed = True
                with self._mutex:
                    self._errors[vid] = str(exc)
            finally:
                with self._mutex:
                    self._building = None
                    if vid in self._pending:
                        self._pending.remove(vid)
        gone = [v for v in self._built if v not in current]
        if gone:
            from glossary.search import drop_indexes

            with self._lock():
                for vid in gone:
                    drop_indexes(self.store.index_dir(), vid)
                    self._marker(vid).unlink(missing_ok=True)
                    self._built.pop(vid, None)
        if self._built or not failed:
            self._first_pass.set()

    def _marker(self, vocab_id: str) -> Path:
        return self.store.cache_dir() / "indexed" / f"{vocab_id}.json"

    @contextlib.contextmanager
    def _lock(self) -> Any:
        import fcntl

        path = self.store.cache_dir() / "indexes.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # drops the lock

    def _index(self, vocab_id: str, graph: str, fingerprint: str) -> None:
        import pyoxigraph

        from glossary.search import build_indexes

        with self._lock():
            triples = self.store.graph_triples(graph)
            digest = _digest(triples)
            marker = self._marker(vocab_id)
            index_dir = self.store.index_dir()
            try:
                previous = json.loads(marker.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                previous = {}
            manifest = index_dir / "search" / f"{vocab_id}.json"
            # Current: the same content, indexed with the configured model (after a
            # model or tuning change the content is the same but the vectors are not).
            if previous.get("digest") == digest and _indexed_with(manifest) == _model_id():
                self.stats[vocab_id] = "current"
            else:
                memory = pyoxigraph.Store()
                g = pyoxigraph.NamedNode(graph)
                memory.bulk_extend(pyoxigraph.Quad(t.subject, t.predicate, t.object, g)
                                   for t in triples)  # fmt: skip
                self.stats[vocab_id] = build_indexes(memory, graph, vocab_id, index_dir,
                                                     progress=False)  # fmt: skip
                marker.parent.mkdir(parents=True, exist_ok=True)
                tmp = marker.with_name(f".{marker.name}.{os.getpid()}.tmp")
                tmp.write_text(json.dumps({"digest": digest, "fingerprint": fingerprint,
                                           "triples": len(triples)}), encoding="utf-8")  # fmt: skip
                os.replace(tmp, marker)
        self._built[vocab_id] = fingerprint
        with self._mutex:
            self._errors.pop(vocab_id, None)


def _indexed_with(manifest: Path) -> str | None:
    """The model a search index manifest says its vectors were made with, if readable."""
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["model"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _model_id() -> str:
    from glossary.search.embeddings import get_encoder

    return get_encoder().model_id


__all__ = [
    "CHECK_INTERVAL",
    "VERSIONS_GRAPH",
    "RemoteIndexer",
    "RemoteStore",
    "bind_values",
    "sparql_term",
]
