"""A vocabulary's change history as an Atom 1.0 feed (RFC 4287).

One entry per changed concept per version (added, changed, deprecated, removed), the
newest version first, plus one entry for the vocabulary's first load. Entry ids are
``urn:uuid:`` names derived from the feed, the version, its load time and the concept,
so they stay the same on every request and never repeat across versions. Written with
the standard library's ElementTree; every text goes through it, so labels are escaped.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from glossary.changes import VocabularyChanges, pick_label, short

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
#: The newest entries a feed holds.
FEED_ENTRIES = 200
#: The scheme of the entries' categories (the kind of change).
CATEGORY_SCHEME = "urn:x-glossary:change"


@dataclass(frozen=True)
class FeedInfo:
    """What the feed says about itself."""

    vocab: str
    title: str  # the vocabulary's title
    self_url: str  # the feed's own absolute URL
    page_url: str  # the vocabulary's HTML page
    updated: str  # RFC 3339; used when there is no entry
    base: str  # the public base URL: makes the feed id unique to this service
    generator_version: str = ""


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def _summary(kind: str, version: int, properties: Sequence[str], replaced: Sequence[str]) -> str:
    """The entry's summary.

    >>> _summary("changed", 3, ["http://www.w3.org/2004/02/skos/core#prefLabel"], [])
    'Changed in version 3: skos:prefLabel.'
    >>> _summary("deprecated", 3, [], ["Teal <https://example.org/teal>"])
    'Deprecated in version 3; replaced by Teal <https://example.org/teal>.'
    """
    text = f"{kind.capitalize()} in version {version}"
    if properties:
        text += ": " + ", ".join(short(p) for p in properties)
    if replaced:
        text += "; replaced by " + ", ".join(replaced)
    return text + "."


def feed(
    info: FeedInfo, records: Sequence[VocabularyChanges], *, link: Callable[[str], str],
    lang: str, limit: int = FEED_ENTRIES,
) -> bytes:  # fmt: skip
    """The Atom document of one vocabulary's ``records`` (any order), newest first.

    ``link(uri)`` is a concept's absolute page URL; ``lang`` the language titles are
    picked in.
    """
    feed_id = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{info.base}#changes/{info.vocab}"))
    # Unqualified names under a default namespace declared by hand: ElementTree's own
    # way (register_namespace) would change a process-wide setting.
    root = ET.Element("feed", xmlns=ATOM)
    _el(root, "id", feed_id)
    _el(root, "title", f"Changes to {info.title}")
    subtitle = (f"Concepts added, changed, deprecated and removed in the vocabulary "
                f"{info.vocab}, one entry per concept per version.")  # fmt: skip
    _el(root, "subtitle", subtitle)
    ordered = sorted(records, key=lambda r: -r.version)
    updated = ordered[0].loaded_at if ordered else info.updated
    _el(root, "updated", updated)
    author = _el(root, "author")
    _el(author, "name", "semantic-glossary")
    _el(root, "link", rel="self", type=MEDIA_TYPE, href=info.self_url)
    _el(root, "link", rel="alternate", type="text/html", href=info.page_url)
    _el(root, "generator", "semantic-glossary", version=info.generator_version)

    count = 0
    for rec in ordered:
        if rec.first:
            entry = _entry(root, feed_id, rec, "", f"{info.title}: first version loaded",
                           info.page_url, "loaded")  # fmt: skip
            _el(entry, "summary", f"First version loaded: {rec.concepts:,} concepts "
                                  f"(from {rec.source}).")  # fmt: skip
            count += 1
        for c in rec.changes:
            if count >= limit:
                break
            title = c.label(lang) or c.uri
            entry = _entry(root, feed_id, rec, c.uri, title, link(c.uri), c.kind)
            replaced = []
            for r in c.replaced_by:
                name = pick_label(r["labels"], lang)
                replaced.append(f"{name} <{r['uri']}>" if name else f"<{r['uri']}>")
            _el(entry, "summary", _summary(c.kind, rec.version, c.properties, replaced))
            count += 1
        if count >= limit:
            break
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _entry(
    root: ET.Element, feed_id: str, rec: VocabularyChanges, uri: str, title: str, href: str,
    kind: str,
) -> ET.Element:  # fmt: skip
    entry = _el(root, "entry")
    key = f"{feed_id}|{rec.version}|{rec.loaded_at}|{uri}"
    _el(entry, "id", "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, key)))
    _el(entry, "title", title)
    _el(entry, "updated", rec.loaded_at)
    _el(entry, "link", rel="alternate", type="text/html", href=href)
    _el(entry, "category", term=kind, scheme=CATEGORY_SCHEME)
    return entry


__all__ = ["ATOM", "FEED_ENTRIES", "MEDIA_TYPE", "FeedInfo", "feed"]
