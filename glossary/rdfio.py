"""Reading RDF files in any supported syntax, gzipped or not, with clear errors.

Two readers share one format detection: :func:`read_graph` (an rdflib graph, for
validation and small files) and :func:`read_quads` (pyoxigraph, fast, for loading).
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary.errors import InputError
from glossary.formats import RdfFormat

if TYPE_CHECKING:
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


def _syntax_error(path: Path, fmt: RdfFormat, exc: BaseException) -> InputError:
    line = getattr(exc, "lineno", None) or getattr(exc, "lines", None)
    where = f"{path}:{line}" if isinstance(line, int) else str(path)
    msg = getattr(exc, "msg", None) or str(exc)
    return InputError(
        f"not valid {fmt.label}: {msg}",
        where=where,
        hint=f"fix the syntax there; the file was read as {fmt.label} because of its name",
    )


def read_graph(path: Path, fmt: RdfFormat | None = None) -> rdflib.Graph:
    """Parse one file into an rdflib graph (datasets are flattened into one graph)."""
    import rdflib

    fmt = detect_format(path, fmt)
    data = read_bytes(path)
    try:
        if fmt.is_dataset:
            # Datasets are flattened through pyoxigraph: rdflib's own TriG/N-Quads
            # parsers go through its deprecated Dataset API.
            import pyoxigraph

            quads = pyoxigraph.parse(
                io.BytesIO(data), format=fmt.oxigraph, base_iri=path.resolve().as_uri()
            )
            triples = (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
            nt = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
            graph = rdflib.Graph()
            graph.parse(data=nt, format="nt")
            return graph
        graph = rdflib.Graph()
        graph.parse(data=data, format=fmt.rdflib_name, publicID=path.resolve().as_uri())
        return graph
    # rdflib raises many unrelated types for bad input (SyntaxError subclasses,
    # ValueError, json errors, SAX errors): all of them mean "unreadable input".
    except Exception as exc:  # noqa: BLE001
        raise _syntax_error(path, fmt, exc) from None


def read_quads(path: Path, fmt: RdfFormat | None = None) -> Iterator[Any]:
    """Parse one file with pyoxigraph, yielding ``pyoxigraph.Quad`` objects.

    Fast (Rust), streaming; syntax errors become :class:`InputError` with the line.
    """
    import pyoxigraph

    fmt = detect_format(path, fmt)
    data = read_bytes(path)
    try:
        yield from pyoxigraph.parse(
            io.BytesIO(data), format=fmt.oxigraph, base_iri=path.resolve().as_uri()
        )
    except SyntaxError as exc:
        raise _syntax_error(path, fmt, exc) from None
