"""Search indexes end to end on small vocabularies (the hash stand-in encoder: fast).

The fixture vocabulary is written inline; each label exercises an edge case (accents,
Cyrillic, Arabic, Chinese, en-GB, untagged, hidden, deprecated, two vocabularies).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest

from glossary.errors import InputError, NotFound, StoreError
from glossary.search import SearchIndex, build_indexes, drop_indexes
from glossary.search.build import search_dir
from glossary.search.embeddings import HashEncoder
from glossary.search.text import fold, lang_matches, word_starts

PREFIXES = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <http://example.org/v1/> .
@prefix ex2: <http://example.org/v2/> .
"""

VOCAB1 = (
    PREFIXES
    + """
ex:s a skos:ConceptScheme ; skos:prefLabel "Example scheme"@en .
ex:deja a skos:Concept ; skos:prefLabel "Déjà vu"@en, "Déjà-vu"@fr ;
    skos:altLabel "paramnesia"@en .
ex:econpol a skos:Concept ; skos:prefLabel "Economic policy"@en,
    "Экономическая политика"@ru, "سياسة اقتصادية"@ar, "经济政策"@zh ;
    skos:broader ex:policy .
ex:economics a skos:Concept ; skos:prefLabel "Economics"@en-GB ;
    skos:altLabel "Economy"@en ; skos:hiddenLabel "Econmics"@en ;
    skos:scopeNote "The science of production and exchange."@en .
ex:policy a skos:Concept ; skos:prefLabel "Policy"@en .
ex:social a skos:Concept ; skos:prefLabel "Social policy"@en ; skos:broader ex:policy .
ex:old a skos:Concept ; skos:prefLabel "Old economics"@en ; owl:deprecated true .
ex:untagged a skos:Concept ; skos:prefLabel "Ökonomie" .
ex:coll a skos:Collection ; skos:prefLabel "Economic collection"@en .
"""
)

VOCAB2 = (
    PREFIXES
    + """
ex2:economy a skos:Concept ; skos:prefLabel "Economy"@en ; skos:altLabel "Economies"@en .
ex2:trade a skos:Concept ; skos:prefLabel "Trade"@en ; skos:altLabel "Commerce"@en .
"""
)

E1 = "http://example.org/v1/"
E2 = "http://example.org/v2/"


def make_store(vocabs: dict[str, str]) -> ox.Store:
    store = ox.Store()
    for vocab_id, ttl in vocabs.items():
        g = ox.NamedNode(f"urn:x-glossary:vocab:{vocab_id}")
        store.bulk_extend(
            ox.Quad(t.subject, t.predicate, t.object, g)
            for t in ox.parse(ttl.encode(), format=ox.RdfFormat.TURTLE)
        )
    return store


def build_all(store: ox.Store, vocabs: list[str], index_dir: Path, **kw: object) -> None:
    for vocab_id in vocabs:
        build_indexes(store, f"urn:x-glossary:vocab:{vocab_id}", vocab_id, index_dir,
                      encoder=HashEncoder(), progress=False, **kw)  # type: ignore[arg-type]  # fmt: skip


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    store = make_store({"v1": VOCAB1, "v2": VOCAB2})
    build_all(store, ["v1", "v2"], tmp_path)
    return tmp_path


@pytest.fixture
def index(index_dir: Path) -> SearchIndex:
    return SearchIndex.open(index_dir, encoder=HashEncoder())


def uris(hits: list) -> list[str]:
    return [h.uri for h in hits]


# -- folding ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Déjà vu", "deja vu"),
        ("  ÉCONOMIE—politique!! ", "economie politique"),
        ("Straße", "strasse"),
        ("Экономическая политика", "экономическая политика"),
        ("Йод", "иод"),  # the breve is a combining mark: folded like the accents
        ("سِيَاسَة", "سياسة"),  # harakat dropped, letters kept
        ("经济政策", "经济政策"),
        ("ﬁnance", "finance"),  # NFKD: ligature
        ("!!!", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_fast_path_equals_the_character_rule() -> None:
    import unicodedata

    from glossary.search.text import _fold_chars

    rng = random.Random(3)
    alphabet = ("abcXYZ019 -_.,;:'\"()/&\t\n\u00a0éÉàçñøÅßœæﬁ½²" + "\u0301\u0308\u0327"
                + "экЙ" + "سِ" + "经济" + "\u2044\u2013\u200b")  # fmt: skip
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
             for _ in range(3000)]  # fmt: skip
    for text in texts:
        reference = _fold_chars(unicodedata.normalize("NFKD", text.casefold()))
        assert fold.__wrapped__(text) == reference, repr(text)


