"""The Skosmos REST v1 API (/rest/v1/): same paths, parameters and JSON keys as Skosmos.

Over three stores loaded through the real load path: the linked-data fixture
(tests/data/ld: polyhierarchy, two schemes, three languages, a mapping, a deprecated
concept), the mini store of conftest (tests/data/store/mini.ttl: a two-level tree,
alt labels) and the bundled community glossary (compiled from glossary/terms).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from e2e.support import LD, build_ld_store, make_app

MINI = "https://example.org/mini/"
GLOSSARY = "https://w3id.org/semantic-glossary/community/"


@pytest.fixture(scope="module")
def ld(tmp_path_factory):  # type: ignore[no-untyped-def]
    return make_app(build_ld_store(tmp_path_factory.mktemp("skosmos-ld"))).test_client()


@pytest.fixture(scope="module")
def community(tmp_path_factory):  # type: ignore[no-untyped-def]
    from glossary.cli.serve import prepare_store

    path = tmp_path_factory.mktemp("skosmos-community")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        prepare_store(path)
    return make_app(path).test_client()


def get(client, path: str, status: int = 200, **headers: str) -> Any:  # type: ignore[no-untyped-def]
    resp = client.get(path, headers=headers)
    assert resp.status_code == status, resp.get_data(as_text=True)[:400]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    if status >= 400:
        assert resp.mimetype == "application/problem+json"
        body = resp.get_json(force=True)
        assert body["status"] == status and body["detail"]
        return body
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    ctx = body["@context"]
    assert ctx["uri"] == "@id" and ctx["type"] == "@type"
    assert ctx["skos"] == "http://www.w3.org/2004/02/skos/core#"
    return body


def q(uri: str) -> str:
    return quote(uri, safe="")


# --- vocabularies ----------------------------------------------------------------------


def test_vocabularies_have_skosmos_keys_and_titles_in_lang(ld) -> None:  # type: ignore[no-untyped-def]
    body = get(ld, "/rest/v1/vocabularies?lang=fr")
    assert body["@context"]["@language"] == "fr"
    by_id = {v["id"]: v for v in body["vocabularies"]}
    assert set(by_id) == {"ldtest", "hashvocab"}
    assert all(set(v) == {"uri", "id", "title"} for v in by_id.values())
    assert by_id["ldtest"]["title"] == "Vocabulaire de test"
    assert get(ld, "/rest/v1/vocabularies?lang=en")["vocabularies"][1]["title"] == (
        "LD test vocabulary"
    )
    get(ld, "/rest/v1/vocabularies?lang=e%20n", 400)


def test_json_ld_type_and_jsonp_as_skosmos(ld) -> None:  # type: ignore[no-untyped-def]
    """Skosmos answers application/ld+json to a client that prefers it, and JSONP with
    callback= (both were application/json here)."""
    resp = ld.get("/rest/v1/ldtest/", headers={"Accept": "application/ld+json"})
    assert resp.mimetype == "application/ld+json" and resp.headers["Vary"] == "Accept"
    assert resp.get_json(force=True)["id"] == "ldtest"
    resp = ld.get("/rest/v1/ldtest/", headers={"Accept": "text/html"})  # nothing offered
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    resp = ld.get("/rest/v1/vocabularies?lang=en&callback=show")
    assert resp.mimetype == "application/javascript"
    text = resp.get_data(as_text=True)
    assert text.startswith("/**/show(") and text.endswith(");")
    assert '"vocabularies"' in text
    get(ld, "/rest/v1/vocabularies?lang=en&callback=alert(1)", 400)


def test_vocabulary_info(ld) -> None:  # type: ignore[no-untyped-def]
    body = get(ld, "/rest/v1/ldtest/")
    assert body["id"] == "ldtest"
    assert body["defaultLanguage"] == "en"
    assert body["languages"] == ["de", "en", "fr"]
    schemes = {s["uri"]: s for s in body["conceptschemes"]}
    assert set(schemes) == {"https://w3id.org/semantic-glossary/ldtest", LD + "scheme-b"}
    assert schemes[LD + "scheme-b"]["prefLabel"] == "Second scheme"
    assert all(s["type"] == "skos:ConceptScheme" for s in schemes.values())
    problem = get(ld, "/rest/v1/nosuch/", 404)
    assert "nosuch" in problem["detail"]


# --- search ----------------------------------------------------------------------------


def test_search_is_a_prefix_search_with_skosmos_keys(community) -> None:  # type: ignore[no-untyped-def]
    body = get(community, "/rest/v1/search?query=communit&lang=en")
    results = body["results"]
    assert results[0]["uri"] == GLOSSARY + "community"
    assert results[0] == {
        "uri": GLOSSARY + "community",
        "type": ["skos:Concept"],
        "localname": "community",
        "prefLabel": "Community",
        "lang": "en",
        "vocab": "community",
    }
    assert body["@context"]["results"] == {"@id": "onki:results", "@container": "@list"}
    uris = [r["uri"] for r in results]
    assert GLOSSARY + "community-led" in uris
    # "communit*" is the same search; the trailing '*' only says so
    assert get(community, "/rest/v1/search?query=communit*&lang=en")["results"] == results
    # paging
    page = get(community, "/rest/v1/search?query=communit&maxhits=2&offset=1")["results"]
    assert [r["uri"] for r in page] == uris[1:3]


def test_search_leading_star_matches_word_starts(community) -> None:  # type: ignore[no-untyped-def]
    uris = {r["uri"] for r in get(community, "/rest/v1/search?query=*led")["results"]}
    assert {GLOSSARY + "community-led", GLOSSARY + "product-led"} <= uris


@pytest.mark.parametrize(
    "query",
    [
        "",
        "query=",
        "query=*",
        "query=a*b",
        "query=comm&maxhits=0",
        "query=comm&maxhits=101",
        "query=comm&maxhits=ten",
        "query=comm&offset=-1",
        "query=comm&lang=%3Cscript%3E",
        "query=" + "x" * 501,
    ],
)
def test_search_bad_parameters_are_400(community, query: str) -> None:  # type: ignore[no-untyped-def]
    get(community, "/rest/v1/search?" + query, 400)


def test_search_unknown_vocabulary_is_404(community) -> None:  # type: ignore[no-untyped-def]
    get(community, "/rest/v1/search?query=comm&vocab=nosuch", 404)
    get(community, "/rest/v1/nosuch/search?query=comm", 404)


def test_search_alt_label_labellang_and_matched_pref_label(ld) -> None:  # type: ignore[no-untyped-def]
    hit = get(ld, "/rest/v1/search?query=communities&lang=en")["results"][0]
    assert hit["uri"] == LD + "community"
    assert hit["altLabel"] == "communities" and hit["prefLabel"] == "community"
    # labellang: the prefLabel shown in another language than the one searched
    hit = get(ld, "/rest/v1/search?query=community&lang=en&labellang=fr")["results"][0]
    assert hit["prefLabel"] == "communauté" and hit["lang"] == "en"
    assert hit["matchedPrefLabel"] == "community"
    # a prefLabel that is not the one shown is reported as matchedPrefLabel
    hit = get(ld, "/rest/v1/search?query=communaut&lang=fr")["results"][0]
    assert hit["prefLabel"] == "communauté" and "matchedPrefLabel" not in hit


def test_search_in_one_or_several_vocabularies(ld) -> None:  # type: ignore[no-untyped-def]
    assert get(ld, "/rest/v1/hashvocab/search?query=communit")["results"] == []
    in_ld = get(ld, "/rest/v1/ldtest/search?query=communit")["results"]
    assert in_ld and all(r["vocab"] == "ldtest" for r in in_ld)
    both = get(ld, "/rest/v1/search?query=communit&vocab=ldtest%20hashvocab")["results"]
    assert [r["uri"] for r in both] == [r["uri"] for r in in_ld]
    get(ld, "/rest/v1/search?query=c&vocab=ldtest%20hashvocab&maxhits=100&offset=1", 400)


# --- lookup ----------------------------------------------------------------------------


def test_lookup_tiers(client) -> None:  # type: ignore[no-untyped-def]
    exact = get(client, "/rest/v1/mini/lookup?label=apple&lang=en")["result"]
    assert [r["uri"] for r in exact] == [MINI + "apple"]
    assert set(exact[0]) >= {"uri", "localname", "prefLabel", "lang"}
    # case-insensitive on the prefLabel
    assert get(client, "/rest/v1/mini/lookup?label=APPLE")["result"][0]["uri"] == MINI + "apple"
    # an alternative label, said so
    alt = get(client, "/rest/v1/mini/lookup?label=Eating%20apple")["result"]
    assert alt[0]["uri"] == MINI + "apple" and alt[0]["altLabel"] == "eating apple"
    # another language
    assert get(client, "/rest/v1/mini/lookup?label=Birne&lang=de")["result"][0]["uri"] == (
        MINI + "pear"
    )
    # only a prefix of a label: not a lookup answer
    get(client, "/rest/v1/mini/lookup?label=app", 404)
    get(client, "/rest/v1/mini/lookup", 400)
    get(client, "/rest/v1/nosuch/lookup?label=apple", 404)


# --- hierarchy -------------------------------------------------------------------------


def test_top_concepts(ld, client) -> None:  # type: ignore[no-untyped-def]
    tops = get(ld, "/rest/v1/ldtest/topConcepts?lang=fr")["topconcepts"]
    by_uri = {t["uri"]: t for t in tops}
    assert set(by_uri) == {LD + "community", LD + "leadership"}
    assert by_uri[LD + "community"] == {
        "uri": LD + "community",
        "label": "communauté",
        "topConceptOf": "https://w3id.org/semantic-glossary/ldtest",
        "hasChildren": True,
    }
    assert by_uri[LD + "leadership"]["topConceptOf"] == LD + "scheme-b"
    only_b = get(ld, "/rest/v1/ldtest/topConcepts?scheme=" + q(LD + "scheme-b"))
    assert [t["uri"] for t in only_b["topconcepts"]] == [LD + "leadership"]
    get(ld, "/rest/v1/ldtest/topConcepts?scheme=" + q(LD + "nosuch"), 404)
    mini = get(client, "/rest/v1/mini/topConcepts")["topconcepts"]
    assert [(t["uri"], t["hasChildren"]) for t in mini] == [(MINI + "fruit", True)]


def test_broader_narrower_related_children(ld) -> None:  # type: ignore[no-untyped-def]
    led = q(LD + "community-led")
    body = get(ld, f"/rest/v1/ldtest/broader?uri={led}")
    assert body["uri"] == LD + "community-led"
    assert body["broader"] == [
        {"uri": LD + "community", "prefLabel": "community"},
        {"uri": LD + "leadership", "prefLabel": "leadership"},
    ]
    fr = get(ld, f"/rest/v1/ldtest/broader?uri={led}&lang=fr")["broader"]
    assert {b["prefLabel"] for b in fr} == {"communauté", "direction"}
    assert get(ld, f"/rest/v1/ldtest/related?uri={led}")["related"] == [
        {"uri": LD + "member", "prefLabel": "member"}
    ]
    narrower = get(ld, "/rest/v1/ldtest/narrower?uri=" + q(LD + "community"))["narrower"]
    assert {n["uri"] for n in narrower} == {LD + "community-led", LD + "member", LD + "xss"}
    children = get(ld, "/rest/v1/ldtest/children?uri=" + q(LD + "leadership"))["narrower"]
    assert children == [
        {"uri": LD + "community-led", "prefLabel": "community-led", "hasChildren": False}
    ]


@pytest.mark.parametrize("endpoint", ["broader", "narrower", "related", "children", "label",
                                      "broaderTransitive", "narrowerTransitive", "hierarchy",
                                      "mappings"])  # fmt: skip
def test_concept_endpoints_check_uri_and_vocabulary(ld, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    get(ld, f"/rest/v1/ldtest/{endpoint}", 400)  # no uri
    get(ld, f"/rest/v1/ldtest/{endpoint}?uri=not%20a%20uri", 400)
    get(ld, f"/rest/v1/ldtest/{endpoint}?uri=" + q(LD + "nosuch"), 404)
    # a concept of another vocabulary
    get(ld, f"/rest/v1/ldtest/{endpoint}?uri=" + q("http://example.org/hashvocab#C1"), 404)
    get(ld, f"/rest/v1/nosuch/{endpoint}?uri=" + q(LD + "community"), 404)
    get(ld, f"/rest/v1/ldtest/{endpoint}?uri=" + q(LD + "community") + "&lang=%2A%2A", 400)


def test_broader_transitive_is_a_map_over_the_polyhierarchy(ld) -> None:  # type: ignore[no-untyped-def]
    body = get(ld, "/rest/v1/ldtest/broaderTransitive?uri=" + q(LD + "community-led"))
    tree = body["broaderTransitive"]
    assert isinstance(tree, dict)
    assert set(tree) == {LD + "community-led", LD + "community", LD + "leadership"}
    assert sorted(tree[LD + "community-led"]["broader"]) == [LD + "community", LD + "leadership"]
    assert tree[LD + "community"] == {"uri": LD + "community", "prefLabel": "community"}


def test_narrower_transitive_is_a_map(client) -> None:  # type: ignore[no-untyped-def]
    tree = get(client, "/rest/v1/mini/narrowerTransitive?uri=" + q(MINI + "fruit"))
    tree = tree["narrowerTransitive"]
    assert set(tree) == {MINI + "fruit", MINI + "apple", MINI + "pear", MINI + "quince"}
    assert sorted(tree[MINI + "fruit"]["narrower"]) == [MINI + "apple", MINI + "pear",
                                                         MINI + "quince"]  # fmt: skip
    assert "narrower" not in tree[MINI + "apple"]
    limited = get(client, "/rest/v1/mini/narrowerTransitive?limit=2&uri=" + q(MINI + "fruit"))
    assert len(limited["narrowerTransitive"]) == 2
    get(client, "/rest/v1/mini/narrowerTransitive?limit=0&uri=" + q(MINI + "fruit"), 400)


def test_hierarchy_has_every_path_to_the_tops(ld) -> None:  # type: ignore[no-untyped-def]
    tree = get(ld, "/rest/v1/ldtest/hierarchy?uri=" + q(LD + "community-led"))
    tree = tree["broaderTransitive"]
    assert set(tree) == {LD + "community-led", LD + "community", LD + "leadership"}
    assert tree[LD + "community"]["top"] == "https://w3id.org/semantic-glossary/ldtest"
    assert tree[LD + "leadership"]["top"] == LD + "scheme-b"
    assert "top" not in tree[LD + "community-led"]
    kids = {n["uri"]: n for n in tree[LD + "leadership"]["narrower"]}
    led = {"uri": LD + "community-led", "label": "community-led", "hasChildren": False}
    assert kids == {LD + "community-led": led}
    assert tree[LD + "community"]["hasChildren"] is True
    assert tree[LD + "community-led"]["hasChildren"] is False


def test_mappings(ld) -> None:  # type: ignore[no-untyped-def]
    body = get(ld, "/rest/v1/ldtest/mappings?uri=" + q(LD + "community"))
    [m] = body["mappings"]
    assert m["uri"] == "http://example.org/other/community"
    assert m["type"] == ["skos:exactMatch"]
    assert m["from"]["memberSet"][0]["uri"] == LD + "community"
    assert m["to"]["memberSet"] == [{"uri": "http://example.org/other/community"}]
    assert get(ld, "/rest/v1/ldtest/mappings?uri=" + q(LD + "member"))["mappings"] == []


# --- labels, statistics, index ---------------------------------------------------------


def test_label(ld) -> None:  # type: ignore[no-untyped-def]
    uri = q(LD + "community")
    assert get(ld, f"/rest/v1/label?uri={uri}&lang=fr") == {
        "@context": get(ld, f"/rest/v1/label?uri={uri}&lang=fr")["@context"],
        "uri": LD + "community",
        "prefLabel": "communauté",
    }
    assert get(ld, f"/rest/v1/ldtest/label?uri={uri}&lang=de")["prefLabel"] == "Gemeinschaft"
    assert get(ld, f"/rest/v1/ldtest/label?uri={uri}")["prefLabel"] == "community"
    assert "prefLabel" not in get(ld, f"/rest/v1/label?uri={uri}&lang=fi")
    get(ld, "/rest/v1/label?uri=" + q(LD + "nosuch"), 404)


def test_statistics_are_the_load_time_counts(ld) -> None:  # type: ignore[no-untyped-def]
    stats = get(ld, "/rest/v1/ldtest/vocabularyStatistics")
    assert stats["id"] == "ldtest"
    vocab = {v["id"]: v for v in ld.get("/api/vocabularies").get_json()["vocabularies"]}["ldtest"]
    concepts = stats["concepts"]
    assert concepts["class"] == "http://www.w3.org/2004/02/skos/core#Concept"
    assert concepts["count"] + concepts["deprecatedCount"] == vocab["concepts"]
    assert concepts["deprecatedCount"] == 1  # old-term
    # the tag collection; deprecatedCount for groups too, as Skosmos
    assert stats["conceptGroups"] == {
        "class": "http://www.w3.org/2004/02/skos/core#Collection",
        "label": "Collection",
        "count": 1,
        "deprecatedCount": 0,
    }
    labels = get(ld, "/rest/v1/ldtest/labelStatistics")
    # Skosmos's keys: language (the tag); literal (its name) only when lang is given
    assert all(set(x) == {"language", "properties"} for x in labels["languages"])
    per = {x["language"]: x["properties"] for x in labels["languages"]}
    assert set(per) == {"de", "en", "fr"}
    named = get(ld, "/rest/v1/ldtest/labelStatistics?lang=fi")
    assert [(x["language"], x["literal"]) for x in named["languages"]] == [
        ("de", "saksa"),
        ("en", "englanti"),
        ("fr", "ranska"),
    ]
    assert named["@context"]["literal"] == {"@id": "rdfs:label", "@language": "fi"}
    assert named["@context"]["language"] == "void-ext:language"
    english = get(ld, "/rest/v1/ldtest/labelStatistics?lang=en")["languages"]
    assert [x["literal"] for x in english] == ["German", "English", "French"]
    assert per["fr"] == [
        {"property": "skos:prefLabel", "labels": 3},
        {"property": "skos:altLabel", "labels": 0},
        {"property": "skos:hiddenLabel", "labels": 0},
    ]
    assert per["de"][0] == {"property": "skos:prefLabel", "labels": 1}
    assert per["en"][1] == {"property": "skos:altLabel", "labels": 1}  # "communities"
    get(ld, "/rest/v1/nosuch/labelStatistics", 404)
    get(ld, "/rest/v1/nosuch/vocabularyStatistics", 404)


def test_group_statistics_count_deprecated_groups(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Skosmos's conceptGroups carries deprecatedCount; a vocabulary without
    collections has no conceptGroups."""
    from glossary.store import Store

    ttl = tmp_path / "groups.ttl"
    ttl.write_text("""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix g: <https://example.org/groups/> .
g: a skos:ConceptScheme ; skos:prefLabel "groups"@en .
g:a a skos:Concept ; skos:prefLabel "a"@en ; skos:inScheme g: ; skos:topConceptOf g: .
g:live a skos:Collection ; skos:prefLabel "live"@en ; skos:member g:a .
g:gone a skos:Collection ; skos:prefLabel "gone"@en ; owl:deprecated true .
g:gone2 a skos:Collection ; skos:prefLabel "gone too"@en ; owl:deprecated true .
""", encoding="utf-8")  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        plain = tmp_path / "plain.ttl"
        plain.write_text(ttl.read_text().split("g:live")[0].replace("groups/", "plain/"))
        with Store.open(tmp_path / "store", read_only=False) as store:
            store.load([ttl], vocab_id="groups")
            store.load([plain], vocab_id="plain")
    client = make_app(tmp_path / "store").test_client()
    groups = get(client, "/rest/v1/groups/vocabularyStatistics")["conceptGroups"]
    assert (groups["count"], groups["deprecatedCount"]) == (1, 2)
    assert "conceptGroups" not in get(client, "/rest/v1/plain/vocabularyStatistics")


