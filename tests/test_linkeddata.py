"""Dereferencing: the negotiation rules as a table, then deprecated, unknown, hash URIs,
per-format URLs, Vary and Link, and the concise bounded description itself.

The rules (docs/linked-data.md): 200 directly (no 303) with ``Vary: Accept`` and a
``Content-Location`` naming the per-format URL; ``*/*`` and no Accept get HTML; 406
lists the offer; 404 is a page for browsers and problem details for machines.
"""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph
import pytest
from e2e.support import BASE, LD, build_ld_store, make_app

from glossary.linkeddata import negotiate, path_for_uri, resource_url, split_suffix, uri_for_path

HTML = "text/html"
TTL = "text/turtle"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
NT = "application/n-triples"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = build_ld_store(tmp_path_factory.mktemp("ldstore"))
    return make_app(path).test_client()


def _parse(body: bytes, media_type: str) -> pyoxigraph.Store:
    fmt = pyoxigraph.RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type
    store = pyoxigraph.Store()
    store.load(body, format=fmt, base_iri="http://localhost/")
    return store


CONCEPT = "/ldtest/community-led"
CONCEPT_URI = LD + "community-led"
HASH_URI = "http://example.org/hashvocab#C2"
HASH_RES = "/resource?uri=" + quote(HASH_URI, safe="")

# (path, Accept header, expected status, expected media type, negotiated?)
CASES = [
    # the concept URI itself, negotiated
    (CONCEPT, None, 200, HTML, True),
    (CONCEPT, "", 200, HTML, True),
    (CONCEPT, "*/*", 200, HTML, True),
    (CONCEPT, "text/html", 200, HTML, True),
    (CONCEPT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200, HTML, True),
    (CONCEPT, "text/turtle", 200, TTL, True),
    (CONCEPT, "application/ld+json", 200, JSONLD, True),
    (CONCEPT, "application/rdf+xml", 200, RDFXML, True),
    (CONCEPT, "application/n-triples", 200, NT, True),
    (CONCEPT, "application/json", 200, JSONLD, True),
    (CONCEPT, "text/turtle;q=0.5, application/ld+json;q=0.9", 200, JSONLD, True),
    (CONCEPT, "text/html;q=0.1, text/turtle", 200, TTL, True),
    (CONCEPT, "text/html;q=0, */*", 200, TTL, True),
    (CONCEPT, "application/*", 200, JSONLD, True),
    (CONCEPT, "text/*;q=0.5, application/n-triples", 200, NT, True),
    # what rdflib's Graph().parse(uri, format=...) sends: nt, n3, trig (once the page)
    (CONCEPT, "text/plain, */*;q=0.1", 200, NT, True),
    (CONCEPT, "text/n3, */*;q=0.1", 200, TTL, True),
    (CONCEPT, "application/trig, */*;q=0.1", 200, TTL, True),
    (CONCEPT, "image/png", 406, PROBLEM, False),
    (CONCEPT, "text/turtle;q=0", 406, PROBLEM, False),
    # per-format URLs: no negotiation
    (CONCEPT + ".ttl", "application/ld+json", 200, TTL, False),
    (CONCEPT + ".jsonld", None, 200, JSONLD, False),
    (CONCEPT + ".rdf", None, 200, RDFXML, False),
    (CONCEPT + ".nt", None, 200, NT, False),
    (CONCEPT + ".html", "text/turtle", 200, HTML, False),
    ("/resource?uri=" + quote(CONCEPT_URI, safe="") + "&format=ttl", None, 200, TTL, False),
    ("/resource?uri=" + quote(CONCEPT_URI, safe="") + "&format=jsonld", None, 200, JSONLD, False),
    ("/resource?uri=" + quote(CONCEPT_URI, safe="") + "&format=turtle", None, 200, TTL, False),
    ("/resource?uri=" + quote(CONCEPT_URI, safe="") + "&format=png", None, 400, PROBLEM, False),
    # /resource negotiates the same way
    ("/resource?uri=" + quote(CONCEPT_URI, safe=""), "text/turtle", 200, TTL, True),
    ("/resource?uri=" + quote(CONCEPT_URI, safe=""), None, 200, HTML, True),
    # schemes (slash and hash) dereference too
    ("/ldtest", "text/turtle", 200, TTL, True),
    ("/ldtest/scheme-b", None, 200, HTML, True),
    # hash URIs through /resource (the fragment escaped as %23)
    (HASH_RES, "text/turtle", 200, TTL, True),
    (HASH_RES, "text/html", 200, HTML, True),
    (HASH_RES + "&format=nt", None, 200, NT, False),
    # a hash-URI document under the base answers for its fragments
    ("/hashdoc", "text/turtle", 200, TTL, True),
    ("/hashdoc", "text/html", 200, HTML, True),
    # deprecated: 200 with its own description (which names the replacement)
    ("/ldtest/old-term", "text/turtle", 200, TTL, True),
    ("/ldtest/old-term", "text/html", 200, HTML, True),
    # unknown: a page for browsers, problem details for machines
    ("/ldtest/no-such-concept", "text/html", 404, HTML, False),
    ("/ldtest/no-such-concept", None, 404, HTML, False),
    ("/ldtest/no-such-concept", "text/turtle", 404, PROBLEM, False),
    ("/ldtest/no-such-concept", "application/json", 404, PROBLEM, False),
    ("/ldtest/no-such-concept.ttl", None, 404, HTML, False),
    ("/resource?uri=" + quote("http://example.org/nothing", safe=""), TTL, 404, PROBLEM, False),
    (
        "/resource?uri=" + quote("http://example.org/hashvocab#C9", safe=""),
        TTL,
        404,
        PROBLEM,
        False,
    ),
    ("/resource", None, 400, PROBLEM, False),
    ("/resource?uri=not%20a%20uri", None, 400, PROBLEM, False),
    # not an IRI at all: 400 through uri=, 404 through a path (regression: was a 500)
    ("/resource?uri=" + quote("http://[", safe=""), None, 400, PROBLEM, False),
    ("/ldtest/%5B", "text/turtle", 404, PROBLEM, False),
    ("/ldtest/a%20b", None, 404, HTML, False),
]