def test_word_starts_cjk_every_character() -> None:
    assert word_starts("经济政策") == [0, 1, 2, 3]
    assert word_starts("social policy") == [0, 7]
    assert word_starts("ab 经济") == [0, 3, 4]


def test_lang_matches_basic_filtering() -> None:
    assert lang_matches("en-GB", "en") and lang_matches("EN", "en")
    assert not lang_matches("en", "en-GB") and not lang_matches("eng", "en")
    assert lang_matches("", "fr")  # untagged: language unknown, matches every filter


# -- label search ---------------------------------------------------------------------


def test_accent_insensitive_prefix(index: SearchIndex) -> None:
    hits = index.search("deja")
    assert uris(hits) == [E1 + "deja"]
    assert hits[0].matched_label in ("Déjà vu", "Déjà-vu")
    assert hits[0].match_type == "prefLabel"
    # The same concept matched through both its labels: one hit.
    assert len(index.search("DÉJÀ")) == 1


def test_word_start_matches(index: SearchIndex) -> None:
    hits = index.search("vu")
    assert uris(hits) == [E1 + "deja"] and hits[0].score < 0.5  # word-prefix band
    assert index.search("olicy") == []  # not the middle of a word


def test_ranking_exact_prefix_word_prefix(index: SearchIndex) -> None:
    hits = index.search("policy")
    # exact, then word-prefix ordered by label length (Social < Economic)
    assert uris(hits) == [E1 + "policy", E1 + "social", E1 + "econpol"]
    assert hits[0].score == 1.0
    assert hits[0].score > hits[1].score > hits[2].score


def test_ranking_preferred_then_shorter_then_alternative(index: SearchIndex) -> None:
    hits = index.search("econ", lang="en")
    # prefix tier; prefLabels first (shorter first: Economy 7 < Economics 9 < Economic
    # policy 15), each concept once even though ex:economics also matches by alt/hidden.
    assert uris(hits) == [E2 + "economy", E1 + "economics", E1 + "econpol"]
    assert [h.match_type for h in hits] == ["prefLabel"] * 3
    # An exact altLabel ranks above a prefix prefLabel, below an exact prefLabel.
    hits = index.search("economy")
    assert uris(hits)[:2] == [E2 + "economy", E1 + "economics"]
    assert hits[1].match_type == "altLabel" and hits[1].matched_label == "Economy"
    assert 0.9 <= hits[1].score < hits[0].score == 1.0


def test_hidden_label_found_and_marked(index: SearchIndex) -> None:
    hits = index.search("econm")
    assert uris(hits) == [E1 + "economics"]
    assert hits[0].match_type == "hiddenLabel" and hits[0].pref_label == "Economics"


def test_non_latin_scripts(index: SearchIndex) -> None:
    ru = index.search("эконом")
    assert uris(ru) == [E1 + "econpol"]
    assert ru[0].lang == "ru" and ru[0].pref_label == "Экономическая политика"
    assert uris(index.search("اقتصادية")) == [E1 + "econpol"]  # second word
    assert uris(index.search("政策")) == [E1 + "econpol"]  # inside an unspaced label
    zh = index.search("经济", lang="en")
    assert zh == []  # the Chinese label is not English


def test_lang_filter_and_pref_label_language(index: SearchIndex) -> None:
    assert E1 + "economics" in uris(index.search("econ", lang="en"))  # en matches en-GB
    gb = index.search("econ", lang="en-GB")
    assert uris(gb) == [E1 + "economics"]
    assert uris(index.search("okon", lang="fi")) == [E1 + "untagged"]  # untagged: any lang
    fr = index.search("deja", lang="fr")
    assert fr[0].pref_label == "Déjà-vu" and fr[0].lang == "fr"
    hit = index.search("para")[0]  # alt label in English: prefLabel in English
    assert hit.pref_label == "Déjà vu" and hit.matched_label == "paramnesia"


