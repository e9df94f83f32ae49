"""Mapping suggestions with the real model between two real vocabularies: GEMET's
governance and society subset and IPTC Media Topics' politics, society and labour
subset (../shared/vocabularies), loaded through the real store. Slow."""

from __future__ import annotations

import io

import pytest

from glossary.mappings.sssom import write_sssom
from glossary.mappings.suggest import LEXICAL, SEMANTIC, suggest_mappings, to_mapping_set
from glossary.search.text import fold

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from conftest import VOCABULARIES

    from glossary.search import SearchIndex
    from glossary.store import Store

    path = tmp_path_factory.mktemp("mappings-real")
    with Store.open(path, read_only=False) as store:
        store.load(
            [VOCABULARIES / "gemet-governance-society.ttl.gz"], vocab_id="gemet", allow_invalid=True
        )
        store.load(
            [VOCABULARIES / "iptc-politics-society-labour.ttl.gz"],
            vocab_id="iptc",
            allow_invalid=True,
        )
    return SearchIndex.open(Store.open(path).index_dir(), wordnet=False)


def english_prefs(index, vocab: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Folded English prefLabel -> concept URI (labels naming one concept only)."""
    seen: dict[str, list[str]] = {}
    for c, uri in enumerate(index.uris):
        if index.vocab_of(c) == vocab:
            label = index.pref_label(c, "en")
            if label:
                seen.setdefault(fold(label), []).append(uri)
    return {k: v[0] for k, v in seen.items() if len(v) == 1}


def test_same_labels_are_exact_matches_and_meaning_finds_more(index) -> None:  # type: ignore[no-untyped-def]
    found = suggest_mappings(index, "iptc", "gemet")
    a, b = english_prefs(index, "iptc"), english_prefs(index, "gemet")
    truth = {a[k]: b[k] for k in set(a) & set(b)}
    assert len(truth) >= 10
    exact = {g.subject: g.object for g in found if g.predicate == "exactMatch"}
    hits = sum(1 for s, t in truth.items() if exact.get(s) == t)
    assert hits / len(truth) >= 0.9, (hits, len(truth))
    lexical = [g for g in found if g.subject in truth and g.object == truth[g.subject]]
    assert all(g.justification == LEXICAL for g in lexical)
    # Beyond identical labels: suggestions from the meaning alone, at the default threshold.
    semantic = [g for g in found if g.justification == SEMANTIC]
    assert semantic and all(g.confidence >= 0.8 for g in semantic)
    assert all(fold(g.subject_label or "") != fold(g.object_label or "") for g in semantic)


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_whole_table_reads_back(index) -> None:  # type: ignore[no-untyped-def]
    from sssom.parsers import parse_sssom_table

    found = suggest_mappings(index, "gemet", "iptc", threshold=0.6)
    ms = to_mapping_set(found, "gemet", "iptc", model=index.models["gemet"], threshold=0.6)
    df = parse_sssom_table(io.StringIO(write_sssom(ms))).df
    assert len(df) == len(found) > 20
    assert set(df["predicate_id"]) <= {
        "skos:exactMatch",
        "skos:closeMatch",
        "skos:broadMatch",
        "skos:narrowMatch",
    }
