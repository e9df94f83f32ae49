"""HTML pages: home, vocabulary (hierarchy, index, collections), concept pages;
escaping of everything that comes from data; schema.org JSON-LD; languages."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlparse

import pytest
from e2e.support import LD, build_ld_store, make_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = build_ld_store(tmp_path_factory.mktemp("ldpages"))
    return make_app(path).test_client()


class _Scripts(HTMLParser):
    """Collects the text of every <script> element and the src/href of every asset."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.assets: list[str] = []
        self._current: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "script":
            self._current = a
            self.scripts.append((a, ""))
        if tag in ("script", "img") and a.get("src"):
            self.assets.append(a["src"] or "")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.assets.append(a.get("href") or "")

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._current is not None and self.scripts:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "script":
            self._current = None


def _parse(html: str) -> _Scripts:
    p = _Scripts()
    p.feed(html)
    return p


def page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    resp = client.get(path, headers={"Accept": "text/html"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def test_home_lists_vocabularies_with_counts(client):  # type: ignore[no-untyped-def]
    html = page(client, "/")
    assert 'href="/vocab/ldtest/"' in html and "LD test vocabulary" in html
    row = html.split('href="/vocab/ldtest/"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">6</td>' in row  # concepts, from the store's load-time counts
    assert 'id="q"' in html and 'role="combobox"' in html  # the search box


def test_no_external_assets(client):  # type: ignore[no-untyped-def]
    for path in ("/", "/vocab/ldtest/", "/ldtest/community-led"):
        parsed = _parse(page(client, path))
        for asset in parsed.assets:
            assert asset.startswith("/static/"), asset
            resp = client.get(asset)
            resp.close()
            assert resp.status_code == 200


def test_concept_page_shows_definition_with_author_and_source(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/community-led")
    assert "<h1" in html and "community-led</h1>" in html
    assert "Community being prioritised in terms of mission and values." in html
    assert '<span class="author"><a href="/ldtest/_agent/tom-ross">Tom Ross</a></span>' in html
    assert 'href="https://example.org/forum/community-led"' in html  # a link to the source
    assert "Community-led forum thread" in html
    # broader (polyhierarchy: two breadcrumb paths), related, labels in every language
    assert html.count('<nav class="breadcrumbs"') == 1
    crumbs = html.split('<nav class="breadcrumbs"', 1)[1].split("</nav>", 1)[0]
    assert crumbs.count("<ol>") == 2
    assert 'href="/ldtest/community"' in crumbs and 'href="/ldtest/leadership"' in crumbs
    assert 'href="/ldtest/member"' in html
    assert "mené par la communauté" in html
    # links to each RDF format and a prefilled SPARQL query
    for suffix in ("ttl", "jsonld", "rdf", "nt"):
        assert f'href="/ldtest/community-led.{suffix}"' in html
    link = re.search(r'class="sparql" href="([^"]+)"', html)
    assert link is not None
    query = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)["query"][0]
    assert f"<{LD}community-led>" in query


def test_sparql_link_query_fetches_the_concept(client):  # type: ignore[no-untyped-def]
    """The prefilled /sparql link runs and returns the concept's statements."""
    html = page(client, "/ldtest/community-led")
    link = re.search(r'class="sparql" href="([^"]+)"', html)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith("/sparql?query=")
    resp = client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    values = {b["value"]["value"] for b in resp.get_json()["results"]["bindings"]}
    assert "community-led" in values
    assert LD + "community-led#definition-1" in values


def test_schema_org_json_ld_is_embedded_and_escaped(client):  # type: ignore[no-untyped-def]
    for path, name in (
        ("/ldtest/community-led", "community-led"),
        ("/ldtest/xss", "<script>alert(1)</script> <b>bold</b>"),
    ):
        html = page(client, path)
        scripts = [t for a, t in _parse(html).scripts if a.get("type") == "application/ld+json"]
        assert len(scripts) == 1
        assert "</" not in scripts[0]  # nothing in it can close the script element
        data = json.loads(scripts[0])
        assert data["@type"] == "DefinedTerm"
        assert data["name"] == name
        assert data["inDefinedTermSet"][0]["@id"] == "https://w3id.org/semantic-glossary/ldtest"
    scheme = _parse(page(client, "/ldtest")).scripts
    data = json.loads(next(t for a, t in scheme if a.get("type") == "application/ld+json"))
    assert data["@type"] == "DefinedTermSet"


def test_markup_in_labels_shows_as_text(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/xss")
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>alert(2)" not in html
    # the label also appears escaped where it is a link (in its broader's page)
    parent = page(client, "/ldtest/community")
    assert "<script>alert" not in parent
    assert "&lt;b&gt;bold&lt;/b&gt;" in parent
    # the neighbourhood data is JSON inside a script: escaped too
    graph = [t for a, t in _parse(parent).scripts if a.get("id") == "graph-data"]
    assert graph and "</" not in graph[0]
    assert any(n["label"].startswith("<script>") for n in json.loads(graph[0])["nodes"])


def test_neighbourhood_data_links_every_node(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/community-led")
    raw = next(t for a, t in _parse(html).scripts if a.get("id") == "graph-data")
    data = json.loads(raw)
    kinds = {n["kind"] for n in data["nodes"]}
    assert kinds == {"self", "broader", "related"}
    for node in data["nodes"]:
        assert client.get(node["href"], headers={"Accept": "text/html"}).status_code == 200


def test_lang_picks_the_display_language(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/community-led?lang=fr")
    assert 'lang="fr">mené par la communauté</h1>' in html
    default = page(client, "/ldtest/community")
    assert 'lang="en">community</h1>' in default  # the vocabulary's main language
    de = page(client, "/ldtest/community?lang=de")
    assert 'lang="de">Gemeinschaft</h1>' in de
    assert (
        client.get("/ldtest/community?lang=%3Cx%3E", headers={"Accept": "text/html"}).status_code
        == 400
    )


def test_deprecated_concept_page(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/old-term")
    assert "Deprecated." in html
    assert '<a class="replacement" href="/ldtest/community-led">community-led</a>' in html


def test_vocabulary_page_tree_index_collections(client):  # type: ignore[no-untyped-def]
    html = page(client, "/vocab/ldtest/")
    # two schemes, each with its own top concepts
    assert "LD test vocabulary" in html and "Second scheme" in html
    assert (
        'data-uri="https://w3id.org/semantic-glossary/ldtest/community" class="has-children"'
        in html
    )
    assert (
        'data-uri="https://w3id.org/semantic-glossary/ldtest/leadership" class="has-children"'
        in html
    )
    # letters of the alphabetical index, collections, dumps
    assert 'href="/vocab/ldtest/index?letter=C&amp;lang=en"' in html
    assert 'href="/ldtest/_tag/people">people</a>' in html
    assert 'href="/dumps/ldtest.ttl"' in html
    assert "creativecommons.org/licenses/by/4.0/" in html


def test_alphabetical_index_pages(client):  # type: ignore[no-untyped-def]
    html = page(client, "/vocab/ldtest/index?letter=C")
    assert 'href="/ldtest/community"' in html and 'href="/ldtest/community-led"' in html
    assert 'href="/ldtest/member"' not in html
    fr = page(client, "/vocab/ldtest/index?letter=M&lang=fr")
    assert "mené par la communauté" in fr
    assert client.get("/vocab/ldtest/index?letter=Q").status_code == 404
    assert client.get("/vocab/ldtest/index?page=x").status_code == 400
    assert client.get("/vocab/ldtest/index?letter=C&page=9").status_code == 404


def test_unknown_vocabulary_is_a_friendly_404(client):  # type: ignore[no-untyped-def]
    resp = client.get("/vocab/nope/", headers={"Accept": "text/html"})
    assert resp.status_code == 404 and resp.mimetype == "text/html"
    assert "no vocabulary" in resp.get_data(as_text=True)
    machine = client.get("/vocab/nope/", headers={"Accept": "application/json"})
    assert machine.status_code == 404 and machine.mimetype == "application/problem+json"


def test_scheme_page_lists_top_concepts(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/scheme-b")
    assert "Concept scheme" in html
    assert 'href="/ldtest/leadership">leadership</a>' in html


def test_collection_page_lists_members(client):  # type: ignore[no-untyped-def]
    html = page(client, "/ldtest/_tag/people")
    assert "Collection" in html
    assert 'href="/ldtest/member">member</a>' in html


def test_display_language_is_kept_in_links(client):  # type: ignore[no-untyped-def]
    fr = page(client, "/vocab/ldtest/index?letter=C&lang=fr")
    assert 'href="/ldtest/community?lang=fr"' in fr
    default = page(client, "/vocab/ldtest/index?letter=C")
    assert 'href="/ldtest/community"' in default and "/ldtest/community?lang" not in default
    concept = page(client, "/ldtest/community-led?lang=fr")
    assert 'href="/ldtest/leadership?lang=fr">direction</a>' in concept


def test_search_results_page_without_javascript(client):  # type: ignore[no-untyped-def]
    html = page(client, "/search?q=communi")
    assert 'href="/ldtest/community-led">community-led</a>' in html
    assert 'value="communi"' in html  # the box keeps the text
    assert "No concept matches" in page(client, "/search?q=zzzzzz")
    escaped = page(client, "/search?q=%3Cb%3E")
    assert "<b>" not in escaped.split("<main>", 1)[1]
    assert client.get("/search?q=" + "x" * 300).status_code == 400


# --- The bundled community glossary: every quote with its author, in the thread's order ----

COMMUNITY = "https://w3id.org/semantic-glossary/community/"


@pytest.fixture(scope="module")
def glossary_client(tmp_path_factory):  # type: ignore[no-untyped-def]
    from glossary.compile import compile_terms
    from glossary.store import Store

    path = tmp_path_factory.mktemp("glossary-pages")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load_graph(compile_terms(), vocab_id="community", source="glossary/terms")
    return make_app(path).test_client()


class _Quotations(HTMLParser):
    """(section, text, caption, editors' note) of each <figure class="quotation ...">."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[dict[str, str]] = []
        self._section = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        cls = dict(attrs).get("class") or ""
        if tag == "section":
            self._section = cls
        elif tag == "figure" and "quotation" in cls:
            self.items.append({"section": self._section, "text": "", "caption": "", "note": ""})
        elif tag == "blockquote" and self.items:
            self._in = "text"
        elif tag == "figcaption" and self.items:
            self._in = "caption"
        elif tag == "p" and "quote-note" in cls and self.items:
            self._in = "note"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in ("blockquote", "figcaption", "p"):
            self._in = None

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in and self.items:
            self.items[-1][self._in] += data


def quotations(html: str) -> list[dict[str, str]]:
    p = _Quotations()
    p.feed(html)
    return [{k: " ".join(v.split()) for k, v in item.items()} for item in p.items]


def test_every_quote_on_a_glossary_page_shows_its_author(glossary_client):  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    html = page(glossary_client, "/resource?uri=" + quote(COMMUNITY + "community-led", safe=""))
    items = quotations(html)
    defs = [q for q in items if "definitions" in q["section"]]
    notes = [q for q in items if "scopeNote" in q["section"]]
    assert len(defs) == 7 and len(notes) == 6
    for q in items:
        assert q["caption"].startswith("#"), q  # the place in the thread
        assert (
            "—" in q["caption"] and "What does being community-led actually mean?" in q["caption"]
        )
    # the sequence is shown, and kept: #2 before #14 (not sorted as text)
    seqs = [int(q["caption"].split()[0][1:]) for q in defs]
    assert seqs == [2, 3, 4, 6, 7, 9, 14]
    assert "— Tom Ross," in defs[0]["caption"]
    assert "— Zachary," in defs[-1]["caption"]
    # a reply whose author the text does not name says so, and is not the thread starter's
    common = next(q for q in defs if q["text"].startswith("The common thread"))
    assert "author not named in the source" in common["caption"]
    assert "Rosie Sherry" not in common["caption"]
    assert "not the thread's starter" in common["note"]
    guild = next(q for q in notes if q["text"].startswith("Great answer"))
    assert "— Guild," in guild["caption"] and "addition" in guild["caption"]
    opposite = next(q for q in notes if q["text"].startswith("I’d say the opposite"))
    assert "stated opposite" in opposite["caption"]
    assert [int(q["caption"].split()[0][1:]) for q in notes] == [5, 8, 10, 11, 12, 15]
    # the concept's own editorial note is signed too
    section = html.split('class="notes editorialNote"', 1)[1].split("</section>", 1)[0]
    assert "the vocabulary's editors" in section


def test_scope_notes_are_told_apart_by_name(glossary_client):  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    uri = COMMUNITY + "community-driven"
    html = page(glossary_client, "/resource?uri=" + quote(uri, safe=""))
    notes = quotations(html)
    same = next(q for q in notes if "these mean the same thing" in q["text"])
    differ = next(q for q in notes if "there are differences" in q["text"])
    assert "— Rosie Sherry," in same["caption"] and same["caption"].startswith("#1 ")
    assert "author not named in the source" in differ["caption"]
    assert differ["caption"].startswith("#13 ")
    # /api/concepts gives the scope notes with their attribution too
    resp = glossary_client.get("/api/concepts", query_string={"uri": uri})
    assert resp.status_code == 200
    items = resp.get_json()["notes"]["scopeNote"]
    by_seq = {x.get("sequence"): x for x in items}
    assert by_seq[1]["creator"]["name"] == "Rosie Sherry"
    assert by_seq[1]["source"]["title"] == "What does being community-led actually mean?"
    assert "creator" not in by_seq[13] and by_seq[13]["role"] == "comment"
    assert "does not name" in by_seq[13]["editorialNote"]
    dao = by_seq[None]
    assert dao["source"]["uri"] == COMMUNITY + "_source/dao-garden-community"


def test_a_source_with_a_url_links_to_it(glossary_client):  # type: ignore[no-untyped-def]
    from urllib.parse import quote

    html = page(glossary_client, "/resource?uri=" + quote(COMMUNITY + "content-pillar", safe=""))
    (q,) = quotations(html)
    assert "Center for Scientific Collaboration" in q["caption"]
    assert 'href="https://doi.org/10.5281/zenodo.6078934"' in html


def test_quotes_sort_by_sequence_then_by_number_not_as_text() -> None:
    """#definition-10 after #definition-2; a thread's sequence number before either."""
    import pyoxigraph as ox

    from glossary.concepts import Description, build_view

    skos, gl = (
        "http://www.w3.org/2004/02/skos/core#",
        "https://w3id.org/semantic-glossary/ontology#",
    )
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    c = ox.NamedNode("https://example.org/c")
    triples = [ox.Triple(c, ox.NamedNode(rdf + "type"), ox.NamedNode(skos + "Concept"))]
    for kind, link in (("definition", "hasDefinition"), ("scope-note", "hasScopeNote")):
        for n in range(1, 13):
            node = ox.NamedNode(f"{c.value}#{kind}-{n}")
            triples.append(ox.Triple(c, ox.NamedNode(gl + link), node))
            triples.append(ox.Triple(node, ox.NamedNode(rdf + "value"), ox.Literal(f"{kind} {n}")))
            if n in (11, 12):  # numbered in the thread: they come first, in that order
                seq = ox.Literal(str(13 - n), datatype=ox.NamedNode(xsd + "integer"))
                triples.append(ox.Triple(node, ox.NamedNode(gl + "sequence"), seq))
    view = build_view(Description(c.value, triples, []), "en")
    expected = [12, 11, *range(1, 11)]
    assert [d.text for d in view.definitions] == [f"definition {n}" for n in expected]
    assert [d.text for d in view.scope_notes] == [f"scope-note {n}" for n in expected]
    assert [d.sequence for d in view.definitions[:3]] == [1, 2, None]
