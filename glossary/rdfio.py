"""Reading RDF files in any supported syntax, gzipped or not, with clear errors.

Every file is parsed once, by pyoxigraph (:func:`read_triples`, :func:`parse_bytes`);
:func:`read_graph` converts the result for code that needs rdflib (pySHACL).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from glossary.errors import InputError
from glossary.formats import RdfFormat

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

_SUPPORTED = ", ".join(f".{e}" for f in RdfFormat for e in f.extensions)


def detect_format(path: Path, explicit: RdfFormat | None = None) -> RdfFormat:
    """The format of ``path`` from its extension (``.gz`` looked through), or ``explicit``."""
    if explicit is not None:
        return explicit
    suffixes = [s.lstrip(".") for s in path.suffixes]
    if suffixes and suffixes[-1].lower() == "gz":
        suffixes = suffixes[:-1]
    fmt = RdfFormat.from_extension(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise InputError(
            f"cannot tell the RDF syntax from the file name (extensions understood: {_SUPPORTED}, "
            "each optionally followed by .gz)",
            where=str(path),
            hint="rename the file, or pass the format explicitly",
        )
    return fmt


def read_bytes(path: Path) -> bytes:
    """The file's content, gunzipped when it is gzip (by magic number, not by name)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", where=str(path)) from None
    except IsADirectoryError:
        raise InputError("is a directory, not an RDF file", where=str(path)) from None
    except PermissionError:
        raise InputError("permission denied", where=str(path)) from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(f"corrupt gzip data ({exc})", where=str(path)) from None
    return data


def parse_bytes(
    data: bytes, fmt: RdfFormat, *, where: str, base_iri: str | None = None
) -> list[pyoxigraph.Triple]:
    """Parse ``data`` with pyoxigraph; a dataset's named graphs are flattened into one graph.

    Blank nodes are renamed to fresh ids, so two files (or two vocabularies) never
    share a blank node by accident. A syntax error becomes :class:`InputError` naming
    ``where`` and the line.

    >>> ts = parse_bytes(b'<http://e/a> <http://e/b> "c"@en .', RdfFormat.NTRIPLES, where="x")
    >>> ts[0].object
    <Literal value=c language=en>
    """
    import pyoxigraph

    from glossary.rdfguard import check

    check(data, fmt.label, where=where)
    try:
        return [
            pyoxigraph.Triple(q.subject, q.predicate, q.object)
            for q in pyoxigraph.parse(
                io.BytesIO(data),
                format=fmt.oxigraph,
                base_iri=base_iri,
                rename_blank_nodes=True,
                lenient=True,
            )
        ]
    except SyntaxError as exc:
        line = exc.lineno
        raise InputError(
            f"not valid {fmt.label}: {exc.msg or exc}",
            where=f"{where}:{line}" if line else where,
            hint=f"fix the syntax there (it was read as {fmt.label})",
        ) from None
    except ValueError as exc:  # pyoxigraph: e.g. an unsupported feature of the format
        raise InputError(f"not valid {fmt.label}: {exc}", where=where) from None


def parse_path(path: Path, fmt: RdfFormat | None = None) -> tuple[list[pyoxigraph.Triple], bytes]:
    """Parse one file (any supported syntax, gzip looked through); the triples and the
    raw content. An SSSOM mapping table (``*.sssom.tsv``) gives its SKOS mapping
    triples (glossary/mappings/sssom.py), so reviewed mappings load as a vocabulary."""
    from glossary.mappings.sssom import is_sssom_path, sssom_triples

    if fmt is None and is_sssom_path(path.name):
        data = read_bytes(path)
        return sssom_triples(data, where=str(path)), data
    fmt = detect_format(path, fmt)
    data = read_bytes(path)
    return parse_bytes(data, fmt, where=str(path), base_iri=path.resolve().as_uri()), data


def read_triples(path: Path, fmt: RdfFormat | None = None) -> list[pyoxigraph.Triple]:
    """Parse one file (any supported syntax, gzip looked through) into pyoxigraph triples."""
    return parse_path(path, fmt)[0]


def read_quads(path: Path, fmt: RdfFormat | None = None) -> Iterator[pyoxigraph.Quad]:
    """The file's triples as ``pyoxigraph.Quad`` objects in the default graph."""
    import pyoxigraph

    for t in read_triples(path, fmt):
        yield pyoxigraph.Quad(t.subject, t.predicate, t.object)


def read_graph(path: Path, fmt: RdfFormat | None = None) -> rdflib.Graph:
    """Parse one file into an rdflib graph (datasets are flattened into one graph).

    Parsed by pyoxigraph (several times faster than rdflib's parsers, and one
    behaviour for every syntax), then converted.
    """
    from glossary.rdfconv import to_rdflib

    return to_rdflib(read_triples(path, fmt))
