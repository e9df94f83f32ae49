"""What each load changed: concepts added, changed, deprecated and removed, per vocabulary.

A load (:meth:`glossary.store.Store.load`) compares each vocabulary it loads with the
version it replaces, graph against graph, and writes what changed to
``STORE/changes/<n>.json`` for the store version ``<n>`` it creates. Most vocabularies
state no ``dct:modified`` on their concepts, so the data itself is compared.

When a change counts, for a concept (a subject typed ``skos:Concept``):

- **added**: a concept of the new version only; **removed**: of the old version only;
- **deprecated**: deprecated in the new version and not in the old one (``owl:deprecated
  true``, or a ``dct:isReplacedBy`` appears), with its replacements;
- **changed**: any other difference in the triples with the concept as subject, with the
  properties whose values changed (``skos:prefLabel``, ``skos:broader``, ...). A
  blank-node value (a qualified definition, a note) counts as changed when its own
  description changed, not because the parser named it anew.

The first load of a vocabulary records one event with its size, not an "added" per
concept. A reload of the same file (same content hash) is recorded with no change
and is not compared at all.

How: both graphs are dumped as N-Triples by pyoxigraph (in Rust, one canonical line per
triple) and compared as sets of lines; blank nodes are first renamed by a hash of their
description, so that only real differences are left. On STW (116,333 triples, 7,633
concepts) the stage takes about 2 s, mostly reading the two graphs out of RocksDB; the
set comparison itself about 0.1 s (``scripts/bench_load.py``).

All or nothing: the file is written (temporary file, then ``os.replace``) before the
store's ``CURRENT`` is switched, and readers only read ``<n>.json`` for ``n`` up to the
live snapshot. A load that fails or is killed leaves at most a file numbered above the
live snapshot, which readers ignore and the next load removes
(:func:`discard_unreleased`).

Bounded history: the change lists of the newest :data:`HISTORY_VERSIONS` store versions
are kept, with their version number and load time (:func:`prune`, after each load);
older ones are deleted. :class:`History` says when it no longer reaches back far
enough (``complete``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import itertools
import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary.concepts import PREFIXES, pick
from glossary.errors import InputError

if TYPE_CHECKING:
    import pyoxigraph

log = logging.getLogger(__name__)

#: How many store versions' change lists are kept (the newest ones).
HISTORY_VERSIONS = 100
#: The kinds of change, in the order they are listed.
KINDS = ("added", "changed", "deprecated", "removed")
DIRECTORY = "changes"

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_CONCEPT = "<http://www.w3.org/2004/02/skos/core#Concept>"
_PREF_LABEL = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
_DEPRECATED = "<http://www.w3.org/2002/07/owl#deprecated>"
_REPLACED_BY = "<http://purl.org/dc/terms/isReplacedBy>"
_CONCEPT_SUFFIX = f" {_RDF_TYPE} {_CONCEPT} ."
_TRUE = ('"true"', '"1"^^<http://www.w3.org/2001/XMLSchema#boolean>')


# --------------------------------------------------------------------------- records


@dataclass
class ConceptChange:
    """One concept's change in one version."""

    uri: str
    kind: str  # one of KINDS
    #: The properties whose values changed (full IRIs, sorted); empty for added/removed.
    properties: list[str] = field(default_factory=list)
    #: prefLabels by language (of the new version; of the old one when it has none).
    labels: dict[str, str] = field(default_factory=dict)
    #: For a deprecation: the replacements, each ``{"uri", "labels"}`` (labels as above).
    replaced_by: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"uri": self.uri, "change": self.kind, "properties": self.properties,
                "labels": self.labels, "replacedBy": self.replaced_by}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConceptChange:
        return cls(data["uri"], data["change"], list(data.get("properties", [])),
                   dict(data.get("labels", {})), list(data.get("replacedBy", [])))  # fmt: skip

    def label(self, lang: str | None = None, fallbacks: Sequence[str] = ()) -> str | None:
        """The prefLabel to show (``glossary.concepts.pick``), None when it has none."""
        return pick_label(self.labels, lang, fallbacks)


def pick_label(
    labels: dict[str, str], lang: str | None = None, fallbacks: Sequence[str] = ()
) -> str | None:
    """One label of a ``{lang: label}`` map, as pages pick them (``glossary.concepts.pick``).

    >>> pick_label({"de": "Farbe", "en": "colour"}, "de"), pick_label({}, "en")
    ('Farbe', None)
    """
    return pick({k: [v] for k, v in labels.items()}, lang or "", fallbacks)


