"""The embedded store: pyoxigraph on disk, as versioned snapshots.

Layout of a store directory ``STORE``::

    STORE/.lock                 writer lock (fcntl.flock): one load at a time
    STORE/CURRENT               the live snapshot's number, replaced atomically (os.replace)
    STORE/snapshots/<n>/        a RocksDB directory (pyoxigraph), never written once live
    STORE/snapshots/<n>.json    its metadata: the vocabularies and their counts (not RDF,
                                so never part of SPARQL's union default graph)
    STORE/snapshots/<n>.readers a lock file readers hold shared (flock) while they use <n>
    STORE/indexes/<n>/          the search indexes that belong to snapshot <n>
    STORE/changes/<n>.json      what the load that made <n> changed (glossary.changes),
                                kept for the newest versions after their snapshots go

Why snapshots: opening a pyoxigraph store read-only while another process writes the
same directory is undefined behaviour. So a load never writes into a snapshot that
readers may have open. It checkpoints the live snapshot with ``Store.backup`` (hard
links on the same file system: milliseconds), writes the new vocabulary into the copy,
counts what it holds, builds its search indexes, and only then flips ``CURRENT``. A
load that fails or is killed at any point leaves ``CURRENT`` and the live snapshot as
they were; its leftovers (a snapshot numbered above the live one, or without metadata)
are removed by the next load.

Readers (:meth:`Store.open` read-only, e.g. each gunicorn worker) open the live
snapshot read-only and look at ``CURRENT`` at most every ``check_interval`` seconds
(one ``stat``); when it changed, they reopen.

Garbage collection: after a flip, snapshots other than the live one and the one before
it are deleted, but only those no reader holds (a reader keeps a shared flock on
``<n>.readers``; the writer deletes a snapshot only when it gets the exclusive lock
without waiting). A snapshot still in use is retried at the next load.

Search indexes are snapshot-consistent: snapshot ``n+1`` starts with hard links to
the files of ``indexes/<n>/`` and ``glossary.search.build_indexes`` writes the new
vocabulary's files there. Hard links mean an index writer must replace files (write a
temporary file, then ``os.replace``), never modify one in place, or it would change
the live snapshot's index too.

Each vocabulary is its own named graph ``urn:x-glossary:vocab:<id>``; SPARQL's default
graph is the union of the vocabulary graphs (nothing else is stored as RDF).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from glossary.changes import discard_unreleased, record_load
from glossary.changes import prune as prune_changes
from glossary.errors import GlossaryError, InputError, NotFound, StoreError, ValidationFailed
from glossary.progress import Progress
from glossary.queries import named_query

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

log = logging.getLogger(__name__)

GRAPH_PREFIX = "urn:x-glossary:vocab:"
#: A vocabulary id: lower-case letters, digits, ``-`` and ``_``; starts with a letter or digit.
VOCAB_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Test hook: ``<stage>:<seconds>`` makes a load print ``glossary-test: paused at <stage>``
#: on stderr and sleep there (used to kill a load mid-way in tests).
PAUSE_ENV = "GLOSSARY_TEST_PAUSE_AT"
STAGES = ("parse", "validate", "write", "counts", "changes", "indexes", "flip")
KEEP_SNAPSHOTS = 2


def graph_iri(vocab_id: str) -> str:
    """The named graph of a vocabulary.

    >>> graph_iri("stw-9-16")
    'urn:x-glossary:vocab:stw-9-16'
    """
    return GRAPH_PREFIX + vocab_id


def vocab_id_from_path(path: Path) -> str:
    """The default vocabulary id of a file.

    >>> vocab_id_from_path(Path("stw-9.16.ttl.gz")), vocab_id_from_path(Path("My Terms.rdf"))
    ('stw-9-16', 'my-terms')
    """
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    stem, dot, _ext = name.rpartition(".")
    if dot and stem:
        name = stem
    vid = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:64].rstrip("-_")
    if not vid:
        raise InputError(
            "cannot derive a vocabulary id from the file name",
            where=str(path),
            hint="pass one with --vocab ID (letters, digits, - and _)",
        )
    return vid


def check_vocab_id(vocab_id: str) -> str:
    if not VOCAB_ID_RE.match(vocab_id):
        raise InputError(
            f"invalid vocabulary id {vocab_id!r}",
            hint="use 1 to 64 lower-case letters, digits, '-' or '_', starting with a "
            "letter or digit (e.g. stw-9-16)",
        )
    return vocab_id


@dataclass(frozen=True)
class Vocabulary:
    """One loaded vocabulary, as counted at load time."""

    id: str
    graph: str
    uri: str | None
    title: str | None
    concepts: int
    triples: int
    languages: list[str]
    label_counts: dict[str, int]
    schemes: list[str]
    loaded_at: str
    source: str
    titles: dict[str, str] = field(default_factory=dict)
    top_concepts: int = 0
    deprecated: int = 0
    content_hash: str = ""
    conforms: bool = True

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Vocabulary:
        """From stored metadata; keys a later version added are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class LoadResult:
    """What a load did: the vocabularies it loaded, their reports, the time per stage."""

    vocabularies: list[Vocabulary]
    snapshot: int
    reports: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _Source:
    vocab_id: str
    name: str
    triples: list[Any]
    content_hash: str


