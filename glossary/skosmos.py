"""Skosmos REST v1 rules that need no web framework: the search query syntax, the
lookup tiers, the JSON-LD contexts. The routes are in ``service/skosmos.py``;
docs/skosmos.md lists the endpoints and where they differ from Skosmos.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from glossary.errors import InputError
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