@dataclass
class VocabularyChanges:
    """What one load did to one vocabulary."""

    vocab: str
    version: int
    loaded_at: str
    source: str
    concepts: int  # in the new version
    first: bool = False  # the vocabulary's first load: nothing to compare with
    previous_loaded_at: str | None = None
    previous_source: str | None = None
    changes: list[ConceptChange] = field(default_factory=list)
    #: Resources other than concepts (schemes, collections, ...) whose triples changed.
    others: int = 0

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(KINDS, 0)
        for c in self.changes:
            counts[c.kind] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "vocab": self.vocab, "version": self.version, "loadedAt": self.loaded_at,
            "source": self.source, "concepts": self.concepts, "first": self.first,
            "previousLoadedAt": self.previous_loaded_at,
            "previousSource": self.previous_source, "others": self.others,
            "changes": [c.to_json() for c in self.changes],
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VocabularyChanges:
        return cls(
            vocab=data["vocab"], version=int(data["version"]), loaded_at=data["loadedAt"],
            source=data.get("source", ""), concepts=int(data.get("concepts", 0)),
            first=bool(data.get("first")), previous_loaded_at=data.get("previousLoadedAt"),
            previous_source=data.get("previousSource"), others=int(data.get("others", 0)),
            changes=[ConceptChange.from_json(c) for c in data.get("changes", [])],
        )  # fmt: skip


def short(iri: str) -> str:
    """A property IRI as ``prefix:name`` when its namespace is a known one.

    >>> short("http://www.w3.org/2004/02/skos/core#prefLabel"), short("https://x.org/p")
    ('skos:prefLabel', 'https://x.org/p')
    """
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


# --------------------------------------------------------------------------- comparing


def graph_lines(ox: pyoxigraph.Store, graph: str) -> set[str]:
    """The triples of a named graph as N-Triples lines, blank nodes renamed by content."""
    import pyoxigraph

    data = ox.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.NamedNode(graph))
    return canonical_blank_nodes(set((data or b"").decode("utf-8").splitlines()))


def _split(line: str) -> tuple[str, str, str]:
    """``(subject, predicate, object)`` of an N-Triples line as written by pyoxigraph."""
    s, p, rest = line.split(" ", 2)
    return s, p, rest[:-2] if rest.endswith(" .") else rest


def canonical_blank_nodes(lines: set[str], *, max_depth: int = 16) -> set[str]:
    """The lines with each blank node renamed after a hash of what it says (its
    properties and values, nested blank nodes included), so that two parses of the
    same data compare equal.

    >>> one = canonical_blank_nodes({'<a> <p> _:x .', '_:x <q> "v" .'})
    >>> one == canonical_blank_nodes({'<a> <p> _:y .', '_:y <q> "v" .'})
    True
    >>> one == canonical_blank_nodes({'<a> <p> _:y .', '_:y <q> "w" .'})
    False
    """
    blank = [line for line in lines if "_:" in line]
    if not blank:
        return lines
    parsed = [_split(line) for line in blank]
    edges: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, p, o in parsed:
        if s.startswith("_:"):
            edges[s].append((p, o))
    names: dict[str, str] = {}

    def name(node: str, depth: int) -> str:
        if node in names:
            return names[node]
        if depth > max_depth:
            return "_:deep"
        names[node] = "_:cycle"  # a cycle of blank nodes names itself by this
        parts = sorted(f"{p} {name(o, depth + 1) if o.startswith('_:') else o}"
                       for p, o in edges.get(node, ()))  # fmt: skip
        names[node] = "_:h" + hashlib.sha1("\n".join(parts).encode()).hexdigest()
        return names[node]

    out = lines.difference(blank)
    for s, p, o in parsed:
        s2 = name(s, 0) if s.startswith("_:") else s
        o2 = name(o, 0) if o.startswith("_:") else o
        out.add(f"{s2} {p} {o2} .")
    return out


def _of(lines: Iterable[str], subjects: Collection[str]) -> list[str]:
    """The lines whose subject is one of ``subjects`` (N-Triples form)."""
    return [line for line in lines if line[: line.find(" ")] in subjects]


def _concepts(lines: Iterable[str]) -> set[str]:
    return {line.split(" ", 1)[0] for line in lines if line.endswith(_CONCEPT_SUFFIX)}


def _deprecated(lines: Iterable[str]) -> set[str]:
    found = set()
    for line in lines:
        if _DEPRECATED in line or _REPLACED_BY in line:
            s, p, o = _split(line)
            if p == _REPLACED_BY or (p == _DEPRECATED and o.startswith(_TRUE)):
                found.add(s)
    return found


def _values(lines: Iterable[str], subjects: set[str], predicates: tuple[str, ...]) -> list[Any]:
    """The triples (parsed by pyoxigraph) of ``subjects`` with one of ``predicates``."""
    import pyoxigraph

    wanted = []
    for line in lines:
        if any(p in line for p in predicates):
            s, p, _o = _split(line)
            if s in subjects and p in predicates:
                wanted.append(line)
    if not wanted:
        return []
    wanted.sort()  # the first of several labels in a language is then always the same
    data = "\n".join(wanted).encode("utf-8")
    return list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_TRIPLES))