@pytest.mark.parametrize(("path", "accept", "status", "media_type", "negotiated"), CASES)
def test_negotiation_table(client, path, accept, status, media_type, negotiated):  # type: ignore[no-untyped-def]
    headers = {} if accept is None else {"Accept": accept}
    resp = client.get(path, headers=headers)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == media_type
    vary = resp.headers.get("Vary", "")
    if negotiated:
        assert "Accept" in vary
        assert resp.headers["Content-Location"]
    if status == 200:
        links = ", ".join(resp.headers.get_all("Link"))
        for mt in (HTML, TTL, JSONLD, RDFXML, NT):
            assert f'rel="alternate"; type="{mt}"' in links
        if media_type in (TTL, JSONLD, RDFXML, NT):
            assert len(_parse(resp.data, media_type)) > 0
            assert "charset=utf-8" in resp.headers["Content-Type"]
    if status == 406:
        body = resp.get_json(force=True)
        assert body["offered"] == [HTML, TTL, JSONLD, RDFXML, NT]
        assert body["status"] == 406
    if media_type == PROBLEM:
        assert resp.get_json(force=True)["detail"]


def test_content_location_names_the_format_url(client):  # type: ignore[no-untyped-def]
    resp = client.get(CONCEPT, headers={"Accept": "text/turtle"})
    assert resp.headers["Content-Location"] == CONCEPT + ".ttl"
    again = client.get(resp.headers["Content-Location"])
    assert again.status_code == 200 and again.data == resp.data
    hashed = client.get(HASH_RES, headers={"Accept": "application/ld+json"})
    assert hashed.headers["Content-Location"] == HASH_RES + "&format=jsonld"


