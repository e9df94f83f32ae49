"""RDF and SPARQL result formats: one enum each, knowing media types and extensions.

Content negotiation, file reading and serialisation all go through these, so a
format is described in exactly one place.
"""

from __future__ import annotations

from enum import Enum


class RdfFormat(Enum):
    """An RDF syntax: ``(label, media types (first = canonical), extensions, rdflib name)``."""

    TURTLE = ("Turtle", ("text/turtle", "application/x-turtle"), ("ttl",), "turtle")
    NTRIPLES = ("N-Triples", ("application/n-triples", "text/plain"), ("nt",), "nt")
    JSONLD = ("JSON-LD", ("application/ld+json",), ("jsonld", "json"), "json-ld")
    RDFXML = ("RDF/XML", ("application/rdf+xml", "application/xml"), ("rdf", "xml", "owl"), "xml")
    TRIG = ("TriG", ("application/trig",), ("trig",), "trig")
    NQUADS = ("N-Quads", ("application/n-quads",), ("nq",), "nquads")

    def __init__(
        self, label: str, media_types: tuple[str, ...], extensions: tuple[str, ...], rdflib: str
    ) -> None:
        self.label = label
        self.media_types = media_types
        self.extensions = extensions
        self.rdflib_name = rdflib

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def extension(self) -> str:
        return self.extensions[0]

    @property
    def is_dataset(self) -> bool:
        return self in (RdfFormat.TRIG, RdfFormat.NQUADS)

    @property
    def oxigraph(self):  # type: ignore[no-untyped-def]
        """The matching ``pyoxigraph.RdfFormat`` (imported lazily)."""
        import pyoxigraph

        return {
            RdfFormat.TURTLE: pyoxigraph.RdfFormat.TURTLE,
            RdfFormat.NTRIPLES: pyoxigraph.RdfFormat.N_TRIPLES,
            RdfFormat.JSONLD: pyoxigraph.RdfFormat.JSON_LD,
            RdfFormat.RDFXML: pyoxigraph.RdfFormat.RDF_XML,
            RdfFormat.TRIG: pyoxigraph.RdfFormat.TRIG,
            RdfFormat.NQUADS: pyoxigraph.RdfFormat.N_QUADS,
        }[self]

    @classmethod
    def from_media_type(cls, media_type: str) -> RdfFormat | None:
        """``"text/turtle; charset=utf-8"`` -> ``RdfFormat.TURTLE``; unknown -> ``None``.

        >>> RdfFormat.from_media_type("application/ld+json; charset=utf-8")
        <RdfFormat.JSONLD: ...>
        """
        base = media_type.split(";", 1)[0].strip().lower()
        for fmt in cls:
            if base in fmt.media_types:
                return fmt
        return None

    @classmethod
    def from_extension(cls, ext: str) -> RdfFormat | None:
        """``"ttl"`` or ``".ttl"`` -> ``RdfFormat.TURTLE``; unknown -> ``None``."""
        ext = ext.lower().lstrip(".")
        for fmt in cls:
            if ext in fmt.extensions:
                return fmt
        return None

    @classmethod
    def names(cls) -> dict[str, RdfFormat]:
        """Every user-facing name of a syntax, lower case."""
        return {
            "turtle": cls.TURTLE, "ttl": cls.TURTLE,
            "nt": cls.NTRIPLES, "ntriples": cls.NTRIPLES, "n-triples": cls.NTRIPLES,
            "jsonld": cls.JSONLD, "json-ld": cls.JSONLD,
            "xml": cls.RDFXML, "rdfxml": cls.RDFXML, "rdf/xml": cls.RDFXML, "rdf": cls.RDFXML,
            "trig": cls.TRIG, "nq": cls.NQUADS, "nquads": cls.NQUADS,
        }  # fmt: skip

    @classmethod
    def from_name(cls, name: str) -> RdfFormat | None:
        """A user-facing name (``turtle``, ``nt``, ``jsonld``, ``xml``, ``trig``...)."""
        return cls.names().get(name.lower())


class ResultFormat(Enum):
    """A SPARQL SELECT/ASK results format."""

    JSON = ("SPARQL JSON", ("application/sparql-results+json", "application/json"), "srj")
    XML = ("SPARQL XML", ("application/sparql-results+xml", "application/xml"), "srx")
    CSV = ("CSV", ("text/csv",), "csv")
    TSV = ("TSV", ("text/tab-separated-values",), "tsv")

    def __init__(self, label: str, media_types: tuple[str, ...], extension: str) -> None:
        self.label = label
        self.media_types = media_types
        self.extension = extension

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def oxigraph(self):  # type: ignore[no-untyped-def]
        import pyoxigraph

        return {
            ResultFormat.JSON: pyoxigraph.QueryResultsFormat.JSON,
            ResultFormat.XML: pyoxigraph.QueryResultsFormat.XML,
            ResultFormat.CSV: pyoxigraph.QueryResultsFormat.CSV,
            ResultFormat.TSV: pyoxigraph.QueryResultsFormat.TSV,
        }[self]

    @classmethod
    def from_media_type(cls, media_type: str) -> ResultFormat | None:
        base = media_type.split(";", 1)[0].strip().lower()
        for fmt in cls:
            if base in fmt.media_types:
                return fmt
        return None