def compare(old: set[str], new: set[str]) -> tuple[list[ConceptChange], int]:
    """The concepts that changed between two versions of a graph (as from
    :func:`graph_lines`), sorted by kind then URI, and how many other resources changed."""
    removed, added = old - new, new - old
    if not removed and not added:
        return [], 0
    props: dict[str, set[str]] = defaultdict(set)
    for line in itertools.chain(removed, added):
        s, p, _o = _split(line)
        if s.startswith("<"):
            props[s].add(p[1:-1])
    # Only the changed subjects' lines are looked at further (one pass over each side).
    old_mine, new_mine = _of(old, props.keys()), _of(new, props.keys())
    old_concepts, new_concepts = _concepts(old_mine), _concepts(new_mine)
    dep_old, dep_new = _deprecated(old_mine), _deprecated(new_mine)
    changes: list[ConceptChange] = []
    others = 0
    for s in props:
        if s in new_concepts and s not in old_concepts:
            change = ConceptChange(s[1:-1], "added")
        elif s in old_concepts and s not in new_concepts:
            change = ConceptChange(s[1:-1], "removed")
        elif s in new_concepts:
            kind = "deprecated" if s in dep_new and s not in dep_old else "changed"
            change = ConceptChange(s[1:-1], kind, sorted(props[s]))
        else:
            others += 1
            continue
        changes.append(change)
    by_uri = {c.uri: c for c in changes}
    current = {f"<{c.uri}>" for c in changes if c.kind != "removed"}
    for t in _values(new_mine, current, (_PREF_LABEL, _REPLACED_BY)):
        c = by_uri[t.subject.value]
        if t.predicate.value == _PREF_LABEL[1:-1]:
            c.labels.setdefault(t.object.language or "", t.object.value)
        elif c.kind == "deprecated":
            c.replaced_by.append({"uri": t.object.value, "labels": {}})
    unlabelled = {f"<{c.uri}>" for c in changes if not c.labels}  # removed, or no label now
    for t in _values(old_mine, unlabelled, (_PREF_LABEL,)):
        by_uri[t.subject.value].labels.setdefault(t.object.language or "", t.object.value)
    replacements = {f"<{r['uri']}>": r for c in changes for r in c.replaced_by}
    wanted = set(replacements)
    for t in _values(_of(new, wanted) if wanted else [], wanted, (_PREF_LABEL,)):
        labels = replacements[f"<{t.subject.value}>"]["labels"]
        labels.setdefault(t.object.language or "", t.object.value)
    for c in changes:
        c.labels = dict(sorted(c.labels.items()))
        for r in c.replaced_by:
            r["labels"] = dict(sorted(r["labels"].items()))
        c.replaced_by.sort(key=lambda r: str(r["uri"]))
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.uri))
    return changes, others


# --------------------------------------------------------------------------- recording


def directory(root: Path) -> Path:
    return root / DIRECTORY


def version_file(root: Path, version: int) -> Path:
    return directory(root) / f"{version}.json"


def record_load(
    root: Path, version: int, new: pyoxigraph.Store, old_snapshot: Path | None,
    loads: Sequence[tuple[Any, dict[str, Any] | None]], *,
    write: Callable[[Path, str], None],
) -> list[VocabularyChanges]:  # fmt: skip
    """Compare each loaded vocabulary with its previous version and write
    ``STORE/changes/<version>.json`` with ``write`` (an atomic writer).

    ``loads``: per vocabulary, its new :class:`glossary.store.Vocabulary` (counted in
    ``new``) and the previous one's stored metadata (None: a first load).
    ``old_snapshot`` is the live snapshot's directory (opened read-only).
    """
    import pyoxigraph

    records: list[VocabularyChanges] = []
    old_ox: pyoxigraph.Store | None = None
    for vocab, previous in loads:
        rec = VocabularyChanges(vocab.id, version, vocab.loaded_at, vocab.source,
                                vocab.concepts, first=previous is None)  # fmt: skip
        if previous is not None:
            rec.previous_loaded_at = previous.get("loaded_at")
            rec.previous_source = previous.get("source")
            same = vocab.content_hash and vocab.content_hash == previous.get("content_hash")
            if not same and old_snapshot is not None:
                if old_ox is None:
                    old_ox = pyoxigraph.Store.read_only(str(old_snapshot))
                rec.changes, rec.others = compare(
                    graph_lines(old_ox, vocab.graph), graph_lines(new, vocab.graph)
                )
        records.append(rec)
    directory(root).mkdir(exist_ok=True)
    created = max((r.loaded_at for r in records), default="")
    body = {"version": version, "created": created,
            "vocabularies": [r.to_json() for r in records]}  # fmt: skip
    write(version_file(root, version), json.dumps(body, ensure_ascii=False, separators=(",", ":")))
    return records