def test_statistics_do_not_query_per_request(ld, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    get(ld, "/rest/v1/ldtest/vocabularyStatistics")  # the collections list, cached
    from glossary.store import Store

    def no_select(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a statistics request ran a SPARQL query")

    get(ld, "/rest/v1/ldtest/labelStatistics")  # the label index's counts, kept with it
    monkeypatch.setattr(Store, "select", no_select)
    get(ld, "/rest/v1/ldtest/labelStatistics")
    get(ld, "/rest/v1/ldtest/vocabularyStatistics")


def test_alphabetical_index(ld) -> None:  # type: ignore[no-untyped-def]
    letters = get(ld, "/rest/v1/ldtest/index/")["indexLetters"]
    assert letters == ["C", "L", "M", "O", "0-9"]
    c = get(ld, "/rest/v1/ldtest/index/C")["indexConcepts"]
    assert [x["prefLabel"] for x in c] == ["community", "community-led"]
    assert c[0] == {"uri": LD + "community", "localname": "community",
                    "prefLabel": "community", "lang": "en"}  # fmt: skip
    assert [x["uri"] for x in get(ld, "/rest/v1/ldtest/index/0-9")["indexConcepts"]] == [LD + "xss"]
    assert [x["uri"] for x in get(ld, "/rest/v1/ldtest/index/c?limit=1&offset=1")[
        "indexConcepts"]] == [LD + "community-led"]  # fmt: skip
    fr = get(ld, "/rest/v1/ldtest/index/D?lang=fr")["indexConcepts"]
    assert [x["prefLabel"] for x in fr] == ["direction"]
    assert get(ld, "/rest/v1/ldtest/index/Q")["indexConcepts"] == []
    get(ld, "/rest/v1/ldtest/index/AB", 400)
    get(ld, "/rest/v1/ldtest/index/C?limit=0", 400)
    get(ld, "/rest/v1/nosuch/index/", 404)
    get(ld, "/rest/v1/nosuch/index/C", 404)


def test_the_trailing_slash_redirect_is_readable_cross_origin(ld) -> None:  # type: ignore[no-untyped-def]
    """Routing answers /rest/v1/ldtest with a 308 to /rest/v1/ldtest/ before any
    blueprint runs; a browser follows it from another site only if it carries CORS."""
    resp = ld.get("/rest/v1/ldtest")
    assert resp.status_code == 308 and resp.headers["Location"].endswith("/rest/v1/ldtest/")
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert ld.get("/rest/v1/ldtest/").headers["Access-Control-Allow-Origin"] == "*"


# --- RDF and entity --------------------------------------------------------------------


def _triples(body: bytes, media_type: str) -> list[Any]:
    import pyoxigraph

    return list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.from_media_type(media_type)))