# --------------------------------------------------------------------------- layout


class _Layout:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.current = root / "CURRENT"
        self.lock = root / ".lock"
        self.snapshots = root / "snapshots"
        self.indexes = root / "indexes"

    def snapshot(self, n: int) -> Path:
        return self.snapshots / str(n)

    def meta(self, n: int) -> Path:
        return self.snapshots / f"{n}.json"

    def readers(self, n: int) -> Path:
        return self.snapshots / f"{n}.readers"

    def index(self, n: int) -> Path:
        return self.indexes / str(n)

    def read_current(self) -> int | None:
        try:
            text = self.current.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        if not text.isdigit():
            raise StoreError(
                f"CURRENT holds {text!r}, not a snapshot number",
                where=str(self.current),
                hint="the store is damaged; load the vocabularies again into a new store",
            )
        return int(text)

    def snapshot_numbers(self) -> set[int]:
        found: set[int] = set()
        for base in (self.snapshots, self.indexes):
            if base.is_dir():
                for p in base.iterdir():
                    head = p.name.split(".", 1)[0]
                    if head.isdigit():
                        found.add(int(head))
        return found

    def remove_snapshot(self, n: int) -> None:
        shutil.rmtree(self.snapshot(n), ignore_errors=True)
        shutil.rmtree(self.index(n), ignore_errors=True)
        for p in (self.meta(n), self.readers(n)):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a directory tree as hard links (falls back to copies across file systems)."""
    dst.mkdir(parents=True, exist_ok=True)
    if not src.is_dir():
        return
    for entry in src.iterdir():
        target = dst / entry.name
        if entry.is_dir():
            _link_tree(entry, target)
        else:
            try:
                os.link(entry, target)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                shutil.copy2(entry, target)


def _pause(stage: str) -> None:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return
    name, _, seconds = spec.partition(":")
    if name == stage:
        print(f"glossary-test: paused at {stage}", file=sys.stderr, flush=True)
        time.sleep(float(seconds or "30"))


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


# --------------------------------------------------------------------------- the store


class Store:
    """A store directory: its live snapshot for reading, and loads that add vocabularies.

    Open it with :meth:`open`; ``Store.open(path, read_only=False).load([file])`` loads.
    """

    def __init__(self, path: Path, *, read_only: bool, check_interval: float) -> None:
        self.path = path
        self.read_only = read_only
        self.check_interval = check_interval
        self._layout = _Layout(path)
        self._mutex = threading.RLock()
        self._snapshot: int | None = None
        self._ox: pyoxigraph.Store | None = None
        self._meta: dict[str, Any] = {"vocabularies": {}}
        self._reader_fd: int | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._checked = 0.0

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(cls, path: Path, *, read_only: bool = True, check_interval: float = 0.2) -> Store:
        """Open the store at ``path``.

        Read-only: the directory must exist (an empty store is fine). Read-write: it is
        created if missing, and :meth:`load` is allowed. ``check_interval`` is how often
        (seconds) a reader looks whether ``CURRENT`` changed.
        """
        path = Path(path).expanduser()
        if read_only and not path.is_dir():
            raise StoreError(
                "no store here",
                where=str(path),
                hint="load a vocabulary first: glossary load FILE --store DIR",
            )
        if not read_only:
            try:
                path.mkdir(parents=True, exist_ok=True)
                (path / "snapshots").mkdir(exist_ok=True)
                (path / "indexes").mkdir(exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the store: {exc.strerror}", where=str(path)
                ) from None
        store = cls(path, read_only=read_only, check_interval=check_interval)
        store.refresh(force=True)
        return store

    def close(self) -> None:
        with self._mutex:
            self._ox = None
            self._release_reader()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _release_reader(self) -> None:
        if self._reader_fd is not None:
            os.close(self._reader_fd)  # closing drops the flock
            self._reader_fd = None

    def refresh(self, *, force: bool = False) -> bool:
        """Reopen if ``CURRENT`` changed (checked at most every ``check_interval``).

        Returns True when the live snapshot changed. Cheap: one ``stat`` per interval.
        """
        now = time.monotonic()
        if not force and now - self._checked < self.check_interval:
            return False
        with self._mutex:
            self._checked = now
            try:
                st = os.stat(self._layout.current)
                stamp: tuple[int, int, int] | None = (st.st_ino, st.st_mtime_ns, st.st_size)
            except FileNotFoundError:
                stamp = None
            if stamp == self._stamp and not force:
                return False
            n = self._layout.read_current()
            if n == self._snapshot and (self._ox is not None or n is None):
                self._stamp = stamp
                return False
            self._open_snapshot(n)  # on failure the stamp stays old: retried next time
            self._stamp = stamp
            return True

    def _open_snapshot(self, n: int | None) -> None:
        import pyoxigraph

        self._ox = None
        self._release_reader()
        if n is None:
            self._snapshot = None
            self._meta = {"vocabularies": {}}
            return
        # Announce the reader first, so a concurrent garbage collection skips it. The
        # writer creates the file; read access is enough for a shared flock.
        try:
            fd = os.open(self._layout.readers(n), os.O_RDONLY)
        except FileNotFoundError:
            fd = os.open(self._layout.readers(n), os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_SH)
        self._reader_fd = fd
        try:
            meta = json.loads(self._layout.meta(n).read_text(encoding="utf-8"))
            self._ox = pyoxigraph.Store.read_only(str(self._layout.snapshot(n)))
        except (OSError, ValueError) as exc:
            self._release_reader()
            raise StoreError(
                f"cannot open snapshot {n}: {exc}",
                where=str(self._layout.snapshot(n)),
                hint="the store is damaged; load the vocabularies again into a new store",
            ) from None
        self._meta = meta
        self._snapshot = n

    # ----------------------------------------------------------------- reading

    @property
    def snapshot(self) -> int | None:
        """The number of the live snapshot (None for an empty store)."""
        self.refresh()
        return self._snapshot

    def live_snapshot_path(self) -> Path | None:
        """The live snapshot's RocksDB directory, for other processes to open read-only
        (``pyoxigraph.Store.read_only``); None while the store is empty. Snapshots are
        never written once live; one stays on disk at least until two later loads."""
        n = self.snapshot
        return None if n is None else self._layout.snapshot(n)

    def is_empty(self) -> bool:
        return self.snapshot is None

    def oxigraph(self) -> pyoxigraph.Store:
        """The live snapshot (read-only). An empty store gives an empty in-memory store."""
        import pyoxigraph

        self.refresh()
        with self._mutex:
            if self._ox is None:
                if self._snapshot is not None:
                    raise StoreError("the live snapshot is not open", where=str(self.path))
                self._ox = pyoxigraph.Store()
            return self._ox

    def vocabularies(self) -> list[Vocabulary]:
        """Every vocabulary, sorted by id, from the metadata counted at load time."""
        self.refresh()
        vocabs = self._meta.get("vocabularies", {})
        return [Vocabulary.from_json(vocabs[k]) for k in sorted(vocabs)]

    def vocabulary(self, vocab_id: str) -> Vocabulary:
        self.refresh()
        data = self._meta.get("vocabularies", {}).get(vocab_id)
        if data is None:
            known = ", ".join(sorted(self._meta.get("vocabularies", {}))) or "none"
            raise NotFound(f"no vocabulary {vocab_id!r} in the store (loaded: {known})")
        return Vocabulary.from_json(data)

    def vocabulary_graphs(self) -> list[str]:
        """The named graph IRIs of all vocabularies (SPARQL's default graph is their union)."""
        return [v.graph for v in self.vocabularies()]

    def index_dir(self) -> Path:
        """The live snapshot's search index directory (``STORE/indexes/<n>/``)."""
        n = self.snapshot
        return self._layout.indexes / ("empty" if n is None else str(n))

    def _query(self, query: str, bindings: dict[str, Any], graphs: Sequence[str] | None) -> Any:
        import pyoxigraph

        ox = self.oxigraph()
        subs = {pyoxigraph.Variable(k): v for k, v in bindings.items()}
        if graphs is None:
            return ox.query(query, substitutions=subs, use_default_graph_as_union=True)
        return ox.query(
            query, substitutions=subs, default_graph=[pyoxigraph.NamedNode(g) for g in graphs]
        )

    def select(
        self, query: str, *, graphs: Sequence[str] | None = None, **bindings: Any
    ) -> list[dict[str, Any]]:
        """Run a trusted SELECT (a named query); user values go in as ``bindings``.

        The default graph is the union of the vocabularies, or ``graphs`` if given.
        pyoxigraph refuses a binding for a variable the query does not project, so a
        bound variable must appear in the SELECT clause (``SELECT ?x ...``).
        """
        return solution_rows(self._query(query, bindings, graphs))

    def select_each(
        self, query: str, name: str, values: Sequence[Any], *,
        graphs: Sequence[str] | None = None, **bindings: Any,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """:meth:`select` once for each value of the variable ``name`` (which the query
        projects, so each row says which value it answers), rows concatenated in the
        order of ``values``. In process each is its own query; a remote store answers
        all in one (:meth:`glossary.remote_store.RemoteStore.select_each`)."""
        rows: list[dict[str, Any]] = []
        for value in values:
            rows += self.select(query, graphs=graphs, **{**bindings, name: value})
        return rows

    def construct(
        self, query: str, *, graphs: Sequence[str] | None = None, **bindings: Any
    ) -> list[pyoxigraph.Triple]:
        return list(self._query(query, bindings, graphs))

    def ask(self, query: str, *, graphs: Sequence[str] | None = None, **bindings: Any) -> bool:
        return bool(self._query(query, bindings, graphs))

    def quad_count(self) -> int:
        """Number of quads in the live snapshot."""
        return len(self.oxigraph())

    def export(self, out: IO[bytes], *, vocab_id: str | None = None, fmt: Any = None) -> None:
        """Write one vocabulary (or all, merged) to ``out`` in ``fmt`` (a glossary RdfFormat)."""
        import pyoxigraph

        from glossary.formats import RdfFormat

        fmt = fmt or RdfFormat.TURTLE
        ox = self.oxigraph()
        graphs = [self.vocabulary(vocab_id).graph] if vocab_id else self.vocabulary_graphs()
        if fmt.is_dataset:  # N-Quads, TriG: graph names kept, and the versions stated
            vocabs = [self.vocabulary(vocab_id)] if vocab_id else self.vocabularies()
            quads = itertools.chain(
                *(ox.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(g))
                  for g in graphs),
                version_quads(vocabs),
            )  # fmt: skip
            pyoxigraph.serialize(quads, out, fmt.oxigraph, prefixes=_PREFIXES)
            return
        if len(graphs) == 1:
            ox.dump(out, fmt.oxigraph, from_graph=pyoxigraph.NamedNode(graphs[0]),
                    prefixes=_PREFIXES)  # fmt: skip
            return
        triples = ox.query(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
            default_graph=[pyoxigraph.NamedNode(g) for g in graphs],
        )
        out.write(
            pyoxigraph.serialize(
                cast("pyoxigraph.QueryTriples", triples), format=fmt.oxigraph, prefixes=_PREFIXES
            )
            or b""
        )

    # ----------------------------------------------------------------- loading

    @contextlib.contextmanager
    def _writer_lock(self, wait: float) -> Iterator[None]:
        fd = os.open(self._layout.lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + wait
            told = False
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise StoreError(
                            "another load is writing to this store",
                            where=str(self.path),
                            hint="wait for it to finish, then retry",
                        ) from None
                    if not told:
                        log.warning("waiting for another load of %s to finish", self.path)
                        told = True
                    time.sleep(0.2)
            yield
        finally:
            os.close(fd)

    def load(
        self,
        files: Sequence[Path],
        *,
        vocab_id: str | None = None,
        replace: bool = False,
        allow_invalid: bool = False,
        lock_wait: float = 600.0,
    ) -> LoadResult:
        """Validate, then load one vocabulary per file, all in one new snapshot.

        Either every file is loaded and the new snapshot goes live, or nothing changes.
        Raises :class:`InputError` (unreadable file, bad id, id already loaded without
        ``replace``) or :class:`ValidationFailed` (violations, unless ``allow_invalid``).
        """
        from glossary.rdfconv import parse_file

        if vocab_id is not None and len(files) != 1:
            raise InputError("--vocab names one vocabulary, so it takes exactly one file",
                             hint="load the files one by one, each with its --vocab")  # fmt: skip
        if not files:
            raise InputError("no file to load")
        ids = [check_vocab_id(vocab_id) if vocab_id else vocab_id_from_path(Path(f)) for f in files]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise InputError(f"two files would become the same vocabulary {dupes[0]!r}",
                             hint="load them separately with distinct --vocab ids")  # fmt: skip
        self._check_new_ids(ids, replace)

        timings: dict[str, float] = {}
        sources: list[_Source] = []
        t = time.perf_counter()
        with Progress("parsing", total=len(files)) as progress:
            for vid, f in zip(ids, files, strict=True):
                path = Path(f)
                triples, data = parse_file(path)
                sources.append(_Source(vid, path.name, triples, hashlib.sha256(data).hexdigest()))
                progress.advance()
        timings["parse"] = time.perf_counter() - t
        _pause("parse")
        return self._load_sources(sources, replace=replace, allow_invalid=allow_invalid,
                                  lock_wait=lock_wait, timings=timings)  # fmt: skip

    def load_graph(
        self, graph: rdflib.Graph, *, vocab_id: str, source: str, replace: bool = False,
        allow_invalid: bool = False,
    ) -> LoadResult:  # fmt: skip
        """Load an rdflib graph (e.g. the compiled community glossary) as one vocabulary."""
        from glossary.rdfconv import from_rdflib

        check_vocab_id(vocab_id)
        self._check_new_ids([vocab_id], replace)
        t = time.perf_counter()
        triples = from_rdflib(graph)
        digest = hashlib.sha256()
        for line in sorted(str(tr) for tr in triples):
            digest.update(line.encode())
        src = _Source(vocab_id, source, triples, digest.hexdigest())
        timings = {"parse": time.perf_counter() - t}
        return self._load_sources([src], replace=replace, allow_invalid=allow_invalid,
                                  lock_wait=600.0, timings=timings)  # fmt: skip

    def _check_new_ids(self, ids: Sequence[str], replace: bool) -> None:
        if self.read_only:
            raise StoreError("the store was opened read-only", where=str(self.path))
        if replace:
            return
        self.refresh(force=True)
        known = self._meta.get("vocabularies", {})
        for vid in ids:
            if vid in known:
                raise InputError(
                    f"vocabulary {vid!r} is already loaded",
                    where=str(self.path),
                    hint="use --replace to load a new version of it, or --vocab to give "
                    "this one another id",
                )

    def _validate(self, src: _Source) -> Any:
        # The triples are validated as parsed (pyoxigraph), with no rdflib copy.
        from glossary.validate import validate_triples, validation_steps

        with Progress(f"validating {src.vocab_id}", total=validation_steps()) as progress:
            return validate_triples(src.triples, on_step=lambda _name: progress.advance())

    def _load_sources(
        self, sources: list[_Source], *, replace: bool, allow_invalid: bool, lock_wait: float,
        timings: dict[str, float],
    ) -> LoadResult:  # fmt: skip
        reports: dict[str, Any] = {}
        t = time.perf_counter()
        for src in sources:
            report = self._validate(src)
            reports[src.vocab_id] = report
            if not report.conforms and not allow_invalid:
                raise ValidationFailed(
                    f"vocabulary {src.vocab_id!r} ({src.name}) violates the shapes; "
                    "nothing was loaded",
                    report=report,
                    where=src.name,
                    hint="fix the data, or load it anyway with --allow-invalid",
                )
        timings["validate"] = time.perf_counter() - t
        _pause("validate")

        with self._writer_lock(lock_wait):
            self._remove_stale()
            self.refresh(force=True)
            if not replace:  # checked again under the lock: another load may have won
                self._check_new_ids([s.vocab_id for s in sources], replace)
            base = self._snapshot
            numbers = self._layout.snapshot_numbers()
            new = max(numbers | {base or 0}) + 1
            meta = json.loads(json.dumps(self._meta))  # a deep copy to edit
            meta["vocabularies"] = dict(meta.get("vocabularies", {}))
            try:
                vocabs = self._write_snapshot(sources, base, new, meta, reports, timings)
                t = time.perf_counter()
                meta["snapshot"] = new
                meta["created"] = _now()
                text = json.dumps(meta, indent=1, sort_keys=True)
                _write_atomic(self._layout.meta(new), text)
                self._layout.readers(new).touch(mode=0o644)
                _fsync_dir(self._layout.snapshots)
                _pause("flip")
            except BaseException as exc:
                # Not live yet: drop it now (a killed load's leftovers go at the next load).
                self._layout.remove_snapshot(new)
                if isinstance(exc, OSError):
                    raise StoreError(
                        f"cannot write the new snapshot: {exc}", where=str(self.path)
                    ) from None
                raise
            try:
                _write_atomic(self._layout.current, f"{new}\n")
            except OSError as exc:
                with contextlib.suppress(StoreError):
                    if self._layout.read_current() != new:  # did the replace happen?
                        self._layout.remove_snapshot(new)
                raise StoreError(f"cannot switch to the new snapshot: {exc}",
                                 where=str(self._layout.current)) from None  # fmt: skip
            timings["flip"] = time.perf_counter() - t
            self.refresh(force=True)
            self._collect_garbage(new)
        return LoadResult(vocabularies=vocabs, snapshot=new, reports=reports, timings=timings)

    def _write_snapshot(
        self, sources: list[_Source], base: int | None, new: int, meta: dict[str, Any],
        reports: dict[str, Any], timings: dict[str, float],
    ) -> list[Vocabulary]:  # fmt: skip
        import pyoxigraph

        layout = self._layout
        target = layout.snapshot(new)
        t = time.perf_counter()
        try:
            ox = self._checkpoint(base, target, [s.vocab_id for s in sources], meta)
            with Progress("writing", total=len(sources)) as progress:
                for src in sources:
                    g = pyoxigraph.NamedNode(graph_iri(src.vocab_id))
                    ox.bulk_extend(pyoxigraph.Quad(tr.subject, tr.predicate, tr.object, g)
                                   for tr in src.triples)  # fmt: skip
                    progress.advance()
            ox.flush()
        except OSError as exc:
            raise StoreError(f"cannot write the new snapshot: {exc}", where=str(target)) from None
        timings["write"] = time.perf_counter() - t
        _pause("write")

        t = time.perf_counter()
        vocabs = []
        for src in sources:
            report = reports.get(src.vocab_id)
            vocab = count_vocabulary(
                ox, src.vocab_id, source=src.name, content_hash=src.content_hash,
                conforms=bool(getattr(report, "conforms", True)),
            )  # fmt: skip
            meta["vocabularies"][src.vocab_id] = vocab.to_json()
            vocabs.append(vocab)
        timings["counts"] = time.perf_counter() - t
        _pause("counts")

        # What changed since the previous versions, written before the flip (readers
        # only read the change lists of versions up to the live one).
        t = time.perf_counter()
        previous = self._meta.get("vocabularies", {})
        old = layout.snapshot(base) if base is not None else None
        record_load(layout.root, new, ox, old, [(v, previous.get(v.id)) for v in vocabs],
                    write=_write_atomic)  # fmt: skip
        timings["changes"] = time.perf_counter() - t
        _pause("changes")

        t = time.perf_counter()
        index_dir = layout.index(new)
        if base is not None:
            _link_tree(layout.index(base), index_dir)
        else:
            index_dir.mkdir(parents=True, exist_ok=True)
        build = _index_builder()
        if build is not None:
            for src in sources:
                build(ox, graph_iri(src.vocab_id), src.vocab_id, index_dir)
        meta["indexes"] = str(index_dir.relative_to(layout.root))
        timings["indexes"] = time.perf_counter() - t
        _pause("indexes")
        ox.flush()
        del ox  # closes RocksDB before the snapshot goes live
        return vocabs

    def _checkpoint(
        self, base: int | None, target: Path, ids: list[str], meta: dict[str, Any]
    ) -> pyoxigraph.Store:
        """A new writable snapshot at ``target`` holding the live one minus ``ids``.

        Removing a large graph from RocksDB is slow (about 60 µs a quad), copying one
        is cheaper (bulk insert), so: when what is replaced outweighs half of what is
        kept, start empty and copy the kept graphs; else checkpoint (hard links, about
        1 ms) and remove the replaced graphs. The live snapshot is only ever opened
        read-only: opening it read-write could make RocksDB write into files readers
        have open.
        """
        import pyoxigraph

        if base is None:
            return pyoxigraph.Store(str(target))
        vocabs = meta["vocabularies"]
        replaced = [v for v in ids if v in vocabs]
        kept = [v for v in vocabs if v not in replaced]
        replaced_triples = sum(int(vocabs[v]["triples"]) for v in replaced)
        kept_triples = sum(int(vocabs[v]["triples"]) for v in kept)
        live = pyoxigraph.Store.read_only(str(self._layout.snapshot(base)))
        if replaced and kept_triples <= 2 * replaced_triples:
            ox = pyoxigraph.Store(str(target))
            for v in kept:
                g = pyoxigraph.NamedNode(graph_iri(v))
                ox.bulk_extend(live.quads_for_pattern(None, None, None, g))
            return ox
        live.backup(str(target))
        del live
        ox = pyoxigraph.Store(str(target))
        for v in replaced:
            ox.remove_graph(pyoxigraph.NamedNode(graph_iri(v)))
        return ox

    def _remove_stale(self) -> None:
        """Remove what a failed or killed load left: snapshots never made live."""
        live = self._layout.read_current()
        for n in sorted(self._layout.snapshot_numbers()):
            stale = live is None or n > live or not self._layout.meta(n).exists()
            if stale and n != live:
                log.info("removing stale snapshot %s of %s", n, self.path)
                self._layout.remove_snapshot(n)
        discard_unreleased(self._layout.root, live)

    def _collect_garbage(self, live: int) -> None:
        prune_changes(self._layout.root, live)
        keep = sorted(n for n in self._layout.snapshot_numbers() if n <= live)[-KEEP_SNAPSHOTS:]
        for n in self._layout.snapshot_numbers():
            if n in keep or n > live:
                continue
            fd = os.open(self._layout.readers(n), os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    log.info("snapshot %s is still read; kept until a later load", n)
                    continue
                self._layout.remove_snapshot(n)
            finally:
                os.close(fd)


_PREFIXES = {
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _index_builder() -> Callable[..., None] | None:
    """``glossary.search.build_indexes`` if the search part is installed, else None."""
    try:
        from glossary import search
    except ImportError:
        log.info("glossary.search is not available: no search indexes built")
        return None
    build = getattr(search, "build_indexes", None)
    if build is None:
        log.info("glossary.search has no build_indexes: no search indexes built")
    return build


def solution_rows(solutions: Any) -> list[dict[str, Any]]:
    """pyoxigraph ``QuerySolutions`` as rows: variable name -> term, unbound left out."""
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]


#: The graph where an export states each vocabulary's version, for a remote store
#: (glossary.remote_store reads it to notice a reload with one cheap query).
VERSIONS_GRAPH = "urn:x-glossary:versions"


def version_quads(vocabs: Sequence[Vocabulary]) -> list[Any]:
    """``<graph> dct:modified "<loaded at>"`` in :data:`VERSIONS_GRAPH`, per vocabulary."""
    import pyoxigraph

    graph = pyoxigraph.NamedNode(VERSIONS_GRAPH)
    modified = pyoxigraph.NamedNode("http://purl.org/dc/terms/modified")
    return [pyoxigraph.Quad(pyoxigraph.NamedNode(v.graph), modified,
                            pyoxigraph.Literal(v.loaded_at), graph) for v in vocabs]  # fmt: skip


def _int(term: Any) -> int:
    return int(term.value) if term is not None else 0


def count_vocabulary(
    ox: pyoxigraph.Store, vocab_id: str, *, source: str, content_hash: str = "",
    conforms: bool = True,
) -> Vocabulary:  # fmt: skip
    """Count what a vocabulary holds (a few aggregate queries on its graph)."""
    import pyoxigraph

    g = graph_iri(vocab_id)
    graph: list[Any] = [pyoxigraph.NamedNode(g)]

    def rows(name: str, **subs: Any) -> list[Any]:
        sols = ox.query(
            named_query(name), default_graph=graph,
            substitutions={pyoxigraph.Variable(k): v for k, v in subs.items()},
        )  # fmt: skip
        return list(cast("pyoxigraph.QuerySolutions", sols))

    counts = rows("vocab-counts")[0]
    label_counts = {
        (r["lang"].value if r["lang"] is not None else ""): _int(r["labels"])
        for r in rows("vocab-label-languages")
    }
    schemes = [
        r["scheme"] for r in rows("vocab-schemes") if isinstance(r["scheme"], pyoxigraph.NamedNode)
    ]
    titles: dict[str, str] = {}
    if schemes:
        for r in rows("scheme-titles", scheme=schemes[0]):
            lit = r["title"]
            titles.setdefault(lit.language or "", lit.value)
    title = None
    for lang in ("en", "", *sorted(titles)):
        if lang in titles:
            title = titles[lang]
            break
    return Vocabulary(
        id=vocab_id,
        graph=g,
        uri=schemes[0].value if schemes else None,
        title=title,
        concepts=_int(counts["concepts"]),
        triples=_int(counts["triples"]),
        languages=[lang for lang in label_counts if lang],
        label_counts=label_counts,
        schemes=[s.value for s in schemes],
        loaded_at=_now(),
        source=source,
        titles=titles,
        top_concepts=_int(counts["topConcepts"]),
        deprecated=_int(counts["deprecated"]),
        content_hash=content_hash,
        conforms=conforms,
    )


__all__ = [
    "GRAPH_PREFIX",
    "GlossaryError",
    "LoadResult",
    "Store",
    "Vocabulary",
    "check_vocab_id",
    "count_vocabulary",
    "graph_iri",
    "named_query",
    "vocab_id_from_path",
]
