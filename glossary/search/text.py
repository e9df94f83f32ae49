"""Folding text for matching: case-, accent- and punctuation-insensitive, any script.

``fold("Déjà vu")`` is ``"deja vu"``. Casefold, Unicode NFKD, then drop the
combining marks (accents, Arabic harakat, the breve of Russian й), and turn every
run of characters that are neither letters nor digits into one space. Letters of
every script are kept: Arabic, Cyrillic, Chinese labels fold to themselves (minus
their combining marks), so they stay searchable.

Words start after a space, and, for scripts written without spaces (Chinese,
Japanese kana), at every character, so that "艺术" finds "书法艺术".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]"
)


def _is_unspaced(ch: str) -> bool:
    """A character of a script written without spaces between words (Han, kana)."""
    cp = ord(ch)
    return (
        0x3040 <= cp <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= cp <= 0x4DBF  # CJK Extension A
        or 0x4E00 <= cp <= 0x9FFF  # CJK Unified Ideographs
        or 0xF900 <= cp <= 0xFAFF  # CJK Compatibility Ideographs
        or 0x20000 <= cp <= 0x3FFFF  # CJK Extensions B..
    )


_LATIN_MARKS = re.compile("[\u0300-\u036f]+")  # Combining Diacritical Marks: all Mn
_ASCII_SEPARATORS = re.compile("[^0-9a-z]+")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """The matching form of ``text``.

    >>> fold("  Déjà-Vu! ")
    'deja vu'
    >>> fold("Экономика"), fold("اقتصاد"), fold("书法")
    ('экономика', 'اقتصاد', '书法')
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = _LATIN_MARKS.sub("", decomposed)
    if bare.isascii():  # most labels: the same result, about twice as fast
        return _ASCII_SEPARATORS.sub(" ", bare).strip(" ")
    return _fold_chars(decomposed)


def _fold_chars(decomposed: str) -> str:
    """:func:`fold` of an NFKD-decomposed, casefolded text, character by character."""
    out: list[str] = []
    space = True  # drop leading separators
    for ch in decomposed:
        cat = unicodedata.category(ch)
        if cat == "Mn":  # combining mark: accent, harakat, ...
            continue
        if cat[0] in "LN" or cat == "Mc":  # letters, digits, spacing marks (Indic vowels)
            out.append(ch)
            space = False
        elif not space:
            out.append(" ")
            space = True
    return "".join(out).rstrip(" ")


def word_starts(key: str) -> list[int]:
    """Offsets in a folded ``key`` where a word starts (each Han/kana character too).

    >>> word_starts("deja vu"), word_starts("书法艺术")
    ([0, 5], [0, 1, 2, 3])
    """
    if not _UNSPACED.search(key):  # fast path: words are separated by single spaces
        starts = [0] if key else []
        pos = key.find(" ")
        while pos >= 0:
            starts.append(pos + 1)
            pos = key.find(" ", pos + 1)
        return starts
    starts = []
    prev = " "
    for i, ch in enumerate(key):
        if ch != " " and (prev == " " or _is_unspaced(ch) or _is_unspaced(prev)):
            starts.append(i)
        prev = ch
    return starts


def words(key: str) -> list[str]:
    """The words of a folded key (space-separated; each Han/kana character its own word)."""
    if not _UNSPACED.search(key):
        return key.split()
    starts = word_starts(key)
    out: list[str] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(key)
        word = key[start:end].strip()
        if word:
            out.append(word)
    return out


def lang_matches(tag: str, wanted: str) -> bool:
    """RFC 4647 basic filtering: ``en`` matches ``en``, ``en-GB``; ``en-GB`` only ``en-GB(-*)``.

    An untagged label (``tag == ""``) matches every wanted language: its language is
    unknown, and vocabularies with untagged literals must still be searchable.

    >>> lang_matches("en-GB", "en"), lang_matches("en", "en-GB"), lang_matches("", "fi")
    (True, False, True)
    """
    if not tag or wanted == "*":
        return True
    tag, wanted = tag.lower(), wanted.lower()
    return tag == wanted or tag.startswith(wanted + "-")
