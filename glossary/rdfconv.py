"""Conversion between pyoxigraph and rdflib terms.

Files are parsed once, by pyoxigraph (:mod:`glossary.rdfio`); code that needs rdflib
(pySHACL, rdflib's serialisers) gets a converted graph from here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary import rdfio
from glossary.errors import InputError
from glossary.formats import RdfFormat

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def parse_file(path: Path, fmt: RdfFormat | None = None) -> tuple[list[pyoxigraph.Triple], bytes]:
    """Parse one file (gzip looked through); returns the triples and the raw content."""
    return rdfio.parse_path(path, fmt)


def term_to_rdflib(term: Any) -> Any:
    """One pyoxigraph term as the equal rdflib term (``xsd:string`` literals become plain)."""
    import pyoxigraph
    import rdflib

    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return rdflib.BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == XSD_STRING:
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(dt))
    raise InputError(f"unsupported RDF term {term!r} (RDF-star triple terms are not supported)")


def to_rdflib(triples: Iterable[pyoxigraph.Triple]) -> rdflib.Graph:
    """An rdflib graph holding ``triples`` (for validation with pySHACL)."""
    import rdflib

    graph = rdflib.Graph()
    conv = term_to_rdflib
    # rdflib logs (with a traceback) and may warn when it cannot convert an ill-typed
    # literal (e.g. a date written "18-12-2020" typed xsd:dateTime). The lexical form is
    # kept, and flagging it is the validator's job: here it is neither an error nor
    # something to print. The filter is removed again at once.
    rdflib_term_log = logging.getLogger("rdflib.term")
    rdflib_term_log.addFilter(_drop_conversion_failures)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="Failed to convert Literal", category=UserWarning
            )
            add = graph.add
            for t in triples:
                add((conv(t.subject), conv(t.predicate), conv(t.object)))
    finally:
        rdflib_term_log.removeFilter(_drop_conversion_failures)
    return graph


def _drop_conversion_failures(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Failed to convert Literal")


def term_from_rdflib(term: Any) -> Any:
    """One rdflib term as the equal pyoxigraph term."""
    import pyoxigraph
    import rdflib

    if isinstance(term, rdflib.URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, rdflib.BNode):
        return pyoxigraph.BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        if term.language:
            return pyoxigraph.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
        return pyoxigraph.Literal(str(term))
    raise InputError(f"unsupported RDF term {term!r}")


def from_rdflib(graph: rdflib.Graph) -> list[pyoxigraph.Triple]:
    """The triples of an rdflib graph as pyoxigraph triples."""
    import pyoxigraph

    conv = term_from_rdflib
    return [pyoxigraph.Triple(conv(s), conv(p), conv(o)) for s, p, o in graph]