def test_link_header_points_to_working_urls(client):  # type: ignore[no-untyped-def]
    resp = client.get(CONCEPT, headers={"Accept": "text/turtle"})
    links = resp.headers.get_all("Link")[-1].split(", ")
    for link in links:
        url = link.split(">", 1)[0].lstrip("<")
        mt = link.rsplit('type="', 1)[1].rstrip('"')
        got = client.get(url)
        assert got.status_code == 200 and got.mimetype == mt, url


def test_turtle_is_the_concise_bounded_description(client):  # type: ignore[no-untyped-def]
    resp = client.get(CONCEPT + ".ttl")
    store = _parse(resp.data, TTL)
    nn = pyoxigraph.NamedNode
    skos = "http://www.w3.org/2004/02/skos/core#"
    me = nn(CONCEPT_URI)
    assert len(list(store.quads_for_pattern(me, nn(skos + "broader"), None))) == 2
    # the attributed definition node (an IRI the concept owns), its creator's name
    definition = nn(CONCEPT_URI + "#definition-1")
    creator = next(
        store.quads_for_pattern(definition, nn("http://purl.org/dc/terms/creator"), None)
    )
    names = list(store.quads_for_pattern(creator.object, nn("https://schema.org/name"), None))
    assert [q.object.value for q in names] == ["Tom Ross"]
    source = next(store.quads_for_pattern(definition, nn("http://purl.org/dc/terms/source"), None))
    assert list(store.quads_for_pattern(source.object, nn("https://schema.org/url"), None))
    # labels of the concepts it points to, in every language
    broader = nn(LD + "leadership")
    labels = {
        q.object.value for q in store.quads_for_pattern(broader, nn(skos + "prefLabel"), None)
    }
    assert labels == {"leadership", "direction"}
    # the deprecated concept that names it as replacement
    old = nn(LD + "old-term")
    assert list(store.quads_for_pattern(old, nn("http://purl.org/dc/terms/isReplacedBy"), me))
    # but not the descriptions of its neighbours (only their names)
    assert not list(store.quads_for_pattern(broader, nn(skos + "inScheme"), None))


def test_blank_nodes_are_followed(client):  # type: ignore[no-untyped-def]
    resp = client.get("/ldtest/member.nt")
    text = resp.get_data(as_text=True)
    assert "<http://www.w3.org/2008/05/skos-xl#literalForm>" in text
    lead = client.get("/ldtest/leadership.nt").get_data(as_text=True)
    assert '"Guiding a group."@en' in lead
    assert '<https://schema.org/name> "CSCCE"' in lead


def test_narrower_stated_only_as_broader_is_in_the_description(client):  # type: ignore[no-untyped-def]
    text = client.get("/ldtest/community.nt").get_data(as_text=True)
    assert f"<{LD}member> <http://www.w3.org/2004/02/skos/core#broader> <{LD}community>" in text