def test_deprecated_schemes_and_collections_left_out(index: SearchIndex) -> None:
    assert index.search("old") == []
    assert index.search("example") == []
    assert E1 + "coll" not in uris(index.search("economic"))


def test_vocab_filter(index: SearchIndex) -> None:
    assert uris(index.search("econ", vocab="v2")) == [E2 + "economy"]
    assert E2 + "economy" not in uris(index.search("econ", vocab="v1"))
    with pytest.raises(NotFound, match="unknown vocabulary 'nope'"):
        index.search("econ", vocab="nope")


def test_limit_offset_paging(index: SearchIndex) -> None:
    full = uris(index.search("e", limit=20))
    assert len(full) == len(set(full)) == 3
    paged = uris(index.search("e", limit=2)) + uris(index.search("e", limit=2, offset=2))
    assert paged == full
    assert index.search("e", offset=3) == []
    with pytest.raises(InputError):
        index.search("e", limit=0)
    with pytest.raises(InputError):
        index.search("e", limit=101)
    with pytest.raises(InputError, match="empty"):
        index.search("   ")


def test_punctuation_only_query_finds_nothing(index: SearchIndex) -> None:
    assert index.search("!!") == []


def _naive(labels: list[tuple[int, str, int]], q: str) -> list[int]:
    """Reference ranking by brute force: (tier, kind, length, folded, text) per concept;
    tier 3: a query of several words each of which starts a word of the label."""
    key = fold(q)
    qwords = key.split()
    best: dict[int, tuple] = {}
    for concept, text, kind in labels:
        f = fold(text)
        candidates = []
        for start in word_starts(f):
            if f[start:].startswith(key):
                candidates.append(2 if start else (0 if len(f) == len(key) else 1))
        if len(qwords) > 1 and all(any(w.startswith(qw) for w in f.split()) for qw in qwords):
            candidates.append(3)
        for tier in candidates:
            rank = (tier, kind, len(f), f, text)
            if concept not in best or rank < best[concept]:
                best[concept] = rank
    return sorted(best, key=lambda c: (best[c], c))


def test_ranking_matches_brute_force(tmp_path: Path) -> None:
    rng = random.Random(7)
    syll = ["ka", "ko", "ri", "ra", "mé", "mi", "to", "ta", "é", "su"]
    lines = [PREFIXES]
    labels: list[tuple[int, str, int]] = []
    for c in range(300):
        pref = " ".join("".join(rng.choice(syll) for _ in range(rng.randint(1, 3)))
                        for _ in range(rng.randint(1, 3)))  # fmt: skip
        alt = "".join(rng.choice(syll) for _ in range(rng.randint(1, 4)))
        lines.append(f'ex:c{c:03d} a skos:Concept ; skos:prefLabel "{pref}"@en ; '
                     f'skos:altLabel "{alt}"@en .')  # fmt: skip
        labels += [(c, pref, 0), (c, alt, 1)]
    store = make_store({"r": "\n".join(lines)})
    build_all(store, ["r"], tmp_path)
    index = SearchIndex.open(tmp_path, encoder=HashEncoder())
    for q in ["k", "ka", "kak", "me", "ri ta", "su", "tat", "é", "e", "ta ri", "ko k", "m t s"]:
        expected = [f"{E1}c{c:03d}" for c in _naive(labels, q)][:50]
        got = uris(index.search(q, limit=50))
        # equal ranks may only differ in their order when the labels fold equal
        assert len(got) == len(expected), q
        assert got == expected, q


