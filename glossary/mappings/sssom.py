"""SSSOM TSV: a small writer and reader for mapping tables (https://w3id.org/sssom/).

The file is what the ``sssom`` package reads (``sssom.parse_tsv``): a metadata block
of ``#``-prefixed YAML lines (``curie_map``, ``mapping_set_id``, ``license``, ...),
then a tab-separated table whose ``*_id`` columns hold CURIEs expanded through that
``curie_map``. The core writes and reads it itself (no ``sssom`` dependency: that
package and its dependencies are large); the tests read every file written here
back with ``sssom``.

Reading turns the rows whose ``predicate_id`` is a SKOS mapping property into
triples, so that ``glossary load FILE.sssom.tsv --vocab ID`` loads reviewed
suggestions as a mapping vocabulary (:func:`mapping_triples`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from glossary.errors import InputError

if TYPE_CHECKING:
    import pyoxigraph

SKOS = "http://www.w3.org/2004/02/skos/core#"
SEMAPV = "https://w3id.org/semapv/vocab/"
#: The SKOS mapping properties a mapping vocabulary may hold.
MAPPING_PREDICATES = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
#: Columns written, in this order (SSSOM slot names).
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "comment",
)
#: "Licence not stated": SSSOM's own placeholder (the mapping set's licence is required).
UNSPECIFIED_LICENSE = "https://w3id.org/sssom/license/unspecified"
_PREFIX_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class MappingRow:
    subject_id: str  # full IRIs here; CURIEs only in the file
    predicate_id: str
    object_id: str
    mapping_justification: str
    confidence: float | None = None
    subject_label: str | None = None
    object_label: str | None = None
    comment: str | None = None


@dataclass
class MappingSet:
    """A mapping set: its rows and its metadata (``mapping_set_id`` is an IRI)."""

    rows: list[MappingRow]
    mapping_set_id: str
    license: str = UNSPECIFIED_LICENSE
    metadata: dict[str, str] = field(default_factory=dict)  # further mapping set slots
    prefixes: dict[str, str] = field(default_factory=dict)  # preferred names: vocab id -> ns


def namespace(uri: str) -> str:
    """The namespace part of an IRI: up to its last ``#`` or ``/``.

    >>> namespace("http://zbw.eu/stw/descriptor/10001-6"), namespace("http://e.org/v#C1")
    ('http://zbw.eu/stw/descriptor/', 'http://e.org/v#')
    """
    cut = max(uri.rfind("#"), uri.rfind("/"))
    return uri[: cut + 1] if cut >= 0 else uri


def _prefix_name(wanted: str, taken: dict[str, str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", wanted) or "ns"
    if not _PREFIX_OK.match(base):
        base = "ns_" + base
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


def curie_map(ms: MappingSet) -> dict[str, str]:
    """Prefix name -> namespace for every IRI of the rows: ``skos`` and ``semapv``,
    then one per namespace, named after ``ms.prefixes`` (a vocabulary id) when given."""
    out = {"skos": SKOS, "semapv": SEMAPV}
    by_ns = {v: k for k, v in out.items()}
    named = {ns: name for name, ns in ms.prefixes.items()}
    for row in ms.rows:
        for iri in (row.subject_id, row.object_id):
            ns = namespace(iri)
            if ns not in by_ns:
                name = _prefix_name(named.get(ns, "ns"), out)
                out[name] = ns
                by_ns[ns] = name
    return out


def _curie(iri: str, by_ns: dict[str, str]) -> str:
    ns = namespace(iri)
    local = iri[len(ns) :]
    if ns in by_ns and local and not any(c in local for c in "\t\n\r "):
        return f"{by_ns[ns]}:{local}"
    raise InputError(f"cannot write {iri!r} as a CURIE", hint="IRIs must not end in / or #")


def _yaml_scalar(value: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is valid YAML)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def write_sssom(ms: MappingSet) -> str:
    """The mapping set as SSSOM TSV text (metadata block, header, one row per mapping)."""
    cmap = curie_map(ms)
    by_ns = {v: k for k, v in cmap.items()}
    lines = ["#curie_map:"]
    lines += [f"#  {name}: {_yaml_scalar(ns)}" for name, ns in cmap.items()]
    lines.append(f"#mapping_set_id: {_yaml_scalar(ms.mapping_set_id)}")
    lines.append(f"#license: {_yaml_scalar(ms.license)}")
    lines += [f"#{k}: {_yaml_scalar(v)}" for k, v in ms.metadata.items()]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for r in ms.rows:
        writer.writerow(
            [
                _curie(r.subject_id, by_ns),
                _clean(r.subject_label),
                _curie(r.predicate_id, by_ns),
                _curie(r.object_id, by_ns),
                _clean(r.object_label),
                _curie(r.mapping_justification, by_ns),
                "" if r.confidence is None else f"{r.confidence:.4f}",
                _clean(r.comment),
            ]
        )
    return "\n".join(lines) + "\n" + buf.getvalue()


def _clean(text: str | None) -> str:
    """A cell: tabs and line breaks would break the table (labels rarely hold them)."""
    return " ".join(text.split()) if text else ""


# --- reading ------------------------------------------------------------------------


def _parse_metadata(lines: Sequence[str], where: str) -> dict[str, Any]:
    import yaml

    text = "\n".join(line[1:] for line in lines)
    try:
        meta = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise InputError(
            f"the SSSOM metadata block is not valid YAML ({exc})",
            where=where,
            hint="each metadata line starts with '#', then YAML",
        ) from None
    if not isinstance(meta, dict):
        raise InputError("the SSSOM metadata block is not a YAML mapping", where=where)
    return meta


def read_sssom(data: bytes | str, *, where: str) -> MappingSet:
    """Parse SSSOM TSV (embedded metadata block; CURIEs expanded with its ``curie_map``,
    full IRIs also accepted). Errors name the line and the cell."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    all_lines = text.splitlines()
    head = 0
    while head < len(all_lines) and all_lines[head].startswith("#"):
        head += 1
    meta = _parse_metadata(all_lines[:head], where)
    cmap = meta.get("curie_map") or {}
    if not isinstance(cmap, dict):
        raise InputError("curie_map must map prefix names to namespaces", where=where)
    cmap = {str(k): str(v) for k, v in cmap.items()}
    cmap.setdefault("skos", SKOS)
    cmap.setdefault("semapv", SEMAPV)
    reader = csv.DictReader(io.StringIO("\n".join(all_lines[head:])), delimiter="\t")
    missing = [
        c for c in ("subject_id", "predicate_id", "object_id") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise InputError(
            f"the SSSOM table has no column {', '.join(missing)}",
            where=f"{where}:{head + 1}",
            hint="the first line after the # metadata is the header: "
            "subject_id, predicate_id, object_id, ...",
        )
    rows = []
    for n, rec in enumerate(reader, start=head + 2):
        if not any((v or "").strip() for v in rec.values() if isinstance(v, str)):
            continue
        at = f"{where}:{n}"
        conf = (rec.get("confidence") or "").strip()
        try:
            confidence = float(conf) if conf else None
        except ValueError:
            raise InputError(f"confidence {conf!r} is not a number", where=at) from None
        if (rec.get("predicate_modifier") or "").strip() == "Not":
            continue  # a negated mapping ("not a match"): no link to load
        rows.append(
            MappingRow(
                subject_id=_expand(rec.get("subject_id"), cmap, at, "subject_id"),
                predicate_id=_expand(rec.get("predicate_id"), cmap, at, "predicate_id"),
                object_id=_expand(rec.get("object_id"), cmap, at, "object_id"),
                mapping_justification=_expand(
                    rec.get("mapping_justification") or "semapv:UnspecifiedMatching",
                    cmap,
                    at,
                    "mapping_justification",
                ),
                confidence=confidence,
                subject_label=rec.get("subject_label") or None,
                object_label=rec.get("object_label") or None,
                comment=rec.get("comment") or None,
            )
        )
    extra = {
        k: str(v)
        for k, v in meta.items()
        if k not in ("curie_map", "mapping_set_id", "license") and isinstance(v, str)
    }
    return MappingSet(
        rows=rows,
        mapping_set_id=str(meta.get("mapping_set_id") or ""),
        license=str(meta.get("license") or UNSPECIFIED_LICENSE),
        metadata=extra,
    )


def _expand(value: str | None, cmap: dict[str, str], where: str, column: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InputError(f"{column} is empty", where=where)
    if value.startswith(("http://", "https://", "urn:")):
        return value
    prefix, colon, local = value.partition(":")
    if not colon or prefix not in cmap:
        raise InputError(
            f"{column} {value!r}: unknown prefix {prefix!r}",
            where=where,
            hint="declare it in the #curie_map block, or write the full IRI",
        )
    return cmap[prefix] + local


def mapping_triples(ms: MappingSet, *, where: str) -> list[pyoxigraph.Triple]:
    """One ``subject predicate object`` triple per row (SKOS mapping properties only;
    rows with ``predicate_modifier: Not`` were dropped when read)."""
    import pyoxigraph

    allowed = {SKOS + p for p in MAPPING_PREDICATES}
    out = []
    for n, r in enumerate(ms.rows, start=1):
        if r.predicate_id not in allowed:
            raise InputError(
                f"mapping {n}: predicate {r.predicate_id} is not a SKOS mapping property",
                where=where,
                hint="use skos:exactMatch, closeMatch, broadMatch, narrowMatch or relatedMatch",
            )
        try:
            out.append(
                pyoxigraph.Triple(
                    pyoxigraph.NamedNode(r.subject_id),
                    pyoxigraph.NamedNode(r.predicate_id),
                    pyoxigraph.NamedNode(r.object_id),
                )
            )
        except ValueError as exc:
            raise InputError(f"mapping {n}: not a valid IRI ({exc})", where=where) from None
    return out


def is_sssom_path(name: str) -> bool:
    """Is this file name an SSSOM table (``*.sssom.tsv``, optionally ``.gz``)?

    >>> [is_sssom_path(n) for n in ("stw-unesco.sssom.tsv", "a.SSSOM.TSV.gz", "a.tsv")]
    [True, True, False]
    """
    low = name.lower()
    return low.removesuffix(".gz").endswith(".sssom.tsv")


def sssom_triples(data: bytes, *, where: str) -> list[pyoxigraph.Triple]:
    """An SSSOM TSV file's content as mapping triples (the loader's entry point)."""
    return mapping_triples(read_sssom(data, where=where), where=where)


def rows_to_json(rows: Iterable[MappingRow]) -> list[dict[str, Any]]:
    """Rows as JSON objects (full IRIs; SSSOM slot names)."""
    return [
        {
            "subject_id": r.subject_id,
            "subject_label": r.subject_label,
            "predicate_id": r.predicate_id,
            "object_id": r.object_id,
            "object_label": r.object_label,
            "mapping_justification": r.mapping_justification,
            "confidence": r.confidence,
            "comment": r.comment,
        }
        for r in rows
    ]


def mapping_set_json(ms: MappingSet, *, total: int | None = None) -> dict[str, Any]:
    """The JSON form of a mapping set (the CLI's ``--format json`` and the API's):
    ``mapping_set_id``, ``license``, ``metadata``, ``total`` (suggestions before any
    limit) and ``mappings`` (full IRIs)."""
    return {
        "mapping_set_id": ms.mapping_set_id,
        "license": ms.license,
        "metadata": ms.metadata,
        "total": len(ms.rows) if total is None else total,
        "mappings": rows_to_json(ms.rows),
    }
