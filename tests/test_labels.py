"""The label index on its own: merging per-vocabulary parts, score bands, word overlap."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from glossary.search.labels import (
    ENTRIES_FILE,
    EXACT,
    FOLDED_FILE,
    KEYS_FILE,
    PREFIX,
    WORD_PREFIX,
    LabelIndex,
    label_score,
    write_label_files,
)
from glossary.search.records import ALT, HIDDEN, PREF, ConceptRecord


def _part(tmp: Path, records: list[ConceptRecord], vocab: int, base: int) -> dict:
    write_label_files(records, tmp)
    keys = (tmp / KEYS_FILE).read_text(encoding="utf-8")
    return {
        "labels": [
            (t, lang, kind, base + n) for n, r in enumerate(records) for t, lang, kind in r.labels
        ],
        "concept_vocab": [vocab] * len(records),
        "keys": keys.split("\n") if keys else [],
        "entries": np.load(tmp / ENTRIES_FILE, allow_pickle=False),
        "folded": (tmp / FOLDED_FILE).read_text(encoding="utf-8").split("\n"),
    }


def test_merge_of_parts_is_one_sorted_index(tmp_path: Path) -> None:
    a = [ConceptRecord("a:1", [("Water policy", "en", PREF)]),
         ConceptRecord("a:2", [("Waste", "en", PREF), ("Rubbish", "en", ALT)])]  # fmt: skip
    b = [ConceptRecord("b:1", [("Water", "en", PREF), ("Aqua", "la", HIDDEN)])]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    index = LabelIndex.merge([_part(tmp_path / "a", a, 0, 0), _part(tmp_path / "b", b, 1, 2)])
    assert index.keys == sorted(index.keys)
    assert index.keys == ["aqua", "policy", "rubbish", "waste", "water", "water policy"]
    hits = index.search("wat")
    assert [h.concept for h in hits] == [2, 0]  # "Water" (shorter) before "Water policy"
    assert [h.concept for h in index.search("wat", vocab=0)] == [0]
    assert index.exact("WATER") == [2]
    assert [h.concept for h in index.search("pol")] == [0]
    assert index.search("pol")[0].tier == WORD_PREFIX


def test_score_bands_follow_the_ranking() -> None:
    # tier, then kind, then shorter label: every earlier key scores higher
    keys = sorted(itertools.product((EXACT, PREFIX, WORD_PREFIX), (PREF, ALT, HIDDEN), (5, 9, 40)))
    scores = [label_score(t, k, 4 if t else n, n) for t, k, n in keys]
    assert scores == sorted(scores, reverse=True)
    inexact = [s for (t, _, _), s in zip(keys, scores, strict=True) if t != EXACT]
    assert len(set(inexact)) == len(inexact)  # an exact match covers the label whatever its length
    assert label_score(EXACT, PREF, 4, 4) == 1.0 and all(0.1 <= s <= 1.0 for s in scores)


def test_word_overlap_weighs_rare_words(tmp_path: Path) -> None:
    recs = [ConceptRecord(f"c:{i}", [(t, "en", PREF)]) for i, t in enumerate(
        ["History of economics", "History of art", "History of science", "Economic history",
         "Monetary policy"])]  # fmt: skip
    index = LabelIndex.merge([_part(tmp_path, recs, 0, 0)])
    scores = index.word_overlap("economics history")
    # "economics" is rarer than "history": the two economics labels lead
    best = sorted(scores, key=lambda c: -scores[c])[:2]
    assert set(best) == {0, 3}
    assert 4 not in scores
    assert all(0 < s <= 1 for s in scores.values())


def test_the_other_spelling_is_found_in_the_same_tier(tmp_path: Path) -> None:
    recs = [ConceptRecord("u:1", [("Labour market", "en", PREF)]),
            ConceptRecord("u:2", [("Labor unions", "en", PREF)]),
            ConceptRecord("u:3", [("Color", "en", PREF), ("Organisations", "en", ALT)]),
            ConceptRecord("u:4", [("Laboratory", "en", PREF)]),
            ConceptRecord("u:5", [("For sale", "en", PREF)])]  # fmt: skip
    index = LabelIndex.merge([_part(tmp_path, recs, 0, 0)])
    hit = index.search("labor market")[0]
    assert (hit.concept, hit.tier, hit.score) == (0, EXACT, 1.0)  # as if spelled the same
    assert index.exact("Labor market") == [0] and index.exact("labour unions") == [1]
    # each spelling finds the labels spelled either way, in the ranking's order
    assert [(h.concept, h.tier) for h in index.search("labour")] == [(0, PREFIX), (1, PREFIX)]
    # the typed spelling first: it is a prefix ("Laboratory"), the other a whole word
    assert [h.concept for h in index.search("labor")] == [3, 1, 0]
    # a word still being typed finds both spellings up to where they part
    assert [h.concept for h in index.search("labo")] == [3, 1, 0]  # shorter first
    assert index.exact("colour") == [2] and index.exact("organizations") == [2]  # plural
    # "four" is not a spelling of "for" (WordNet does not list them as synonyms)
    assert index.exact("four sale") == [] and index.search("four") == []


def test_spelling_variants_come_from_the_shipped_table() -> None:
    from glossary.search.spelling import VARIANTS_FILE, table, variants

    known = table()
    assert known["labour"] == ("labor",) and known["labor"] == ("labour",)
    assert "centre" in known["center"] and "for" not in known
    assert len(VARIANTS_FILE.read_text(encoding="utf-8").split("WordNet 3.0 Copyright")) == 2
    assert variants("labour market") == ["labor market"]
    assert variants("economic theory") == [] and variants("экономика") == []
    assert len(variants("colour centre programme organisation behaviour")) == 4  # bounded


def test_the_spelling_table_is_what_its_script_makes(tmp_path: Path) -> None:
    import subprocess
    import sys

    from glossary.search.spelling import VARIANTS_FILE

    root = Path(__file__).resolve().parents[1]
    out = tmp_path / "variants.tsv"
    subprocess.run([sys.executable, str(root / "scripts" / "make_spelling_variants.py"),
                    "--out", str(out)], check=True, capture_output=True)  # fmt: skip
    assert out.read_text(encoding="utf-8") == VARIANTS_FILE.read_text(encoding="utf-8")
