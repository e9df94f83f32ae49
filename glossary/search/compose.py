"""Which texts represent a concept for the embedding index (chosen by measurement).

A concept gets several vectors, and its similarity to a query is the best of them
(max-pooling). The schemes below were compared in scripts/evaluate_search.py (see
docs/search.md for the table); :data:`DEFAULT_SCHEME` is the winner.

Texts are taken in the embedding language (English: the default model is an
English model): labels tagged ``en`` or ``en-*``, else untagged ones, else the
concept's labels in its first language, so no concept goes without a vector.

A scheme ending in ``+wordnet`` adds one text to each concept whose prefLabel
WordNet holds: the same expansion a query gets (expansion.py), "Permafrost:
ground that is permanently frozen". It needs a :class:`WordNet`; without one (no
data, another model, ``GLOSSARY_QUERY_EXPANSION=off``) the scheme's texts are the
base scheme's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from glossary.search.records import ALT, PREF, ConceptRecord
from glossary.search.text import lang_matches

if TYPE_CHECKING:
    from glossary.search.expansion import ExpansionCache, WordNet

NOTE_CHARS = 240
#: At most this many notes (definitions first, then scope notes) get their own vector.
MAX_NOTES = 4
NOTE_VECTOR_CHARS = 600


def _in_lang(pairs: Sequence[tuple[str, str]], lang: str) -> list[str]:
    tagged = [t for t, tag in pairs if tag and lang_matches(tag, lang)]
    if tagged:
        return tagged
    return [t for t, tag in pairs if not tag]


def _pref(rec: ConceptRecord, lang: str) -> str | None:
    prefs = rec.pref_labels()
    texts = _in_lang(prefs, lang)
    if texts:
        return texts[0]
    return rec.pref_label()


def _cut(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rsplit(" ", 1)[0]


def _note(rec: ConceptRecord, lang: str) -> str | None:
    notes = _in_lang(rec.notes, lang)
    return _cut(notes[0], NOTE_CHARS) if notes else None


class Composer:
    """Makes each concept's texts; needs every record to name broader concepts."""

    def __init__(self, records: Sequence[ConceptRecord], lang: str = "en") -> None:
        self.lang = lang
        self._pref = {r.uri: _pref(r, lang) for r in records}

    def broader_labels(self, rec: ConceptRecord) -> list[str]:
        return [b for b in (self._pref.get(u) for u in rec.broader) if b]

    def labels(self, rec: ConceptRecord, kinds: tuple[int, ...]) -> list[str]:
        pairs = [(t, tag) for t, tag, kind in rec.labels if kind in kinds]
        return _in_lang(pairs, self.lang)


def _s_pref(c: Composer, rec: ConceptRecord) -> list[str]:
    pref = c._pref.get(rec.uri)
    return [pref] if pref else []


def _s_pref_broader(c: Composer, rec: ConceptRecord) -> list[str]:
    pref = c._pref.get(rec.uri)
    if not pref:
        return []
    broader = c.broader_labels(rec)
    return [f"{pref} ({', '.join(broader[:2])})" if broader else pref]


def _s_pref_note(c: Composer, rec: ConceptRecord) -> list[str]:
    pref = c._pref.get(rec.uri)
    if not pref:
        return []
    note = _note(rec, c.lang)
    return [f"{pref}: {note}" if note else pref]


def _s_multi(c: Composer, rec: ConceptRecord) -> list[str]:
    texts = _s_pref(c, rec) + _s_pref_broader(c, rec)
    return list(dict.fromkeys(texts))


def _s_multi_note(c: Composer, rec: ConceptRecord) -> list[str]:
    texts = _s_pref(c, rec) + _s_pref_broader(c, rec) + _s_pref_note(c, rec)
    return list(dict.fromkeys(texts))


def _s_multi_notes(c: Composer, rec: ConceptRecord) -> list[str]:
    """prefLabel, prefLabel (broader), and each note on its own, without the label:
    a definition's own words match a paraphrase better than "Label: definition"."""
    notes = [_cut(n, NOTE_VECTOR_CHARS) for n in _in_lang(rec.notes, c.lang)[:MAX_NOTES]]
    return list(dict.fromkeys(_s_multi(c, rec) + notes))


def _s_all_labels(base: Callable[[Composer, ConceptRecord], list[str]]) -> Callable[
    [Composer, ConceptRecord], list[str]
]:  # fmt: skip
    def scheme(c: Composer, rec: ConceptRecord) -> list[str]:
        texts = base(c, rec) + c.labels(rec, (PREF, ALT))
        return list(dict.fromkeys(texts))

    return scheme


#: name -> function(composer, record) -> texts. "+labels" adds one vector per
#: preferred and alternative label in the embedding language (hidden labels are
#: misspellings and the like: matched by label search, not embedded).
SCHEMES: dict[str, Callable[[Composer, ConceptRecord], list[str]]] = {
    "pref": _s_pref,
    "pref+broader": _s_pref_broader,
    "pref+note": _s_pref_note,
    "multi": _s_multi,
    "multi+note": _s_multi_note,
    "multi+notes": _s_multi_notes,
}
for _name, _fn in list(SCHEMES.items()):
    SCHEMES[_name + "+labels"] = _s_all_labels(_fn)
#: The suffix of the schemes that add each concept's WordNet expansion.
WORDNET_SUFFIX = "+wordnet"
for _name in list(SCHEMES):
    SCHEMES[_name + WORDNET_SUFFIX] = SCHEMES[_name]  # the expansion: concept_texts

DEFAULT_SCHEME = "multi+notes+labels+wordnet"


def concept_texts(
    records: Sequence[ConceptRecord],
    scheme: str = DEFAULT_SCHEME,
    lang: str = "en",
    wordnet: WordNet | ExpansionCache | None = None,
    composer: Composer | None = None,
) -> list[tuple[int, str]]:
    """``(record number, text)`` for every text of every record, in record order.

    >>> from glossary.search.records import ConceptRecord
    >>> rec = ConceptRecord("http://example.org/mice", [("Mice", "en", PREF)], [], [], False)
    >>> concept_texts([rec], "pref+wordnet")
    [(0, 'Mice')]
    >>> from pathlib import Path
    >>> from glossary.search.expansion import WordNet
    >>> wn = WordNet(Path(__file__).parents[2] / "tests" / "data" / "wordnet")
    >>> concept_texts([rec], "pref+wordnet", wordnet=wn)
    [(0, 'Mice'), (0, 'Mice: a small rodent with a long tail')]
    """
    fn = SCHEMES[scheme]
    composer = composer or Composer(records, lang)
    extras: list[str | None] = [None] * len(records)
    if wordnet is not None and scheme.endswith(WORDNET_SUFFIX):
        # The prefLabel in the model's language (WordNet's), looked up in one batch.
        prefs = [next(iter(_in_lang(rec.pref_labels(), lang)), "") for rec in records]
        extras = wordnet.expansions(prefs)
    out: list[tuple[int, str]] = []
    for n, rec in enumerate(records):
        texts = fn(composer, rec)
        extra = extras[n]
        if extra and extra not in texts:
            texts = [*texts, extra]
        out.extend((n, text) for text in texts)
    return out


def context_texts(
    records: Sequence[ConceptRecord], lang: str = "en", composer: Composer | None = None
) -> list[str | None]:
    """Each concept in its hierarchy: "prefLabel (broader prefLabels)", or its prefLabel
    when it has no broader concept (the hybrid's context term, hybrid.py). ``composer``:
    one already made for these records (concept_texts), not made again."""
    composer = composer or Composer(records, lang)
    return [next(iter(_s_pref_broader(composer, rec)), None) for rec in records]