def test_the_start_of_each_word_finds_a_label_in_any_order(tmp_path: Path) -> None:
    lines = [PREFIXES,
             'ex:edu a skos:Concept ; skos:prefLabel "Educational policy"@en .',
             'ex:pol a skos:Concept ; skos:prefLabel "Policy"@en ; '
             'skos:altLabel "Education policies"@en .',
             'ex:eco a skos:Concept ; skos:prefLabel "Economic policy"@en .']  # fmt: skip
    store = make_store({"w": "\n".join(lines)})
    build_all(store, ["w"], tmp_path)
    index = SearchIndex.open(tmp_path, encoder=HashEncoder())
    hits = index.search("educ polic")
    # ranked as the other tiers: a prefLabel before an altLabel; "Economic policy" not
    assert uris(hits) == [f"{E1}edu", f"{E1}pol"]
    assert [h.match_type for h in hits] == ["prefLabel", "altLabel"]
    assert all(0 < h.score < 0.1 for h in hits)  # below every word-prefix match
    # any order; but "policy" does not start "policies"
    assert uris(index.search("policy educ")) == [f"{E1}edu"]
    # a whole-query prefix match still ranks first: "policy" is a prefLabel prefix
    assert uris(index.search("polic"))[0] == f"{E1}pol"
    assert index.search("educ polix") == []
    assert uris(index.search("educ polic", offset=1)) == [f"{E1}pol"]


def test_one_sorted_index_across_vocabularies(index: SearchIndex) -> None:
    keys = index.labels.keys
    assert keys == sorted(keys)
    assert set(index.vocabs) == {"v1", "v2"}


# -- persistence, reuse of vectors, changes -----------------------------------------------


def test_files_are_pickle_free_and_manifest_written(index_dir: Path) -> None:
    base = search_dir(index_dir)
    manifest = json.loads((base / "v1.json").read_text())
    assert manifest["model"] == "hash-256" and manifest["vocab"] == "v1"
    gen = base / manifest["dir"]
    for npy in gen.glob("*.npy"):
        np.load(npy, allow_pickle=False)  # raises if an object array was written
    concepts = json.loads((gen / "concepts.json").read_text())
    assert E1 + "old" in concepts["deprecated"] and E1 + "old" not in concepts["uris"]


def test_rebuild_unchanged_encodes_nothing_changed_encodes_only_new(tmp_path: Path) -> None:
    store = make_store({"v1": VOCAB1})
    graph = "urn:x-glossary:vocab:v1"
    first = build_indexes(store, graph, "v1", tmp_path, encoder=HashEncoder(), progress=False)
    assert first.encoded == first.texts > 0
    again = build_indexes(store, graph, "v1", tmp_path, encoder=HashEncoder(), progress=False)
    assert again.encoded == 0 and again.texts == first.texts
    store.add(ox.Quad(ox.NamedNode(E1 + "policy"), ox.NamedNode(
        "http://www.w3.org/2004/02/skos/core#altLabel"), ox.Literal("Public policy", language="en"),
        ox.NamedNode(graph)))  # fmt: skip
    changed = build_indexes(store, graph, "v1", tmp_path, encoder=HashEncoder(), progress=False)
    assert changed.encoded == 1 and changed.texts == first.texts + 1
    # Only the live generation and the one before it are kept.
    gens = [p for p in search_dir(tmp_path).iterdir() if p.is_dir()]
    assert len(gens) == 2
    # Vectors reused from the cache are the ones a fresh encoding gives.
    idx = SearchIndex.open(tmp_path, encoder=HashEncoder())
    part = idx._vectors[0]
    fresh = HashEncoder().encode(["Policy"])[0]
    assert np.isclose(np.max(np.asarray(part.vectors) @ fresh), 1.0, atol=1e-5)


def test_changed_and_drop(index_dir: Path) -> None:
    idx = SearchIndex.open(index_dir, encoder=HashEncoder())
    assert not idx.changed(every=0)
    store = make_store({"v2": VOCAB2.replace('"Trade"@en', '"Trade and commerce"@en')})
    build_all(store, ["v2"], index_dir)
    assert idx.changed(every=0)
    reopened = SearchIndex.open(index_dir, encoder=HashEncoder())
    assert reopened.search("trade")[0].pref_label == "Trade and commerce"
    assert drop_indexes(index_dir, "v2")
    assert SearchIndex.open(index_dir, encoder=HashEncoder()).vocabs == ["v1"]
    assert not drop_indexes(index_dir, "v2")