@pytest.mark.parametrize("fmt", ["text/turtle", "application/rdf+xml", "application/ld+json"])
def test_data_of_a_concept(ld, fmt: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/rest/v1/data", "/rest/v1/ldtest/data"):
        resp = ld.get(f"{path}?uri={q(LD + 'community')}&format={q(fmt)}")
        assert resp.status_code == 200 and resp.mimetype == fmt
        subjects = {t.subject.value for t in _triples(resp.data, fmt)}
        assert LD + "community" in subjects and LD + "old-term" not in subjects


def test_data_format_as_clients_send_it(ld) -> None:  # type: ignore[no-untyped-def]
    """Skosmos's application/json (JSON-LD); a format that names nothing offered leaves
    the choice to Accept (was a 400); no format and */* give Turtle, which rdflib
    parses without a format hint."""
    import rdflib

    uri = q(LD + "community")
    resp = ld.get(f"/rest/v1/data?uri={uri}&format=application/json")
    assert resp.status_code == 200 and resp.mimetype == "application/ld+json"
    resp = ld.get(f"/rest/v1/data?uri={uri}&format=text/csv", headers={"Accept": "*/*"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle"
    resp = ld.get(f"/rest/v1/ldtest/data?uri={uri}&format=rdf+xml")  # a bare subtype
    assert resp.status_code == 200 and resp.mimetype == "application/rdf+xml"
    resp = ld.get(f"/rest/v1/data?uri={uri}", headers={"Accept": "*/*"})
    assert resp.mimetype == "text/turtle"
    assert (rdflib.URIRef(LD + "community"), None, None) in rdflib.Graph().parse(data=resp.data)


def test_data_of_a_whole_vocabulary_is_its_dump(ld) -> None:  # type: ignore[no-untyped-def]
    with ld.get("/rest/v1/ldtest/data?format=text/turtle") as resp:
        assert resp.status_code == 200 and resp.mimetype == "text/turtle"
        subjects = {t.subject.value for t in _triples(resp.data, "text/turtle")}
        assert {LD + "community", LD + "member", LD + "old-term"} <= subjects
        with ld.get("/dumps/ldtest.ttl") as dump:
            assert resp.data == dump.data
    # by Accept, without format=
    with ld.get("/rest/v1/ldtest/data", headers={"Accept": "application/rdf+xml"}) as resp:
        assert resp.status_code == 200 and resp.mimetype == "application/rdf+xml"
        assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_data_errors(ld) -> None:  # type: ignore[no-untyped-def]
    uri = q(LD + "community")
    get(ld, f"/rest/v1/data?uri={uri}&format=text/csv", 406, Accept="text/csv")
    get(ld, f"/rest/v1/data?uri={uri}", 406, Accept="text/html")
    get(ld, "/rest/v1/data", 400)
    get(ld, "/rest/v1/data?uri=" + q(LD + "nosuch"), 404)
    get(ld, "/rest/v1/hashvocab/data?uri=" + uri, 404)
    get(ld, "/rest/v1/nosuch/data", 404)


def test_entity_redirects_by_accept(ld) -> None:  # type: ignore[no-untyped-def]
    uri = LD + "community"
    page = ld.get("/rest/v1/entity?uri=" + q(uri), headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["Location"].endswith("/ldtest/community")
    assert ld.get(page.headers["Location"]).status_code == 200
    rdf = ld.get("/rest/v1/entity?uri=" + q(uri), headers={"Accept": "text/turtle"})
    assert rdf.status_code == 303 and rdf.headers["Vary"] == "Accept"
    target = urlsplit(rdf.headers["Location"])
    assert target.path == "/rest/v1/ldtest/data"
    assert parse_qs(target.query) == {"uri": [uri], "format": ["text/turtle"]}
    followed = ld.get(rdf.headers["Location"])
    assert followed.status_code == 200 and followed.mimetype == "text/turtle"
    get(ld, "/rest/v1/entity?uri=" + q(LD + "nosuch"), 404)
    get(ld, "/rest/v1/entity", 400)


# --- the community glossary ------------------------------------------------------------


def test_community_glossary_end_to_end(community) -> None:  # type: ignore[no-untyped-def]
    [vocab] = get(community, "/rest/v1/vocabularies")["vocabularies"]
    assert vocab["id"] == "community"
    info = get(community, "/rest/v1/community/")
    assert info["conceptschemes"][0]["uri"] == GLOSSARY.rstrip("/")
    counted = community.get("/api/vocabularies").get_json()["vocabularies"][0]["concepts"]
    stats = get(community, "/rest/v1/community/vocabularyStatistics")["concepts"]
    assert stats["count"] + stats["deprecatedCount"] == counted
    letters = get(community, "/rest/v1/community/index/")["indexLetters"]
    filed = sum(
        len(get(community, f"/rest/v1/community/index/{x}")["indexConcepts"]) for x in letters
    )
    assert filed == counted
    tops = get(community, "/rest/v1/community/topConcepts")["topconcepts"]
    assert GLOSSARY + "community" in {t["uri"] for t in tops}
    found = get(community, "/rest/v1/community/lookup?label=community-led")["result"]
    assert [r["uri"] for r in found] == [GLOSSARY + "community-led"]
    related = get(community, "/rest/v1/community/related?uri=" + q(GLOSSARY + "community-led"))
    assert GLOSSARY + "community-driven" in {r["uri"] for r in related["related"]}
    up = get(
        community, "/rest/v1/community/broaderTransitive?uri=" + q(GLOSSARY + "content-pillar")
    )
    assert up["broaderTransitive"][GLOSSARY + "content-pillar"]["broader"] == [GLOSSARY + "content"]


# --- a real thesaurus ------------------------------------------------------------------


@pytest.mark.slow
def test_stw_thesaurus(vocabularies, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """STW (about 6,500 concepts in German and English, deprecated ones, a deep
    classification): the answers a Skosmos client builds its views from."""
    from glossary.store import Store

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(tmp_path, read_only=False) as store:
            store.load([vocabularies / "stw-9.16.ttl.gz"], vocab_id="stw", allow_invalid=True)
    stw = make_app(tmp_path).test_client()
    record = stw.get("/api/vocabularies").get_json()["vocabularies"][0]
    info = get(stw, "/rest/v1/stw/")
    assert info["defaultLanguage"] == "de" and info["languages"] == ["de", "en"]
    found = get(stw, "/rest/v1/stw/lookup?label=Arbeitsmarkt&lang=de")["result"]
    assert [r["uri"] for r in found] == ["http://zbw.eu/stw/descriptor/11183-4"]
    hit = get(stw, "/rest/v1/search?query=arbeitsmark&lang=de&labellang=en")["results"][0]
    assert hit["prefLabel"] == "Labour market" and hit["matchedPrefLabel"] == "Arbeitsmarkt"
    uri = q("http://zbw.eu/stw/descriptor/11183-4")
    tree = get(stw, f"/rest/v1/stw/hierarchy?lang=en&uri={uri}")["broaderTransitive"]
    tops = [n for n in tree.values() if "top" in n]
    assert tops and all(n["top"] == "http://zbw.eu/stw" for n in tops)
    assert all("broader" in n for n in tree.values() if "top" not in n)
    down = get(stw, f"/rest/v1/stw/narrowerTransitive?limit=5&uri={uri}")
    assert len(down["narrowerTransitive"]) == 5
    stats = get(stw, "/rest/v1/stw/vocabularyStatistics")["concepts"]
    assert stats["count"] + stats["deprecatedCount"] == record["concepts"]
    assert stats["deprecatedCount"] > 1000
    labels = {x["language"]: x["properties"] for x in get(stw, "/rest/v1/stw/labelStatistics")[
        "languages"]}  # fmt: skip
    assert {p["property"] for p in labels["de"]} == {"skos:prefLabel", "skos:altLabel",
                                                     "skos:hiddenLabel"}  # fmt: skip
    assert labels["de"][1]["labels"] > labels["de"][0]["labels"]  # more altLabels than pref
    letters = get(stw, "/rest/v1/stw/index/?lang=de")["indexLetters"]
    assert "A" in letters and "Z" in letters
    page = get(stw, "/rest/v1/stw/index/A?lang=de&limit=10&offset=10")["indexConcepts"]
    assert len(page) == 10 and all(c["prefLabel"][:1].upper() in "AÄ" for c in page)


def test_groups_and_members(ld, community) -> None:  # type: ignore[no-untyped-def]
    people = LD + "_tag/people"
    assert get(ld, "/rest/v1/ldtest/groups")["groups"] == [
        {"uri": people, "prefLabel": "people", "hasMembers": True}
    ]
    members = get(ld, "/rest/v1/ldtest/groupMembers?uri=" + q(people))["members"]
    assert members == [
        {"uri": LD + "community", "prefLabel": "community", "type": ["skos:Concept"]},
        {"uri": LD + "member", "prefLabel": "member", "type": ["skos:Concept"]},
    ]
    # a concept is not a group; nor is a group of another vocabulary
    get(ld, "/rest/v1/ldtest/groupMembers?uri=" + q(LD + "community"), 404)
    get(ld, "/rest/v1/hashvocab/groupMembers?uri=" + q(people), 404)
    get(ld, "/rest/v1/ldtest/groupMembers", 400)
    get(ld, "/rest/v1/nosuch/groups", 404)
    groups = get(community, "/rest/v1/community/groups")["groups"]
    assert len(groups) == get(community, "/rest/v1/community/vocabularyStatistics")[
        "conceptGroups"]["count"]  # fmt: skip
    first = get(community, "/rest/v1/community/groupMembers?uri=" + q(groups[0]["uri"]))
    assert first["members"] and all(m["type"] == ["skos:Concept"] for m in first["members"])


# --- types, new and modified concepts --------------------------------------------------

CH = "https://example.org/changes/"
SKOS_NS = "http://www.w3.org/2004/02/skos/core#"
ISOTHES_NS = "http://purl.org/iso25964/skos-thes#"


@pytest.fixture(scope="module")
def changes_store(tmp_path_factory):  # type: ignore[no-untyped-def]
    """tests/data/store/changes.ttl (dated concepts, a used subclass of skos:Concept, a
    concept group) and mini.ttl (no dates), loaded through the real load path."""
    from conftest import STORE_DATA

    from glossary.store import Store

    path = tmp_path_factory.mktemp("skosmos-changes")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load([STORE_DATA / "changes.ttl"], vocab_id="changes")
            store.load([STORE_DATA / "mini.ttl"], vocab_id="mini")
    return path


@pytest.fixture
def changes(changes_store):  # type: ignore[no-untyped-def]
    return make_app(changes_store).test_client()


def test_new_concepts_newest_first(changes) -> None:  # type: ignore[no-untyped-def]
    body = get(changes, "/rest/v1/changes/new")
    listed = body["changeList"]
    # by dct:created, newest first; the deprecated concept by its dct:modified (its
    # deprecation); eta and theta share a day (then by label); beta's 08:30+02:00 is
    # later than gamma's midnight UTC; delta's date is malformed; epsilon has none
    assert [c["uri"].removeprefix(CH) for c in listed] == [
        "old", "beta", "gamma", "eta", "theta", "alpha", "zeta"]  # fmt: skip
    assert listed[0] == {
        "uri": CH + "old",
        "prefLabel": "old term",
        "date": "2024-01-15T00:00:00+00:00",
        "deprecated": True,
        "replacedBy": CH + "alpha",
        "replacingLabel": "alpha",
    }
    assert listed[1] == {"uri": CH + "beta", "prefLabel": "beta",
                         "date": "2023-11-20T08:30:00+02:00", "deprecated": False}  # fmt: skip
    # a concept without a label in the language shows the one it has
    assert listed[-1]["prefLabel"] == "Zeeta"
    ctx = body["@context"]
    assert ctx["@language"] == "en"  # the vocabulary's language
    assert ctx["date"] == {"@id": "http://purl.org/dc/terms/date", "@type": "xsd:dateTime"}
    assert ctx["prefLabel"] == "skos:prefLabel"


def test_modified_concepts_with_labels_in_lang(changes) -> None:  # type: ignore[no-untyped-def]
    body = get(changes, "/rest/v1/changes/modified?lang=de")
    assert body["@context"]["@language"] == "de"
    assert [(c["uri"].removeprefix(CH), c["prefLabel"], c["date"])
            for c in body["changeList"]] == [
        ("alpha", "Alpha", "2024-05-02T10:00:00+00:00"),
        ("old", "old term", "2024-01-15T00:00:00+00:00"),
        ("beta", "Beta", "2023-11-21T00:00:00+00:00"),  # a plain string date
        ("delta", "delta", "2022-01-01T00:00:00+00:00"),
    ]  # fmt: skip
    old = body["changeList"][1]
    assert old["deprecated"] is True and old["replacingLabel"] == "Alpha"
    # a vocabulary without dates has empty lists (its deprecated concept has no date)
    assert get(changes, "/rest/v1/mini/modified")["changeList"] == []
    assert get(changes, "/rest/v1/mini/new")["changeList"] == []


def test_change_lists_are_paged(changes) -> None:  # type: ignore[no-untyped-def]
    whole = [c["uri"] for c in get(changes, "/rest/v1/changes/new")["changeList"]]
    page = get(changes, "/rest/v1/changes/new?offset=2&limit=3")["changeList"]
    assert [c["uri"] for c in page] == whole[2:5]
    assert get(changes, "/rest/v1/changes/new?offset=7")["changeList"] == []


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=1001", "limit=ten", "offset=-1", "offset=x", "lang=%3Cscript%3E"],
)
@pytest.mark.parametrize("kind", ["new", "modified"])
def test_change_list_bad_parameters_are_400(changes, kind: str, query: str) -> None:  # type: ignore[no-untyped-def]
    problem = get(changes, f"/rest/v1/changes/{kind}?{query}", 400)
    assert problem["where"] == query.split("=")[0]


def test_change_list_of_an_unknown_vocabulary_is_404(changes) -> None:  # type: ignore[no-untyped-def]
    assert "nosuch" in get(changes, "/rest/v1/nosuch/new", 404)["detail"]
    get(changes, "/rest/v1/nosuch/modified", 404)
    get(changes, "/rest/v1/nosuch/types", 404)


def test_types_of_a_vocabulary_and_of_all(changes) -> None:  # type: ignore[no-untyped-def]
    body = get(changes, "/rest/v1/changes/types")
    assert body["uri"] == "" and body["@context"]["types"] == "onki:hasType"
    assert body["@context"]["superclass"] == {"@id": "rdfs:subClassOf", "@type": "@id"}
    # skos:Concept first; a subclass only when used (ex:Unused is not)
    assert body["types"] == [
        {"uri": SKOS_NS + "Concept", "label": "Concept"},
        {"uri": ISOTHES_NS + "ConceptGroup", "label": "Concept group"},
        {"uri": CH + "Place", "label": "Place", "superclass": SKOS_NS + "Concept"},
    ]
    fi = {t["uri"]: t["label"] for t in get(changes, "/rest/v1/types?lang=fi")["types"]}
    assert fi == {SKOS_NS + "Concept": "Käsite", ISOTHES_NS + "ConceptGroup": "Käsiteryhmä",
                  CH + "Place": "Paikka"}  # fmt: skip
    # the mini vocabulary uses skos:Concept only
    assert [t["uri"] for t in get(changes, "/rest/v1/mini/types?lang=de")["types"]] == [
        SKOS_NS + "Concept"
    ]
    get(changes, "/rest/v1/types?lang=e%20n", 400)


def test_types_and_changes_do_not_query_per_request(
    changes, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from glossary.store import Store

    for path in ("/rest/v1/types", "/rest/v1/changes/types", "/rest/v1/changes/new",
                 "/rest/v1/changes/modified"):  # fmt: skip
        get(changes, path)

    def no_select(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a change-list or types request ran a SPARQL query")

    monkeypatch.setattr(Store, "select", no_select)
    assert len(get(changes, "/rest/v1/changes/new?lang=de&offset=1&limit=2")["changeList"]) == 2
    assert get(changes, "/rest/v1/changes/modified?lang=fi")["changeList"]
    assert get(changes, "/rest/v1/types?lang=fi")["types"]


def test_lists_are_computed_again_for_a_new_store_version(changes_store) -> None:  # type: ignore[no-untyped-def]
    from glossary.concepts import Catalog
    from glossary.skosmos import SkosmosLists
    from glossary.store import Store

    with Store.open(changes_store, read_only=True, check_interval=0) as store:
        ran: list[str] = []

        class Counting:
            def vocabularies(self) -> Any:
                return store.vocabularies()

            def select(self, query: str, **bindings: Any) -> Any:
                ran.append(query.split(":", 1)[0])
                return store.select(query, **bindings)

            def construct(self, query: str, **bindings: Any) -> Any:
                return store.construct(query, **bindings)

        cat = Catalog(Counting())
        lists = SkosmosLists(cat, max_entries=3)
        first = lists.changes("changes", "modified", "en")
        assert len(ran) == 1  # one query per vocabulary and date property
        assert lists.changes("changes", "modified", "de") and len(ran) == 1
        lists.changes("changes", "new", "en")
        assert len(ran) == 2  # dct:created; dct:modified (deprecations) is cached
        # many languages (sorted lists evicted past the bound): never a query again
        for lang in ("fi", "de", "xx", "yy-ZZ", "en", "fr"):
            for kind in ("new", "modified"):
                assert len(lists.changes("changes", kind, lang)) == {"new": 7, "modified": 4}[kind]
        assert len(ran) == 2
        version = ("changes", "a later load", "")
        cat.version = lambda: (version,)  # type: ignore[method-assign]
        assert [c.uri for c in lists.changes("changes", "modified", "en")] == [c.uri for c in first]
        assert len(ran) == 3  # a new store version: computed again


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022-03-08T14:42:21+00:00", "2022-03-08T14:42:21+00:00"),
        ("2020-12-16T20:23:33.446000+00:00", "2020-12-16T20:23:33+00:00"),
        ("2024-05-02T10:00:00Z", "2024-05-02T10:00:00+00:00"),
        ("2012-07-20", "2012-07-20T00:00:00+00:00"),
        ("2012-07-20+02:00", "2012-07-20T00:00:00+02:00"),
        ("2012-07-20T08:00:00", "2012-07-20T08:00:00+00:00"),
        (" 2019-10-11 ", "2019-10-11T00:00:00+00:00"),
        ("1986-21-00", None),
        ("2012", None),
        ("18-12-2020", None),
        ("yesterday", None),
    ],
)
def test_change_dates(text: str, expected: str | None) -> None:
    from glossary.skosmos import format_date, parse_date

    parsed = parse_date(text)
    assert (format_date(parsed) if parsed is not None else None) == expected


@pytest.mark.slow
def test_change_lists_and_types_of_real_thesauri(vocabularies, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """UNESCO (4,482 concepts, every one with dct:modified, 159 with dct:created, five
    languages, 95 collections) and UAT (deprecated concepts dated by dct:modified),
    loaded whole: the lists against the store's own counts."""
    import pyoxigraph

    from glossary.store import Store, graph_iri

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(tmp_path, read_only=False) as store:
            for vid, name in (("unesco", "unesco-thesaurus"), ("uat", "uat")):
                store.load([vocabularies / f"{name}.ttl.gz"], vocab_id=vid, allow_invalid=True)
    client = make_app(tmp_path).test_client()

    def count(vid: str, pattern: str) -> int:
        with Store.open(tmp_path, read_only=True, check_interval=0) as store:
            rows = store.select(
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                "PREFIX dct: <http://purl.org/dc/terms/> "
                "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
                f"SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {pattern} }}",
                graphs=[graph_iri(vid)],
            )
        value = rows[0]["n"]
        assert isinstance(value, pyoxigraph.Literal)
        return int(value.value)

    def whole(path: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = get(client, f"{path}&offset={len(out)}&limit=1000")["changeList"]
            out += page
            if len(page) < 1000:
                return out

    modified = whole("/rest/v1/unesco/modified?lang=fr")
    assert len(modified) == count("unesco", "?c a skos:Concept ; dct:modified ?d") == 4482
    dates = [c["date"] for c in modified]
    assert dates == sorted(dates, reverse=True)  # all +0000: the text sorts as the time
    assert all(c["prefLabel"] and not c["deprecated"] for c in modified)
    new = whole("/rest/v1/unesco/new?lang=en")
    assert len(new) == count("unesco", "?c a skos:Concept ; dct:created ?d") == 159
    assert len(get(client, "/rest/v1/unesco/new")["changeList"]) == 159  # default 200
    types = {t["uri"]: t for t in get(client, "/rest/v1/unesco/types?lang=fr")["types"]}
    assert {SKOS_NS + "Concept", SKOS_NS + "Collection"} <= set(types)
    assert types[SKOS_NS + "Collection"]["label"] == "Collection"
    uat = whole("/rest/v1/uat/modified?lang=en")
    gone = [c for c in uat if c["deprecated"]]
    assert len(gone) == count("uat", "?c a skos:Concept ; owl:deprecated true ; dct:modified ?d")
    assert len(gone) > 50
    assert len(uat) == count("uat", "?c a skos:Concept ; dct:modified ?d")
    # the global types merge both vocabularies
    assert SKOS_NS + "Collection" in {t["uri"] for t in get(client, "/rest/v1/types")["types"]}


def test_types_and_changes_answer_the_same_from_a_remote_store(changes_store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Remote mode (GLOSSARY_SPARQL_ENDPOINT): a real Oxigraph server holding the same
    vocabularies (``glossary export``, one named graph each) answers the new endpoints
    exactly as the embedded store does."""
    from test_remote_mode import exported_to_oxigraph

    from service import create_app, remote_indexer

    paths = ["/rest/v1/types?lang=fi", "/rest/v1/changes/types", "/rest/v1/mini/types",
             "/rest/v1/changes/new", "/rest/v1/changes/modified?lang=de&offset=1&limit=2",
             "/rest/v1/mini/new"]  # fmt: skip
    local = make_app(changes_store).test_client()
    with (
        pytest.MonkeyPatch.context() as mp,
        exported_to_oxigraph(changes_store, ("changes", "mini"), tmp_path) as url,
    ):
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        there = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path / "none"),
                            "GLOSSARY_SPARQL_ENDPOINT": url,
                            "GLOSSARY_WARM_CACHES": False})  # fmt: skip
        try:
            for path in paths:
                assert get(there.test_client(), path) == get(local, path), path
            assert get(there.test_client(), "/rest/v1/changes/new")["changeList"]
        finally:
            indexer = remote_indexer(there)
            if indexer is not None:
                indexer.stop()
