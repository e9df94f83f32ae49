"""Skosmos REST v1 rules that need no web framework: the search query syntax, the
lookup tiers, the JSON-LD contexts, and the vocabulary-wide lists of ``/types``,
``/new`` and ``/modified`` (:class:`SkosmosLists`, computed once per store version
with named queries). The routes are in ``service/skosmos.py``;
docs/skosmos.md lists the endpoints and where they differ from Skosmos.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from glossary.errors import InputError
from glossary.queries import named_query
from glossary.search.text import fold

SKOS = "http://www.w3.org/2004/02/skos/core#"
ONKI = "http://schema.onki.fi/onki#"

#: The prefixes every Skosmos answer's ``@context`` declares.
BASE_CONTEXT: dict[str, Any] = {
    "skos": SKOS,
    "isothes": "http://purl.org/iso25964/skos-thes#",
    "onki": ONKI,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "uri": "@id",
    "type": "@type",
}


def context(lang: str | None = None, /, **terms: Any) -> dict[str, Any]:
    """A Skosmos ``@context``: the base prefixes, ``terms``, and ``@language``.

    >>> context("en", prefLabel="skos:prefLabel")["@language"]
    'en'
    """
    out = {**BASE_CONTEXT, **terms}
    if lang:
        out["@language"] = lang
    return out


def search_term(query: str) -> str:
    """The prefix to look up for a Skosmos ``query``.

    Skosmos reads a query without ``*`` as ``query*`` (a prefix); a trailing ``*`` says
    so explicitly. A leading ``*`` (Skosmos: "contains") is approximated: the label
    index matches the start of every word of a label, so ``*ship`` finds "crew ship"
    and "ship building" but not "membership".
    A ``*`` or ``?`` elsewhere is refused (400), as the index has no wildcards inside.

    >>> search_term("appl*"), search_term("apple"), search_term("*pple")
    ('appl', 'apple', 'pple')
    """
    text = query.strip()
    core = text.lstrip("*").rstrip("*").strip()
    if not core:
        raise InputError(
            "the query has no letters besides '*'",
            where="query",
            hint="give some letters, e.g. query=appl*",
        )
    if "*" in core or "?" in core:
        raise InputError(
            f"a wildcard inside the query is not supported: {text[:80]!r}",
            where="query",
            hint="use letters with at most a trailing '*' (prefix), e.g. query=appl*",
        )
    return core


def lookup_tier(label: str, matched: str, kind: str | None) -> int | None:
    """How a matched label answers a Skosmos ``lookup`` of ``label``: 0 the exact
    prefLabel, 1 a prefLabel equal but for case and accents, 2 an alt or hidden label
    so equal; ``None`` when it is no lookup answer (only a prefix of it).

    >>> lookup_tier("Apple", "Apple", "prefLabel"), lookup_tier("apple", "Apple", "prefLabel")
    (0, 1)
    >>> lookup_tier("apple", "apple pie", "prefLabel") is None
    True
    """
    if kind == "prefLabel" and matched == label:
        return 0
    if fold(matched) != fold(label):
        return None
    return 1 if kind == "prefLabel" else 2


def best_tier(found: Sequence[tuple[int, Any]]) -> list[Any]:
    """The items of the best (lowest) tier, in their order.

    >>> best_tier([(2, "a"), (1, "b"), (1, "c")])
    ['b', 'c']
    """
    if not found:
        return []
    top = min(t for t, _ in found)
    return [item for t, item in found if t == top]


# --- types, new and modified concepts: vocabulary-wide lists per store version ---------

ISOTHES = "http://purl.org/iso25964/skos-thes#"
DCT = "http://purl.org/dc/terms/"
#: The date property of each change list (Skosmos: ``dc:created`` / ``dc:modified``,
#: which are DCMI terms there).
CHANGE_PROPS = {"new": DCT + "created", "modified": DCT + "modified"}
#: Skosmos's page size for ``/new`` and ``/modified``.
DEFAULT_CHANGES = 200
#: The largest page we serve (Skosmos has none; a page is sliced from a cached list).
MAX_CHANGES = 1000

#: Labels of the SKOS and ISO 25964 classes when the data gives none (Skosmos takes
#: them from its translations).
TYPE_LABELS: dict[str, dict[str, str]] = {
    SKOS + "Concept": {"en": "Concept", "de": "Begriff", "fr": "Concept", "fi": "Käsite",
                       "sv": "Begrepp"},
    SKOS + "Collection": {"en": "Collection", "de": "Sammlung", "fr": "Collection",
                          "fi": "Kokoelma", "sv": "Samling"},
    SKOS + "OrderedCollection": {"en": "Ordered collection"},
    ISOTHES + "ConceptGroup": {"en": "Concept group", "de": "Begriffsgruppe",
                               "fr": "Groupe de concepts", "fi": "Käsiteryhmä",
                               "sv": "Begreppsgrupp"},
    ISOTHES + "ThesaurusArray": {"en": "Array of sibling concepts"},
}  # fmt: skip


def parse_date(text: str) -> datetime | None:
    """A ``dct:created`` / ``dct:modified`` value as an aware datetime (UTC when it
    names no zone), or ``None`` when it is no date (Skosmos leaves such concepts out of
    its change lists too). Takes ``xsd:date`` and ``xsd:dateTime`` lexical forms,
    typed or plain.

    >>> parse_date("2019-12-22T15:25:38+00:00").isoformat()
    '2019-12-22T15:25:38+00:00'
    >>> parse_date("2012-07-20").isoformat(), parse_date("1986-21-00")
    ('2012-07-20T00:00:00+00:00', None)
    """
    value = text.strip()
    if len(value) < 10 or not value[:4].isdigit():
        return None
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    try:
        if len(value) == 10 or value[10] in "+-Z":  # xsd:date, perhaps with a zone
            parsed = datetime.fromisoformat(value[:10])
            zone = value[10:]
            if zone:
                parsed = datetime.fromisoformat(value[:10] + "T00:00:00" + zone)
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_date(when: datetime) -> str:
    """A change list's date, in RFC 3339 (an ``xsd:dateTime``, as the answer's
    ``@context`` types it). Skosmos writes PHP's ``Y-m-d\\TH:i:sO``, whose offset
    ``+0200`` is neither; readers of either take this one.

    >>> format_date(parse_date("2022-03-08T14:42:21+02:00"))
    '2022-03-08T14:42:21+02:00'
    >>> format_date(parse_date("2012-07-20"))
    '2012-07-20T00:00:00+00:00'
    """
    return when.isoformat(timespec="seconds")


def language_name(tag: str, in_lang: str) -> str:
    """The name of the language ``tag`` in the language ``in_lang`` (CLDR, as
    Skosmos's labelStatistics names them); the tag itself when CLDR knows neither.

    >>> language_name("fi", "en"), language_name("en", "fi"), language_name("x-klingon", "en")
    ('Finnish', 'englanti', 'x-klingon')
    """
    from babel import Locale, UnknownLocaleError

    try:
        display = Locale.parse(in_lang, sep="-")
    except (UnknownLocaleError, ValueError):
        display = Locale("en")
    try:
        parsed = Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError):
        return tag
    if parsed.language != tag.split("-", 1)[0].lower():  # "und": CLDR guesses a language
        return tag
    # "en-GB": CLDR's own name ("British English") when it has one
    name = display.languages.get(str(parsed)) or parsed.get_display_name(display)
    return name or tag


@dataclass(frozen=True)
class ConceptType:
    """A class a vocabulary uses for its concepts or collections."""

    uri: str
    labels: dict[str, list[str]]
    superclass: str | None

    def label(self, lang: str | None) -> str | None:
        """Its ``rdfs:label`` in ``lang`` (or a regional variant), else the built-in
        label of a SKOS / ISO 25964 class in ``lang`` or English, else any label."""
        builtin = TYPE_LABELS.get(self.uri, {})
        if lang:
            exact = pick_lang(self.labels, lang)
            if exact is not None:
                return exact
            if lang.split("-")[0].lower() in builtin:
                return builtin[lang.split("-")[0].lower()]
        return pick_lang(self.labels, "en") or builtin.get("en") or _any(self.labels)


@dataclass
class Change:
    """A dated concept of a change list."""

    uri: str
    date: datetime
    labels: dict[str, list[str]]
    deprecated: bool = False
    replaced_by: str | None = None
    replacing_labels: dict[str, list[str]] = field(default_factory=dict)


def pick_lang(labels: dict[str, list[str]], lang: str) -> str | None:
    """The first label in ``lang`` or a regional variant of it (``en`` takes ``en-GB``).

    >>> pick_lang({"en-GB": ["colour"], "fr": ["couleur"]}, "en")
    'colour'
    """
    if labels.get(lang):
        return labels[lang][0]
    want = lang.lower()
    for tag, values in sorted(labels.items()):
        if values and (tag.lower() == want or tag.lower().startswith(want + "-")):
            return values[0]
    return None


def _any(labels: dict[str, list[str]]) -> str | None:
    for tag in sorted(labels):
        if labels[tag]:
            return labels[tag][0]
    return None


def show_label(labels: dict[str, list[str]], lang: str, fallback: str, uri: str) -> str:
    """The label to show in ``lang``: that language, the vocabulary's ``fallback``,
    untagged, then any; the local name when there is none."""
    from glossary.concepts import local_name

    for want in (lang, fallback):
        found = pick_lang(labels, want)
        if found is not None:
            return found
    return _any(labels) or local_name(uri)


def _add_label(labels: dict[str, list[str]], term: Any) -> None:
    tag = getattr(term, "language", None) or ""
    bucket = labels.setdefault(tag, [])
    if term.value not in bucket:
        bucket.append(term.value)


class SkosmosLists:
    """The vocabulary-wide lists behind Skosmos's ``/types``, ``/new`` and
    ``/modified``, computed with the named queries ``vocab_types`` and
    ``vocab_changes`` once per store version (the key of
    :meth:`glossary.concepts.Catalog.version`), then sorted once per display language
    and answered from memory, page by page. Sorted lists are kept for the languages
    a vocabulary has (any other sorts as its default language), at most
    ``max_entries`` of them, least recently used dropped first.

    ``catalog`` is a :class:`glossary.concepts.Catalog` (its ``src``, ``version()``,
    ``vocabulary()``, ``vocabularies()`` and ``default_lang()`` are used)."""

    def __init__(self, catalog: Any, max_entries: int = 128) -> None:
        from glossary.concepts import VersionedCache

        self.catalog = catalog
        # Past the bound, the least recently used sorted lists go; the query results
        # of this version stay (one per vocabulary and list).
        self._values = VersionedCache(lambda: catalog.version(), max_entries,
                                      evictable=lambda key: key[0] == "changes")  # fmt: skip

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The value of ``key`` in this store version, computed once (a second caller
        waits for the first); entries of older versions are dropped."""
        return self._values.get(key, compute)

    # types
    def types(self, vocab_id: str | None = None) -> list[ConceptType]:
        """The classes used by one vocabulary, or by any (``None``): ``skos:Concept``
        first, then by URI."""
        if vocab_id is None:
            merged: dict[str, ConceptType] = {}
            for v in self.catalog.vocabularies():
                for t in self.types(v.id):
                    have = merged.get(t.uri)
                    if have is None:
                        merged[t.uri] = t
                        continue
                    labels = {k: list(vs) for k, vs in have.labels.items()}
                    for tag, values in t.labels.items():
                        bucket = labels.setdefault(tag, [])
                        bucket.extend(x for x in values if x not in bucket)
                    merged[t.uri] = ConceptType(t.uri, labels, have.superclass or t.superclass)
            return _type_order(merged.values())
        vocab = self.catalog.vocabulary(vocab_id)

        def compute() -> list[ConceptType]:
            import pyoxigraph

            rows = self.catalog.src.select(
                named_query("vocab_types"), g=pyoxigraph.NamedNode(vocab.graph)
            )
            labels: dict[str, dict[str, list[str]]] = {}
            supers: dict[str, str] = {}
            for r in rows:
                uri = r["type"].value
                labels.setdefault(uri, {})
                if "label" in r:
                    _add_label(labels[uri], r["label"])
                if "superclass" in r:
                    supers.setdefault(uri, r["superclass"].value)
            return _type_order(ConceptType(u, ls, supers.get(u)) for u, ls in labels.items())

        return list(self._cached(("types", vocab_id), compute))

    def collection_counts(self, vocab_id: str) -> tuple[int, int]:
        """``(live, deprecated)``: how many collections the vocabulary has that are not
        flagged ``owl:deprecated true``, and how many are."""
        vocab = self.catalog.vocabulary(vocab_id)

        def compute() -> tuple[int, int]:
            import pyoxigraph

            rows = self.catalog.src.select(
                named_query("vocab_collection_flags"), g=pyoxigraph.NamedNode(vocab.graph)
            )
            flags: dict[str, bool] = {}
            for r in rows:
                gone = "deprecated" in r and r["deprecated"].value.strip().lower() in ("true", "1")
                flags[r["c"].value] = flags.get(r["c"].value, False) or gone
            gone_count = sum(flags.values())
            return len(flags) - gone_count, gone_count

        result: tuple[int, int] = self._cached(("collection_counts", vocab_id), compute)
        return result

    # change lists
    def _dated(self, vocab_id: str, prop: str) -> dict[str, tuple[list[datetime], Change]]:
        """``{concept: (its parsed dates, the change with labels and deprecation)}`` of
        the concepts dated by ``prop`` (unparseable dates left out)."""
        vocab = self.catalog.vocabulary(vocab_id)

        def compute() -> dict[str, tuple[list[datetime], Change]]:
            import pyoxigraph

            rows = self.catalog.src.select(
                named_query("vocab_changes"),
                g=pyoxigraph.NamedNode(vocab.graph),
                prop=pyoxigraph.NamedNode(prop),
            )
            out: dict[str, tuple[list[datetime], Change]] = {}
            for r in rows:
                uri = r["c"].value
                when = parse_date(r["date"].value)
                if when is None:
                    continue
                if uri not in out:
                    out[uri] = ([], Change(uri, when, {}))
                dates, change = out[uri]
                if when not in dates:
                    dates.append(when)
                if "label" in r:
                    _add_label(change.labels, r["label"])
                if "deprecated" in r and r["deprecated"].value in ("true", "1"):
                    change.deprecated = True
                if "replacedBy" in r:
                    change.replaced_by = change.replaced_by or r["replacedBy"].value
                    if "replacingLabel" in r and r["replacedBy"].value == change.replaced_by:
                        _add_label(change.replacing_labels, r["replacingLabel"])
            return out

        result: dict[str, tuple[list[datetime], Change]] = self._cached(
            ("dated", vocab_id, prop), compute
        )
        return result

    def changes(self, vocab_id: str, kind: str, lang: str | None = None) -> list[Change]:
        """The change list ``kind`` (``new`` or ``modified``) of a vocabulary, newest
        first (then by label in ``lang``, then by URI, descending, as Skosmos).

        ``new``: the concepts by their (earliest) ``dct:created``; ``modified``: by
        their (latest) ``dct:modified``. Deprecated concepts are in both lists, dated by
        their ``dct:modified`` (their deprecation), flagged and with their replacement,
        as Skosmos shows them with ``skosmos:showDeprecatedChanges``."""
        if kind not in CHANGE_PROPS:
            raise ValueError(f"unknown change list {kind!r}")
        vocab = self.catalog.vocabulary(vocab_id)
        fallback = self.catalog.default_lang(vocab)
        has = [t.lower() for t in getattr(vocab, "languages", None) or []]
        if not lang or not any(t == lang.lower() or t.startswith(lang.lower() + "-")
                               for t in has):  # fmt: skip
            lang = fallback  # no label in lang: sorted as in the vocabulary's language

        def compute() -> list[Change]:
            modified = self._dated(vocab_id, CHANGE_PROPS["modified"])
            chosen: list[Change] = []
            if kind == "new":
                for dates, change in self._dated(vocab_id, CHANGE_PROPS["new"]).values():
                    if not change.deprecated:
                        chosen.append(_dated_copy(change, min(dates)))
            for dates, change in modified.values():
                if kind == "modified" or change.deprecated:
                    chosen.append(_dated_copy(change, max(dates)))
            return sorted(
                chosen,
                key=lambda c: (-c.date.timestamp(),
                               fold(show_label(c.labels, lang, fallback, c.uri)),
                               _descending(c.uri)),
            )  # fmt: skip

        return list(self._cached(("changes", vocab_id, kind, lang), compute))


def _dated_copy(change: Change, when: datetime) -> Change:
    return Change(change.uri, when, change.labels, change.deprecated, change.replaced_by,
                  change.replacing_labels)  # fmt: skip


def _descending(text: str) -> tuple[int, ...]:
    """A sort key that orders strings backwards (for Skosmos's ``DESC(?concept)``)."""
    return (*(-ord(ch) for ch in text), 1)


def _type_order(types: Iterable[ConceptType]) -> list[ConceptType]:
    return sorted(types, key=lambda t: (t.uri != SKOS + "Concept", t.uri))
