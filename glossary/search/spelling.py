"""British and American spellings, so that "labor market" finds "Labour market".

The table (``data/spelling-variants.tsv``, made by scripts/make_spelling_variants.py)
holds 1,399 pairs of one-word spellings that WordNet 3.0 lists as synonyms and that
the usual spelling rules relate ("labour" / "labor", "centre" / "center",
"organisation" / "organization", "paediatrics" / "pediatrics"). Label search tries a
query's other spellings, word by word, beside the query itself (labels.py): a label
spelled the other way is matched as if it were spelled the query's way. Whole words
only: a word still being typed is a prefix, which finds both spellings up to where
they part ("behavio" finds "behaviour" and "behavior").
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from pathlib import Path

VARIANTS_FILE = Path(__file__).resolve().parent / "data" / "spelling-variants.tsv"
#: The most other spellings tried for one query (each is one more bisection).
MAX_VARIANTS = 4


@lru_cache(maxsize=1)
def table() -> dict[str, tuple[str, ...]]:
    """Folded word -> its other spellings."""
    out: dict[str, list[str]] = {}
    for line in VARIANTS_FILE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        a, _, b = line.partition("\t")
        out.setdefault(a, []).append(b)
        out.setdefault(b, []).append(a)
    return {word: tuple(alts) for word, alts in out.items()}


def _word_variants(word: str, known: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    alts = known.get(word)
    if alts:
        return alts
    if len(word) > 3 and word.endswith("s"):  # a plural: "organisations"
        return tuple(a + "s" for a in known.get(word[:-1], ()))
    return ()


def variants(key: str) -> list[str]:
    """Other spellings of a folded ``key``, at most :data:`MAX_VARIANTS`, without
    ``key`` itself.

    >>> variants("labour market"), variants("organisations"), variants("market")
    (['labor market'], ['organizations'], [])
    """
    if not key.isascii():  # the table is ASCII English: nothing to find
        return []
    known = table()
    options = [(w, *_word_variants(w, known)) for w in key.split(" ")]
    if all(len(o) == 1 for o in options):
        return []
    out: list[str] = []
    for combo in product(*options):
        alt = " ".join(combo)
        if alt != key:
            out.append(alt)
            if len(out) == MAX_VARIANTS:
                break
    return out