def _numbered(root: Path) -> Iterator[tuple[int, Path]]:
    d = directory(root)
    if not d.is_dir():
        return
    for p in d.iterdir():
        head = p.name.split(".", 1)[0]
        if head.isdigit() and p.name == f"{head}.json":
            yield int(head), p


def discard_unreleased(root: Path, live: int | None) -> None:
    """Remove what failed or killed loads left: change lists of versions above the live
    one (never switched to), and temporary files."""
    d = directory(root)
    if not d.is_dir():
        return
    for n, p in list(_numbered(root)):
        if live is None or n > live:
            p.unlink(missing_ok=True)
    for p in d.glob(".*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def prune(root: Path, live: int, keep: int | None = None) -> None:
    """Keep the change lists of the newest ``keep`` (:data:`HISTORY_VERSIONS`) versions
    up to ``live``."""
    keep = HISTORY_VERSIONS if keep is None else keep
    numbers = sorted(n for n, _p in _numbered(root) if n <= live)
    for n in numbers[:-keep] if keep > 0 else numbers:
        version_file(root, n).unlink(missing_ok=True)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Since:
    """A ``since`` point: a store version (changes after it) or a time (changes loaded
    at or after it)."""

    version: int | None = None
    time: _dt.datetime | None = None

    def admits(self, rec: VocabularyChanges) -> bool:
        if self.version is not None:
            return rec.version > self.version
        if self.time is not None:
            return parse_time(rec.loaded_at) >= self.time
        return True


SINCE_HINT = (
    "give an ISO 8601 date-time such as 2026-12-01T09:30:00Z (escape '+' as %2B in a URL),"
    " a date such as 2026-12-01, or a store version number such as 12 (the 'version' of"
    " an earlier answer: changes after it)"
)


def parse_time(text: str) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)


def parse_since(text: str | None) -> Since:
    """The ``since`` parameter: a version number, an ISO 8601 date or date-time (UTC
    when it names no zone), or nothing.

    >>> parse_since("12").version, parse_since("2026-12-01").time.isoformat()
    (12, '2026-12-01T00:00:00+00:00')
    >>> parse_since("2026-12-01T10:00:00 02:00").time.isoformat()  # '+' lost in a URL
    '2026-12-01T10:00:00+02:00'
    """
    if text is None or not text.strip():
        return Since()
    raw = text.strip()
    if raw.isdigit():
        return Since(version=int(raw))
    candidates = [raw]
    if re.search(r"\d \d\d(:?\d\d)?$", raw):  # a '+' that the query string made a space
        candidates.append(raw[::-1].replace(" ", "+", 1)[::-1])
    for candidate in candidates:
        try:
            return Since(time=parse_time(candidate))
        except ValueError:
            continue
    raise InputError(f"since={raw[:60]!r} is neither a date-time nor a version number",
                     where="since", hint=SINCE_HINT)  # fmt: skip


@dataclass
class History:
    """The kept change lists of a store, up to its live version, oldest first."""

    live: int | None
    records: list[VocabularyChanges]
    oldest: int | None  # the oldest version whose change list is kept

    @classmethod
    def read(cls, root: Path, live: int | None) -> History:
        records: list[VocabularyChanges] = []
        numbers = sorted(n for n, _p in _numbered(root) if live is not None and n <= live)
        for n in numbers:
            try:
                body = json.loads(version_file(root, n).read_text(encoding="utf-8"))
                records += [VocabularyChanges.from_json(v) for v in body["vocabularies"]]
            except FileNotFoundError:  # pruned by a load meanwhile
                continue
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("skipping the damaged change list %s: %s", n, exc)
        records.sort(key=lambda r: (r.version, r.vocab))
        return cls(live, records, numbers[0] if numbers else None)

    def select(self, since: Since, vocab: str | None = None) -> list[VocabularyChanges]:
        return [r for r in self.records
                if since.admits(r) and (vocab is None or r.vocab == vocab)]  # fmt: skip

    def complete(self, since: Since) -> bool:
        """Whether the kept history reaches back to ``since`` (versions count from 1)."""
        if self.live is None or self.oldest == 1:
            return True
        if self.oldest is None:
            return since.version is not None and since.version >= self.live
        if since.version is not None:
            return since.version + 1 >= self.oldest
        if since.time is not None:
            first = next((r for r in self.records if r.version == self.oldest), None)
            return first is not None and since.time > parse_time(first.loaded_at)
        return False


__all__ = [
    "HISTORY_VERSIONS",
    "KINDS",
    "ConceptChange",
    "History",
    "Since",
    "VocabularyChanges",
    "canonical_blank_nodes",
    "compare",
    "discard_unreleased",
    "graph_lines",
    "parse_since",
    "prune",
    "record_load",
    "short",
]
