"""Linked-data rules as pure functions: URI <-> request path, per-format suffixes, and
which representation a request gets.

No HTTP framework here; ``service/linkeddata.py`` applies these rules. The design is
described in ``docs/linked-data.md``.

Concept URIs that lie under the service's *public base* (default
:data:`DEFAULT_PUBLIC_BASE`) dereference at their own path on the service's host:
``https://w3id.org/semantic-glossary/community/content-pillar`` answers at
``/community/content-pillar``.

>>> uri_for_path("https://w3id.org/semantic-glossary/", "/community/content-pillar")
'https://w3id.org/semantic-glossary/community/content-pillar'
>>> path_for_uri("https://w3id.org/semantic-glossary/", "https://w3id.org/semantic-glossary/community")
'/community'
>>> path_for_uri("https://w3id.org/semantic-glossary/", "http://example.org/x") is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from glossary.errors import InputError, NotAcceptable
from glossary.formats import RdfFormat
from glossary.negotiation import choose

#: Where the community glossary's URIs live (its base without ``community/``). A
#: request for ``/community/x`` on the service answers for ``<base>community/x``.
DEFAULT_PUBLIC_BASE = "https://w3id.org/semantic-glossary/"

HTML = "text/html"

#: The representations a concept, scheme or any described resource has, in the
#: server's order of preference: the first is what ``*/*`` and no ``Accept`` get.
RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat.TURTLE,
    RdfFormat.JSONLD,
    RdfFormat.RDFXML,
    RdfFormat.NTRIPLES,
)

#: Media types offered, canonical ones first, then aliases clients send. HTML first:
#: ``*/*`` and a missing Accept get the page (browsers, link previewers, crawlers);
#: RDF clients name the syntax they want.
_OFFERS: tuple[tuple[str, RdfFormat | None], ...] = (
    (HTML, None),
    ("text/turtle", RdfFormat.TURTLE),
    ("application/ld+json", RdfFormat.JSONLD),
    ("application/rdf+xml", RdfFormat.RDFXML),
    ("application/n-triples", RdfFormat.NTRIPLES),
    ("application/xhtml+xml", None),
    ("application/x-turtle", RdfFormat.TURTLE),
    ("application/json", RdfFormat.JSONLD),
    ("application/xml", RdfFormat.RDFXML),
    ("text/xml", RdfFormat.RDFXML),
    # What rdflib's ``Graph().parse(uri, format=...)`` asks for: ``text/plain`` (the
    # old N-Triples type, as /sparql takes it), N3 and TriG, of which Turtle is a
    # part (so a Turtle answer parses as either).
    ("text/plain", RdfFormat.NTRIPLES),
    ("text/n3", RdfFormat.TURTLE),
    ("text/rdf+n3", RdfFormat.TURTLE),
    ("application/n3", RdfFormat.TURTLE),
    ("application/trig", RdfFormat.TURTLE),
)

#: What a 406 lists as offered: the canonical media types.
OFFERED: list[str] = [HTML] + [f.media_type for f in RDF_FORMATS]

#: The per-format suffixes and ``format=`` values, for people who cannot set headers.
SUFFIXES: dict[str, RdfFormat | None] = {
    "html": None,
    "ttl": RdfFormat.TURTLE,
    "jsonld": RdfFormat.JSONLD,
    "rdf": RdfFormat.RDFXML,
    "nt": RdfFormat.NTRIPLES,
}


@dataclass(frozen=True)
class Representation:
    """What to answer with: an HTML page (``rdf is None``) or an RDF syntax."""

    rdf: RdfFormat | None

    @property
    def is_html(self) -> bool:
        return self.rdf is None

    @property
    def media_type(self) -> str:
        return HTML if self.rdf is None else self.rdf.media_type

    @property
    def suffix(self) -> str:
        return "html" if self.rdf is None else suffix_for(self.rdf)


def suffix_for(fmt: RdfFormat) -> str:
    """The per-format URL suffix of an RDF syntax.

    >>> suffix_for(RdfFormat.RDFXML)
    'rdf'
    """
    for suffix, f in SUFFIXES.items():
        if f is fmt:
            return suffix
    raise ValueError(f"no suffix for {fmt.label}")


def negotiate(accept: str | None) -> Representation:
    """The representation a request with this ``Accept`` header gets.

    ``*/*`` and no header get HTML; q-values, wildcards and specificity are honoured
    (by :func:`glossary.negotiation.choose`). Raises :class:`NotAcceptable` (406)
    when nothing offered is acceptable.

    >>> negotiate("text/turtle;q=0.9, text/html;q=0.5").media_type
    'text/turtle'
    >>> negotiate(None).is_html
    True
    """
    chosen = choose(accept, [mt for mt, _ in _OFFERS])
    if chosen is None:
        raise NotAcceptable(
            f"none of the media types in the Accept header ({accept}) is offered here",
            offered=OFFERED,
            hint="ask for one of the offered types, or add a suffix (.ttl, .jsonld, .rdf, "
            ".nt, .html) or format=ttl to the URL",
        )
    return Representation(dict(_OFFERS)[chosen])


def representation_for(name: str) -> Representation:
    """The representation named by a suffix or a ``format=`` value (``ttl``, ``jsonld``,
    ``turtle``, ``html``...). Raises :class:`InputError` (400) for an unknown name.

    >>> representation_for("ttl").media_type
    'text/turtle'
    """
    key = name.strip().lower()
    if key in SUFFIXES:
        return Representation(SUFFIXES[key])
    fmt = RdfFormat.from_name(key)
    if fmt is not None and fmt in RDF_FORMATS:
        return Representation(fmt)
    raise InputError(
        f"unknown format {name!r}",
        where="format",
        hint="use one of: " + ", ".join(SUFFIXES),
    )


def normalise_base(base: str) -> str:
    """The public base with exactly one trailing slash."""
    return base.rstrip("/") + "/"


def uri_for_path(base: str, path: str) -> str:
    """The URI a request path on this service stands for (``/a/b`` -> ``<base>a/b``)."""
    return normalise_base(base) + path.lstrip("/")


def path_for_uri(base: str, uri: str) -> str | None:
    """The request path at which ``uri`` dereferences on this service, or ``None`` when
    it does not lie under the public base (or is a hash URI: the fragment never reaches
    a server, so those go through ``/resource?uri=``)."""
    base = normalise_base(base)
    if "#" in uri or not uri.startswith(base):
        return None
    rest = uri[len(base) :]
    if not rest:
        return None
    return "/" + rest


def split_suffix(path: str) -> tuple[str, str | None]:
    """Split a per-format suffix off a request path.

    >>> split_suffix("/community/content-pillar.ttl")
    ('/community/content-pillar', 'ttl')
    >>> split_suffix("/community/v1.2")
    ('/community/v1.2', None)
    """
    stem, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext.lower() in SUFFIXES and stem and not stem.endswith("/"):
        return stem, ext.lower()
    return path, None


def document_uri(uri: str) -> str:
    """The document a hash URI lives in (``http://x/v#C1`` -> ``http://x/v``)."""
    return uri.split("#", 1)[0]


def resource_url(base: str, uri: str, *, suffix: str | None = None) -> str:
    """The local URL that shows ``uri``: its own path under the public base, else
    ``/resource?uri=`` (with the fragment of a hash URI percent-escaped).

    >>> resource_url("https://w3id.org/semantic-glossary/", "http://x/v#C1")
    '/resource?uri=http%3A%2F%2Fx%2Fv%23C1'
    >>> resource_url("https://w3id.org/semantic-glossary/",
    ...              "https://w3id.org/semantic-glossary/community/x", suffix="ttl")
    '/community/x.ttl'
    """
    path = path_for_uri(base, uri)
    if path is not None and split_suffix(path)[1] is None:
        return quote(path, safe="/:@!$&'()*+,;=-._~") + (f".{suffix}" if suffix else "")
    url = "/resource?uri=" + quote(uri, safe="")
    return url + (f"&format={suffix}" if suffix else "")


def alternates(
    base: str, uri: str, formats: Sequence[RdfFormat] = RDF_FORMATS
) -> list[tuple[str, str]]:
    """``(url, media type)`` of every representation of ``uri`` (for ``Link`` headers)."""
    out = [(resource_url(base, uri, suffix="html"), HTML)]
    out += [(resource_url(base, uri, suffix=suffix_for(f)), f.media_type) for f in formats]
    return out