def test_empty_or_missing_index_dir(tmp_path: Path) -> None:
    idx = SearchIndex.open(tmp_path / "nothing", encoder=HashEncoder())
    assert idx.search("x") == [] and idx.related(q="x") == []


def test_bad_vocab_id_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="invalid vocabulary id"):
        build_indexes(ox.Store(), "urn:x", "../etc", tmp_path, encoder=HashEncoder())


# -- related terms (stand-in encoder: checks the mechanics, not the meaning) -------------


def test_related_by_uri_leaves_the_concept_out(index: SearchIndex) -> None:
    hits = index.related(uri=E1 + "economics", k=5)
    assert E1 + "economics" not in uris(hits)
    assert len(hits) == 5
    assert all(0.0 <= h.score <= 1.0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_related_unknown_and_deprecated_uri_404(index: SearchIndex) -> None:
    with pytest.raises(NotFound, match="no concept"):
        index.related(uri="http://example.org/none")
    with pytest.raises(NotFound, match="deprecated"):
        index.related(uri=E1 + "old")


def test_related_exact_label_is_first_with_score_one(index: SearchIndex) -> None:
    hits = index.related(q="commerce", k=3)  # an altLabel of ex2:trade
    assert hits[0].uri == E2 + "trade" and hits[0].score == 1.0
    assert all(h.score < 1.0 for h in hits[1:])


def test_a_label_spelled_the_other_way_is_an_exact_match(tmp_path: Path) -> None:
    ttl = """@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<http://example.org/labour> a skos:Concept ; skos:prefLabel "Labour contract"@en .
<http://example.org/lab> a skos:Concept ; skos:prefLabel "Laboratory contract"@en .
<http://example.org/work> a skos:Concept ; skos:prefLabel "Work contract"@en .
"""
    build_all(make_store({"v": ttl}), ["v"], tmp_path)
    idx = SearchIndex.open(tmp_path, encoder=HashEncoder())
    hits = idx.related(q="Labor contract", k=3)
    assert hits[0].uri == "http://example.org/labour" and hits[0].score == 1.0
    assert all(h.score < 1.0 for h in hits[1:])
    found = idx.search("labor contract")  # "labor" also starts "Laboratory": after it
    assert [h.uri for h in found] == ["http://example.org/labour", "http://example.org/lab"]
    assert found[0].score == 1.0 and found[0].matched_label == "Labour contract"


def test_related_filters(index: SearchIndex) -> None:
    assert {h.vocab for h in index.related(q="economy", k=10, vocab="v2")} == {"v2"}
    ru = index.related(q="economic policy", k=10, lang="ru")
    assert uris(ru)[0] == E1 + "econpol" and ru[0].pref_label == "Экономическая политика"
    assert set(uris(ru)) <= {E1 + "econpol", E1 + "untagged"}  # untagged: any language
    with pytest.raises(InputError, match="exactly one"):
        index.related(q="x", uri=E1 + "policy")
    with pytest.raises(InputError, match="exactly one"):
        index.related()


def test_hnsw_above_threshold_agrees_with_flat(tmp_path: Path) -> None:
    store = make_store({"v1": VOCAB1})
    flat_dir, hnsw_dir = tmp_path / "flat", tmp_path / "hnsw"
    build_all(store, ["v1"], flat_dir)
    build_all(store, ["v1"], hnsw_dir, hnsw_threshold=1)
    flat = SearchIndex.open(flat_dir, encoder=HashEncoder())
    hnsw = SearchIndex.open(hnsw_dir, encoder=HashEncoder())
    assert flat._vectors[0].index.kind == "flat" and hnsw._vectors[0].index.kind == "hnsw"
    for uri in (E1 + "economics", E1 + "policy"):
        assert uris(flat.related(uri=uri, k=4)) == uris(hnsw.related(uri=uri, k=4))
    # A rebuild of the unchanged vocabulary reuses the HNSW graph (a hard link).
    first = next(p for p in search_dir(hnsw_dir).iterdir() if p.is_dir()) / "vectors.hnsw"
    build_all(store, ["v1"], hnsw_dir, hnsw_threshold=1)
    manifest = json.loads((search_dir(hnsw_dir) / "v1.json").read_text())
    second = search_dir(hnsw_dir) / manifest["dir"] / "vectors.hnsw"
    assert second != first and second.stat().st_ino == first.stat().st_ino


def test_other_model_vocabularies_are_not_mixed(
    index_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert SearchIndex.open(index_dir, encoder=HashEncoder()).stale == []
    with caplog.at_level("WARNING", logger="glossary.search.index"):
        idx = SearchIndex.open(index_dir, encoder=HashEncoder(dim=64))  # another model id
        SearchIndex.open(index_dir, encoder=HashEncoder(dim=64))  # said once
    assert idx.stale == sorted(idx.vocabs) and idx.stale
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == len(idx.stale), said
    assert "indexed with the model hash-256, not the configured hash-64" in said[0]
    assert "glossary load FILE --replace" in said[0]
    # No vectors of this model: only exact label matches remain (no mixing of models).
    assert idx.related(q="economic policies") == []
    assert idx.related(q="economic policy")[0].score == 1.0
    assert idx.related(uri=E1 + "policy") == []
    assert idx.search("econ")  # label search does not depend on the model


def test_related_penalises_labels_whose_words_nest_with_the_query(index: SearchIndex) -> None:
    """rho is taken off a concept whose label has a strict subset ("Policy" for
    "social policy reform") or a strict superset ("Social policy" for "social") of
    the query's words, and off no other."""
    for q, nested_uris in [("social policy reform", {E1 + "policy", E1 + "social"}),
                           ("social", {E1 + "social"}),
                           ("policy", {E1 + "econpol", E1 + "social"})]:  # fmt: skip
        qvec = index.query_vectors([q])[0]
        hits = index.related(q=q, k=20)
        assert len(hits) > 3
        for h in hits:
            if h.score == 1.0:  # an exact label match, whatever its words
                assert (q, h.uri) == ("policy", E1 + "policy")
                continue
            concept = index.concept_id(h.uri)
            cos, ctx = index.cosine(qvec, concept), index.context_cosines(qvec, [concept])[concept]
            sem = (1 - index.gamma) * cos + index.gamma * ctx
            want = sem - index.rho if h.uri in nested_uris else sem
            assert h.score == pytest.approx(min(0.99, max(0.0, want)), abs=1e-5), (q, h.uri)


def test_a_rebuild_reuses_the_wordnet_expansions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from glossary.search.build import EXPANSIONS_FILE
    from glossary.search.expansion import WordNet

    fixture = Path(__file__).parent / "data" / "wordnet"
    wordnet = WordNet(fixture)
    asked: list[list[str]] = []
    real = WordNet.expansions

    def counted(self: WordNet, texts: list[str]) -> list[str | None]:
        asked.append(list(texts))
        return real(self, texts)

    monkeypatch.setattr(WordNet, "expansions", counted)
    store = make_store({"v1": PREFIXES + """
ex:roma a skos:Concept ; skos:prefLabel "Gypsies"@en .
ex:frost a skos:Concept ; skos:prefLabel "Frozen ground"@en .
"""})  # fmt: skip

    def build(wn: WordNet) -> None:
        build_all(store, ["v1"], tmp_path, wordnet=wn)

    build(wordnet)
    assert asked == [["Frozen ground", "Gypsies"]]
    before = SearchIndex.open(tmp_path, encoder=HashEncoder()).related(q="Gypsies", k=2)
    build(wordnet)  # unchanged: nothing looked up, the same answers
    assert asked == [["Frozen ground", "Gypsies"]]
    assert SearchIndex.open(tmp_path, encoder=HashEncoder()).related(q="Gypsies", k=2) == before
    store.update("INSERT DATA { GRAPH <urn:x-glossary:vocab:v1> { "
                 "<http://example.org/v1/mouse> a <http://www.w3.org/2004/02/skos/core#Concept> ; "
                 '<http://www.w3.org/2004/02/skos/core#prefLabel> "Mice"@en } }')  # fmt: skip
    build(wordnet)  # only the new prefLabel
    assert asked[1:] == [["Mice"]]
    # other WordNet files (a copy elsewhere): looked up again
    shutil.copytree(fixture, tmp_path / "wn")
    build(WordNet(tmp_path / "wn"))
    assert sorted(asked[2]) == ["Frozen ground", "Gypsies", "Mice"]
    # a damaged file is only a cache: ignored, the build goes on
    manifest = json.loads((search_dir(tmp_path) / "v1.json").read_text())
    (search_dir(tmp_path) / manifest["dir"] / EXPANSIONS_FILE).write_text("{not json")
    build(WordNet(tmp_path / "wn"))
    assert len(asked) == 4 and sorted(asked[3]) == ["Frozen ground", "Gypsies", "Mice"]


def test_concepts_get_their_wordnet_expansion_as_one_more_vector(tmp_path: Path) -> None:
    from glossary.search.expansion import WordNet

    wordnet = WordNet(Path(__file__).parent / "data" / "wordnet")
    ttl = (
        PREFIXES
        + """
ex:roma a skos:Concept ; skos:prefLabel "Gypsies"@en .
ex:frost a skos:Concept ; skos:prefLabel "Frozen ground"@en .
ex:fr a skos:Concept ; skos:prefLabel "Gypsies"@fr .
"""
    )
    store = make_store({"v1": ttl})
    counts = {}
    for name, wn in [("with", wordnet), ("without", None), ("auto", "auto")]:
        build_all(store, ["v1"], tmp_path / name, wordnet=wn)
        manifest = json.loads((search_dir(tmp_path / name) / "v1.json").read_text())
        counts[name] = (manifest["stats"]["texts"], manifest["concept_expansion"])
    # "Gypsies"@en is in WordNet: one more text; "Frozen ground" is not, and a French
    # label is not looked up. The hash stand-in is not a model the expansion was
    # measured with: "auto" is none.
    assert counts == {"with": (4, True), "without": (3, False), "auto": (3, False)}
    idx = SearchIndex.open(tmp_path / "with", encoder=HashEncoder(), wordnet=False)
    assert idx.related(q="Roma, Romany: a member of a people who traditionally travel",
                       k=1)[0].uri == E1 + "roma"  # fmt: skip


def test_context_vector_is_the_concept_in_its_hierarchy(index_dir: Path) -> None:
    """vector_context.npy points at "prefLabel (broader prefLabels)", or at the
    prefLabel's vector for a concept without a broader one; an index built before
    the file existed still answers, with the max-pooled cosine alone."""
    index = SearchIndex.open(index_dir, encoder=HashEncoder())
    enc = HashEncoder()
    for uri, text in [(E1 + "econpol", "Economic policy (Policy)"), (E1 + "policy", "Policy")]:
        qvec = enc.encode([text])[0]
        concept = index.concept_id(uri)
        assert index.context_cosines(qvec, [concept])[concept] == pytest.approx(1.0, abs=1e-5)
    hits = index.related(q="economic policies", k=5)
    for gen in search_dir(index_dir).iterdir():
        if gen.is_dir():
            (gen / "vector_context.npy").unlink()
    old = SearchIndex.open(index_dir, encoder=HashEncoder())
    assert old.context_cosines(enc.encode(["Policy"])[0], [old.concept_id(E1 + "policy")]) == {}
    old_hits = old.related(q="economic policies", k=5)
    assert old_hits and uris(old_hits)[0] == uris(hits)[0]
    qvec = old.query_vectors(["economic policies"])[0]
    top = old_hits[0]
    assert top.score == pytest.approx(old.cosine(qvec, old.concept_id(top.uri)), abs=1e-5)


def test_damaged_context_rows_are_a_clear_error(index_dir: Path) -> None:
    gen = next(p for p in search_dir(index_dir).iterdir() if p.is_dir())
    rows = np.load(gen / "vector_context.npy")
    for damaged in (rows[:-1], np.where(np.arange(len(rows)) == 0, 10**6, rows)):
        np.save(gen / "vector_context.npy", damaged.astype(np.int32))
        with pytest.raises(StoreError, match="context rows") as err:
            SearchIndex.open(index_dir, encoder=HashEncoder())
        assert "glossary load FILE --replace" in str(err.value.hint)