def test_deprecated_concept_names_its_replacement(client):  # type: ignore[no-untyped-def]
    resp = client.get("/ldtest/old-term", headers={"Accept": "text/turtle"})
    links = resp.headers.get_all("Link")
    assert '</ldtest/community-led>; rel="http://purl.org/dc/terms/isReplacedBy"' in links
    page = client.get("/ldtest/old-term", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Deprecated" in page
    assert 'class="replacement" href="/ldtest/community-led"' in page


def test_hash_document_holds_its_fragments(client):  # type: ignore[no-untyped-def]
    resp = client.get("/hashdoc", headers={"Accept": "application/n-triples"})
    text = resp.get_data(as_text=True)
    assert f"<{BASE}hashdoc#A>" in text and f"<{BASE}hashdoc#B>" in text
    page = client.get("/hashdoc", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/resource?uri=https%3A%2F%2Fw3id.org%2Fsemantic-glossary%2Fhashdoc%23A"' in page


def test_hash_concept_page_links_escape_the_fragment(client):  # type: ignore[no-untyped-def]
    page = client.get(HASH_RES, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "second hash concept" in page
    # its broader concept C1, linked with %23, never a raw '#'
    assert 'href="/resource?uri=http%3A%2F%2Fexample.org%2Fhashvocab%23C1"' in page
    assert 'href="/resource?uri=http://example.org/hashvocab#' not in page


def test_public_base_is_configurable(tmp_path_factory, monkeypatch):  # type: ignore[no-untyped-def]
    path = build_ld_store(tmp_path_factory.mktemp("ldbase"))
    app = make_app(path, PUBLIC_BASE_URL="https://w3id.org/semantic-glossary/ldtest")
    c = app.test_client()
    assert c.get("/community-led", headers={"Accept": "text/turtle"}).status_code == 200
    assert c.get("/ldtest/community-led", headers={"Accept": "text/turtle"}).status_code == 404
    monkeypatch.setenv("GLOSSARY_PUBLIC_BASE_URL", "https://w3id.org/semantic-glossary/")
    c2 = make_app(path).test_client()
    assert c2.get("/ldtest/community-led.ttl").status_code == 200


def test_other_routes_are_not_shadowed(client):  # type: ignore[no-untyped-def]
    assert client.get("/health").status_code in (200, 503)
    assert client.get("/api/vocabularies").status_code == 200


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(None, HTML), ("*/*", HTML), ("text/turtle", TTL), ("application/xml", RDFXML)],
)
def test_negotiate_rule(accept, media_type):  # type: ignore[no-untyped-def]
    assert negotiate(accept).media_type == media_type


def test_uri_path_mapping_round_trips():
    base = "https://w3id.org/semantic-glossary/"
    for path in ("/community/content-pillar", "/community", "/x/y/z"):
        assert path_for_uri(base, uri_for_path(base, path)) == path
    assert path_for_uri(base, base + "community/a#b") is None
    assert split_suffix("/a/b.jsonld") == ("/a/b", "jsonld")
    assert split_suffix("/a/.ttl") == ("/a/.ttl", None)
    # a URI that itself ends like a suffix is reached through /resource, unambiguously
    assert resource_url(base, base + "a/file.ttl").startswith("/resource?uri=")


def test_every_format_carries_the_same_triples(client):  # type: ignore[no-untyped-def]
    sizes = {}
    for suffix, mt in (("ttl", TTL), ("jsonld", JSONLD), ("rdf", RDFXML), ("nt", NT)):
        resp = client.get(f"{CONCEPT}.{suffix}")
        sizes[suffix] = len(_parse(resp.data, mt))
    assert len(set(sizes.values())) == 1, sizes
    assert sizes["ttl"] > 20


def test_data_is_readable_cross_origin(client):  # type: ignore[no-untyped-def]
    resp = client.get(CONCEPT, headers={"Accept": "text/turtle", "Origin": "https://else.example"})
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "Link" in resp.headers["Access-Control-Expose-Headers"]


class _Counting:
    """The real store, counting the queries run through it."""

    def __init__(self, store) -> None:  # type: ignore[no-untyped-def]
        self.store = store
        self.queries = 0

    def vocabularies(self):  # type: ignore[no-untyped-def]
        return self.store.vocabularies()

    def select(self, query, **bindings):  # type: ignore[no-untyped-def]
        self.queries += 1
        return self.store.select(query, **bindings)

    def construct(self, query, **bindings):  # type: ignore[no-untyped-def]
        self.queries += 1
        return self.store.construct(query, **bindings)


def test_warm_up_builds_the_vocabulary_lists_once(tmp_path_factory):  # type: ignore[no-untyped-def]
    from glossary.concepts import Catalog
    from glossary.store import Store

    path = build_ld_store(tmp_path_factory.mktemp("ldwarm"))
    with Store.open(path, read_only=True) as store:
        src = _Counting(store)
        cat = Catalog(src)
        cat.warm()
        assert src.queries > 0
        before = src.queries
        assert [n.label for n in cat.top_concepts("ldtest")] == ["community", "leadership"]
        assert cat.index("ldtest", letter="C").total == 2
        assert cat.collections("ldtest")[0][1] == 2
        assert cat.hash_members(BASE + "hashdoc") == [BASE + "hashdoc#A", BASE + "hashdoc#B"]
        assert src.queries == before  # all answered from the warmed lists


def test_service_warms_in_the_background(tmp_path_factory):  # type: ignore[no-untyped-def]
    import threading
    import time

    path = build_ld_store(tmp_path_factory.mktemp("ldwarm2"))
    app = make_app(path, GLOSSARY_WARM_CACHES=True)
    assert app.test_client().get("/api/vocabularies").status_code == 200
    deadline = time.monotonic() + 30
    while any(t.name == "catalog-warm" for t in threading.enumerate()):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cat = app.extensions["glossary"]["catalog"]
    assert any(key[0] == "top" for key in cat._values.held())


def _load_real(tmp_path_factory, vocabularies, name: str, vocab_id: str):  # type: ignore[no-untyped-def]
    from glossary.store import Store

    path = tmp_path_factory.mktemp(vocab_id)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load([vocabularies / name], vocab_id=vocab_id, allow_invalid=True)
    return path


def test_real_vocabulary_under_its_own_base(tmp_path_factory, vocabularies):  # type: ignore[no-untyped-def]
    """KNOT Taxonomy (w3id URIs, en + it): served at its own paths when the public base
    is its w3id prefix, with its Italian labels, mappings and definitions."""
    path = _load_real(tmp_path_factory, vocabularies, "knot-taxonomy.ttl.gz", "ktx")
    c = make_app(path, PUBLIC_BASE_URL="http://w3id.org/knot/").test_client()
    resp = c.get("/taxonomy/digital_archive", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    store = _parse(resp.data, TTL)
    assert len(store) > 10
    html = c.get("/taxonomy/digital_archive?lang=it").get_data(as_text=True)
    assert 'lang="it">archivio digitale</h1>' in html
    assert "Related match" in html and "id.loc.gov/authorities/subjects/sh85006913" in html
    data = c.get(
        "/api/concepts?lang=it&uri=http%3A%2F%2Fw3id.org%2Fknot%2Ftaxonomy%2Fdigital_archive"
    )
    body = data.get_json()
    assert body["prefLabel"] == "archivio digitale"
    assert {d["lang"] for d in body["definitions"]} == {"en", "it"}
    top = c.get("/api/topconcepts?vocab=ktx").get_json()["topConcepts"]
    assert "digital archive" in [n["prefLabel"] for n in top]


@pytest.mark.slow
def test_gemet_cycles_and_missing_schemes(tmp_path_factory, vocabularies):  # type: ignore[no-untyped-def]
    """GEMET 3.1 (5,520 concepts, 5 languages): two broader 2-cycles, no skos:inScheme.
    Breadcrumbs stay finite, the vocabulary page falls back to the roots."""
    path = _load_real(tmp_path_factory, vocabularies, "gemet-3.1-5lang.ttl.gz", "gemet")
    c = make_app(path).test_client()
    for n in ("15132", "15133", "625", "2663"):
        uri = quote(f"http://www.eionet.europa.eu/gemet/concept/{n}", safe="")
        page = c.get("/resource?uri=" + uri, headers={"Accept": "text/html"})
        assert page.status_code == 200
        data = c.get("/api/concepts?uri=" + uri).get_json()
        assert data["broader"]
    vocab = c.get("/vocab/gemet/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert vocab.count('class="has-children"') >= 10
    fr = c.get("/vocab/gemet/index?letter=E&lang=fr").get_data(as_text=True)
    assert 'lang="fr"' in fr
