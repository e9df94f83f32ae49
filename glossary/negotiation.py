"""Content negotiation: parse an ``Accept`` header and pick the best offer.

Pure functions, no HTTP framework: used by the SPARQL endpoint, the linked-data
views and the API alike.

>>> choose("text/html;q=0.9, text/turtle", ["text/html", "text/turtle"])
'text/turtle'
>>> choose("application/*", ["text/html", "application/ld+json"])
'application/ld+json'
>>> choose("image/png", ["text/html"]) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...] = ()
    order: int = 0

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + len(self.params)

    def matches(self, media_type: str) -> bool:
        t, _, s = media_type.partition("/")
        return (self.type in ("*", t)) and (self.subtype in ("*", s))


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header into media ranges (malformed parts are skipped).

    An absent or empty header means ``*/*``.
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0)]
    ranges: list[MediaRange] = []
    for order, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        mt = pieces[0].lower()
        if "/" not in mt:
            if mt == "*":  # seen in the wild, means */*
                mt = "*/*"
            else:
                continue
        t, _, s = mt.partition("/")
        if not t or not s or (t == "*" and s != "*"):
            continue
        q = 1.0
        params: list[tuple[str, str]] = []
        for p in pieces[1:]:
            k, _, v = p.partition("=")
            k, v = k.strip().lower(), v.strip().strip('"')
            if k == "q":
                try:
                    q = min(max(float(v), 0.0), 1.0)
                except ValueError:
                    q = 0.0
            elif k:
                params.append((k, v))
        ranges.append(MediaRange(t, s, q, tuple(params), order))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value the client gives ``media_type``: from its most specific matching range."""
    best: MediaRange | None = None
    for r in ranges:
        if r.matches(media_type) and (best is None or r.specificity > best.specificity):
            best = r
    return best.q if best else 0.0


def choose(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers, or ``None`` when it accepts none of them.

    Ties on q-value go to the more specific range the client wrote, then to the
    server's order of ``offers`` (so the first offer is the default for ``*/*``).
    """
    ranges = parse_accept(header)
    best: tuple[float, int, int] | None = None
    chosen: str | None = None
    for idx, offer in enumerate(offers):
        q = 0.0
        spec = -1
        for r in ranges:
            if r.matches(offer) and r.specificity > spec:
                q, spec = r.q, r.specificity
        if q <= 0.0:
            continue
        key = (q, spec, -idx)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def choose_requested(
    requested: Sequence[str],
    accept: str | None,
    offers: Sequence[str],
    names: Mapping[str, str] | None = None,
) -> str | None:
    """The offer for a request that names its format in parameters (``format=``,
    ``output=``, ``results=``) as well as in ``Accept``; ``None`` when it accepts
    none of the offers.

    Each value of ``requested``, in order, is read as a media type (parameters
    dropped; a ``+`` sent unescaped arrives as a space), a short name of ``names``, or
    a bare subtype (``rdf+xml``, ``turtle``, ``csv``); the first that is an offer
    wins. Values that name no offer (empty, unknown, or not offered for this answer)
    are passed over and ``Accept`` decides, so a client that says what it wants twice,
    in its own words, still gets an answer.

    >>> choose_requested(["rdf+xml", "application/rdf+xml"], None,
    ...                  ["text/turtle", "application/rdf+xml"])
    'application/rdf+xml'
    >>> choose_requested(["yaml"], "text/turtle", ["text/turtle", "application/rdf+xml"])
    'text/turtle'
    """
    aliases = names or {}
    offered = {o.lower(): o for o in offers}
    for value in requested:
        key = value.split(";", 1)[0].strip().lower().replace(" ", "+")
        if not key:
            continue
        candidates = [key] if "/" in key else [aliases.get(key, ""), f"application/{key}",
                                                f"text/{key}"]  # fmt: skip
        for candidate in candidates:
            if candidate.lower() in offered:
                return offered[candidate.lower()]
    return choose(accept, offers)
