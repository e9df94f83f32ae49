"""The clients people actually run, installed from PyPI, against a real ``glossary
serve`` (gunicorn): SPARQLWrapper, rdflib (``Graph().parse`` of concept URIs and the
``SPARQLStore``), skosmos-client, and the W3C reconciliation spec's JSON Schemas.

One server for the module, on a store holding the bundled community glossary, the
UNESCO Thesaurus (loaded whole) and the reconciliation fixture. Its embedding encoder
is the ``hash`` stand-in: no test here is about ranking by meaning, only about what
the clients send and read. Expected data comes from the source files, read with
pyoxigraph, never from the server itself.
"""

from __future__ import annotations

import gzip
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.dom.minidom import Document

import jsonschema
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
import requests
from conftest import VOCABULARIES
from test_serve import Server

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent / "data" / "reconcile"
UNESCO_FILE = VOCABULARIES / "unesco-thesaurus.ttl.gz"
SKOS = "http://www.w3.org/2004/02/skos/core#"
UNESCO = "http://vocabularies.unesco.org/thesaurus/"
#: "Small schools": prefLabels in five languages, a broader, a narrower, a related.
CONCEPT = UNESCO + "concept10187"
COMMUNITY = "https://w3id.org/semantic-glossary/community/"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def unesco_triples() -> set[tuple[str, str, Any]]:
    """The UNESCO file's triples, as (subject, predicate, rdflib term) of plain values."""
    data = gzip.decompress(UNESCO_FILE.read_bytes())
    return {(q.subject.value, q.predicate.value, _term(q.object))
            for q in ox.parse(data, format=ox.RdfFormat.TURTLE)}  # fmt: skip


def _term(o: Any) -> Any:
    """A pyoxigraph term as the equal rdflib term."""
    if isinstance(o, ox.NamedNode):
        return rdflib.URIRef(o.value)
    if isinstance(o, ox.Literal):
        if o.language:
            return rdflib.Literal(o.value, lang=o.language)
        return rdflib.Literal(o.value, datatype=rdflib.URIRef(o.datatype.value))
    raise AssertionError(f"unexpected term {o!r}")


def described(triples: set[tuple[str, str, Any]], subject: str) -> set[tuple[Any, Any, Any]]:
    return {(rdflib.URIRef(s), rdflib.URIRef(p), o) for s, p, o in triples if s == subject}


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from glossary.cli.serve import prepare_store
    from glossary.store import Store

    if not UNESCO_FILE.is_file():
        pytest.fail(f"the shared vocabularies are missing at {UNESCO_FILE}")
    store = tmp_path_factory.mktemp("clients-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        prepare_store(store)  # the bundled community glossary
        with Store.open(store, read_only=False) as s:
            s.load([UNESCO_FILE], vocab_id="unesco", allow_invalid=True)
            s.load([DATA / "recon.ttl"], vocab_id="recon")
    srv = Server(store, tmp_path_factory.mktemp("clients-log") / "serve.log", workers=2)
    try:
        srv.wait_healthy(timeout=180)
        yield srv
    finally:
        srv.stop()


def triples_of(graph: rdflib.Graph, subject: str) -> set[tuple[Any, Any, Any]]:
    return {(s, p, o) for s, p, o in graph.triples((rdflib.URIRef(subject), None, None))}


# --------------------------------------------------------------------------- SPARQLWrapper

SW_FORMATS = ["json", "xml", "turtle", "n3", "rdf", "rdf+xml", "csv", "tsv", "json-ld"]
QUERIES = {
    "SELECT": f"PREFIX skos: <{SKOS}> SELECT ?l WHERE {{ <{CONCEPT}> skos:prefLabel ?l }}",
    "ASK": f"PREFIX skos: <{SKOS}> ASK {{ <{CONCEPT}> skos:prefLabel ?l }}",
    "CONSTRUCT": f"PREFIX skos: <{SKOS}> CONSTRUCT {{ <{CONCEPT}> skos:prefLabel ?l }} "
                 f"WHERE {{ <{CONCEPT}> skos:prefLabel ?l }}",
    "DESCRIBE": f"DESCRIBE <{CONCEPT}>",
}  # fmt: skip


def _text(node: Any) -> str:
    return "".join(getattr(c, "data", "") for c in node.childNodes)


def _rows(conv: Any, content_type: str) -> set[Any]:
    """The ``?l`` values of a converted SELECT result, whatever its format."""
    if isinstance(conv, dict):  # SPARQL JSON
        return {rdflib.Literal(b["l"]["value"], lang=b["l"].get("xml:lang"))
                for b in conv["results"]["bindings"]}  # fmt: skip
    if isinstance(conv, Document):  # SPARQL XML
        return {rdflib.Literal(_text(n), lang=n.getAttribute("xml:lang"))
                for n in conv.getElementsByTagName("literal")}  # fmt: skip
    text = conv.decode() if isinstance(conv, bytes) else conv
    lines = text.strip().splitlines()
    if "text/csv" in content_type:  # CSV drops language tags
        assert lines[0] == "l"
        return {v.strip('"') for v in lines[1:]}
    assert "text/tab-separated-values" in content_type and lines[0] == "?l"
    out = set()
    for line in lines[1:]:
        value, _, lang = line.rpartition("@")
        out.add(rdflib.Literal(json.loads(value), lang=lang))
    return out


def _graph(conv: Any, content_type: str) -> rdflib.Graph:
    """A converted CONSTRUCT/DESCRIBE result as an rdflib graph."""
    if isinstance(conv, rdflib.Graph):  # RDF/XML, JSON-LD: SPARQLWrapper parsed it
        return conv
    media = content_type.split(";")[0].strip()
    fmt = {"text/turtle": "turtle", "application/n-triples": "nt"}[media]
    return rdflib.Graph().parse(data=conv, format=fmt)


def _boolean(conv: Any) -> bool:
    if isinstance(conv, dict):
        value: bool = conv["boolean"]
        return value
    if isinstance(conv, Document):
        return _text(conv.getElementsByTagName("boolean")[0]) == "true"
    text = conv.decode() if isinstance(conv, bytes) else conv
    return {"true": True, "false": False}[text.strip()]


def _run(sw: Any) -> tuple[Any, str]:
    """A SPARQLWrapper query's converted answer and its Content-Type."""
    with warnings.catch_warnings():
        # its own notes ("sending */*") and rdflib's deprecation of the ConjunctiveGraph
        # it parses into: the client's business, not the answer's
        warnings.simplefilter("ignore")
        result = sw.query()
        content_type: str = result.info()["content-type"]
        return result.convert(), content_type


def _check(form: str, conv: Any, content_type: str, expected: set[Any]) -> None:
    """A converted answer to QUERIES[form] holds the file's data about CONCEPT."""
    labels = {o for _s, p, o in expected if str(p) == SKOS + "prefLabel"}
    assert len(labels) == 5
    if form == "SELECT":
        want = {str(x) for x in labels} if "text/csv" in content_type else labels
        assert _rows(conv, content_type) == want
    elif form == "ASK":
        assert _boolean(conv) is True
    elif form == "CONSTRUCT":
        prefs = {t for t in expected if str(t[1]) == SKOS + "prefLabel"}
        assert set(_graph(conv, content_type)) == prefs
    else:
        assert set(_graph(conv, content_type)) >= expected  # its triples, and links to it


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("form", list(QUERIES))
@pytest.mark.parametrize("fmt", SW_FORMATS)
def test_sparqlwrapper_every_form_format_and_method(
    server: Server, unesco_triples: set[tuple[str, str, Any]], form: str, fmt: str, method: str
) -> None:
    """Every return format SPARQLWrapper offers, for every query form, by GET and by POST
    (a form): an answer that its convert() reads, holding the file's data. Formats that
    do not fit the form (Turtle for SELECT, CSV for a graph) get the form's default,
    as SPARQLWrapper then sends Accept: */*."""
    from SPARQLWrapper import SPARQLWrapper

    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setQuery(QUERIES[form])
    sw.setReturnFormat(fmt)
    sw.setMethod(method)
    conv, content_type = _run(sw)
    _check(form, conv, content_type, described(unesco_triples, CONCEPT))
    # what it asked for, when the form has that format
    asked = {"json": "json", "xml": "xml", "csv": "text/csv", "tsv": "tab-separated",
             "turtle": "turtle", "n3": "turtle", "rdf+xml": "rdf+xml", "rdf": "rdf+xml",
             "json-ld": "ld+json"}[fmt]  # fmt: skip
    fits = (form in ("SELECT", "ASK")) == (fmt in ("json", "xml", "csv", "tsv"))
    if fits or (form in ("CONSTRUCT", "DESCRIBE") and fmt == "xml"):
        assert asked in content_type.replace("sparql-results+", ""), content_type


@pytest.mark.parametrize("form", list(QUERIES))
@pytest.mark.parametrize("fmt", SW_FORMATS)
def test_sparqlwrapper_post_directly_and_conneg_only(
    server: Server, unesco_triples: set[tuple[str, str, Any]], form: str, fmt: str
) -> None:
    """Its other two ways: the query as the POST body (application/sparql-query, the
    format parameters in the URL), and content negotiation only (no format=)."""
    from SPARQLWrapper import POST, POSTDIRECTLY, SPARQLWrapper

    for direct in (True, False):
        sw = SPARQLWrapper(server.url + "/sparql")
        sw.setQuery(QUERIES[form])
        sw.setReturnFormat(fmt)
        if direct:
            sw.setMethod(POST)
            sw.setRequestMethod(POSTDIRECTLY)
        else:
            sw.setOnlyConneg(True)
        conv, content_type = _run(sw)
        _check(form, conv, content_type, described(unesco_triples, CONCEPT))


def test_sparqlwrapper_refused_update_is_a_clear_400(server: Server) -> None:
    """A refused query keeps its problem+json 400, which SPARQLWrapper reports."""
    from SPARQLWrapper import POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    sw = SPARQLWrapper(server.url + "/sparql")
    sw.setMethod(POST)
    sw.setQuery(f"PREFIX skos: <{SKOS}> INSERT DATA {{ <x:a> skos:prefLabel 'a' }}")
    with pytest.raises(QueryBadFormed) as info:
        sw.query()
    assert "read-only" in str(info.value)
    resp = requests.post(server.url + "/sparql", data={"update": "CLEAR ALL", "format": "json"},
                         timeout=10)  # fmt: skip
    assert resp.status_code == 400
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    assert "read-only" in resp.json()["detail"]
    resp = requests.get(server.url + "/sparql", params={"query": "SELECT * {", "format": "json"},
                        timeout=10)  # fmt: skip
    assert resp.status_code == 400 and resp.json()["where"].startswith("query:")


# --------------------------------------------------------------------------- rdflib

#: The formats for which rdflib's Graph().parse(uri, format=...) asks for a type of its
#: own (and None: every type it reads). For nquads, trix, hext, nt11 and media-type
#: names it sends its whole list of types with equal weight and reads the answer
#: (Turtle) with the parser named: those cannot be negotiated (docs/linked-data.md).
RDFLIB_FORMATS = [None, "xml", "n3", "turtle", "ttl", "nt", "trig", "json-ld"]


@pytest.mark.parametrize("fmt", RDFLIB_FORMATS)
def test_rdflib_parses_a_concept_uri(
    server: Server, unesco_triples: set[tuple[str, str, Any]], fmt: str | None
) -> None:
    """Graph().parse() of a concept: UNESCO's through /resource?uri= (its URIs are not
    under this service's base), holding every triple the file has about it."""
    url = f"{server.url}/resource?uri={quote(CONCEPT, safe='')}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's own, for trig
        graph = rdflib.Graph().parse(url, format=fmt)
    assert triples_of(graph, CONCEPT) == described(unesco_triples, CONCEPT)


@pytest.mark.parametrize("fmt", RDFLIB_FORMATS)
def test_rdflib_parses_a_community_concept_at_its_own_path(server: Server, fmt: str | None
                                                           ) -> None:  # fmt: skip
    """A concept URI under the public base dereferences at its own path; every syntax
    gives the same triples as the N-Triples file of it."""
    path = server.url + "/community/community"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = rdflib.Graph().parse(path, format=fmt)
    nt = requests.get(path + ".nt", timeout=10)
    assert nt.status_code == 200
    want = rdflib.Graph().parse(data=nt.content, format="nt")
    assert len(want) > 5
    assert rdflib.compare.isomorphic(graph, want)


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("result_format", ["xml", "json", "csv"])
def test_rdflib_sparqlstore(
    server: Server, unesco_triples: set[tuple[str, str, Any]], method: str, result_format: str
) -> None:
    """rdflib's SPARQLStore over /sparql, by each method and results format it has: a
    concept's triples equal the file's (CSV, which has no language tags or datatypes:
    their lexical forms), and a SELECT and an ASK through the graph answer. A CONSTRUCT
    only with its default, xml: with json or csv rdflib accepts only SPARQL results
    types for every query, which no graph is (a 406, rightly)."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(server.url + "/sparql", method=method, returnFormat=result_format)
    graph = rdflib.Graph(store=store)
    want = described(unesco_triples, CONCEPT)
    got = set(graph.triples((rdflib.URIRef(CONCEPT), None, None)))
    if result_format == "csv":  # plain strings: typed values compare as values
        as_typed = {(s, p, rdflib.Literal(str(o), datatype=w.datatype)) for s, p, o in got
                    for s2, p2, w in want if (s, p) == (s2, p2)
                    and isinstance(w, rdflib.Literal) and w.datatype}  # fmt: skip
        plain = {(s, p, str(o)) for s, p, o in want
                 if not (isinstance(o, rdflib.Literal) and o.datatype)}  # fmt: skip
        assert len(got) == len(want)
        assert plain <= {(s, p, str(o)) for s, p, o in got}
        assert {t for t in want if t[2] not in plain and (t[0], t[1], str(t[2])) not in plain} <= (
            as_typed
        )
    else:
        assert got == want
    labels = {o for _s, p, o in want if str(p) == SKOS + "prefLabel"}
    rows = graph.query(f"SELECT ?l WHERE {{ <{CONCEPT}> <{SKOS}prefLabel> ?l }}")
    assert {str(r[0]) for r in rows} == {str(x) for x in labels}  # type: ignore[index]
    if result_format != "csv":
        assert {r[0] for r in rows} == labels  # type: ignore[index]
    if result_format != "csv":  # rdflib's CSV reader has no booleans (the answer: true)
        assert graph.query(f"ASK {{ <{CONCEPT}> ?p ?o }}").askAnswer is True
    if result_format == "xml":
        constructed = graph.query(
            f"CONSTRUCT {{ <{CONCEPT}> ?p ?o }} WHERE {{ <{CONCEPT}> ?p ?o }}"
        ).graph
        assert constructed is not None and set(constructed) == want


# --------------------------------------------------------------------------- skosmos-client


def _objects(triples: set[tuple[str, str, Any]], subject: str, prop: str) -> set[str]:
    return {str(o) for s, p, o in triples if s == subject and p == prop}


def _subjects(triples: set[tuple[str, str, Any]], prop: str, obj: str) -> set[str]:
    return {s for s, p, o in triples if p == prop and str(o) == obj}


def test_skosmos_client_every_method_against_unesco(
    server: Server, unesco_triples: set[tuple[str, str, Any]]
) -> None:
    """NatLibFi's skosmos-client, every method it has, against UNESCO loaded whole; the
    answers checked against the UNESCO file."""
    from skosmos_client import SkosmosClient

    client = SkosmosClient(api_base=server.url + "/rest/v1/")
    t = unesco_triples
    scheme = UNESCO.rstrip("/")

    vocabs = {v["id"]: v for v in client.vocabularies("en")}
    assert {"unesco", "community", "recon"} <= set(vocabs)
    assert vocabs["unesco"]["title"]

    info = client.get_vocabulary("unesco", lang="en")
    assert info["id"] == "unesco" and info["defaultLanguage"] in info["languages"]
    assert {"ar", "en", "es", "fr", "ru"} <= set(info["languages"])
    assert scheme in {s["uri"] for s in info["conceptschemes"]}
    with pytest.raises(ValueError):
        client.get_vocabulary("no-such-vocabulary")

    hits = client.search("Small school*", lang="en", vocabs="unesco")
    assert CONCEPT in {h["uri"] for h in hits}
    assert all(h["vocab"] == "unesco" for h in hits)
    assert CONCEPT in {h["uri"] for h in client.search("petite école", lang="fr",
                                                       vocabs=["unesco", "community"])}  # fmt: skip

    (found,) = client.lookup("unesco", "Small schools", lang="en")
    assert found["uri"] == CONCEPT and found["prefLabel"] == "Small schools"
    with pytest.raises(ValueError):
        client.lookup("unesco", "no such label at all", lang="en")

    types = {x["uri"] for x in client.types("en", vocid="unesco")}
    assert {SKOS + "Concept", SKOS + "Collection"} <= types
    assert types <= {x["uri"] for x in client.types("en")}

    tops = {x["uri"] for x in client.top_concepts("unesco", lang="en")}
    assert tops == _objects(t, scheme, SKOS + "hasTopConcept") and len(tops) > 100
    schemed = client.top_concepts("unesco", lang="en", scheme=scheme)
    assert {x["uri"] for x in schemed} == tops

    groups = client.groups("unesco", lang="en")
    assert {g["uri"] for g in groups} == _subjects(
        t, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", SKOS + "Collection"
    )

    concept = client.get_concept("unesco", CONCEPT)
    assert concept.label("en") == "Small schools"
    assert concept.label("fr") == "Petite école"
    assert concept.label() in _objects(t, CONCEPT, SKOS + "prefLabel")
    for method, prop in (("broader", "broader"), ("narrower", "narrower"),
                         ("related", "related")):  # fmt: skip
        got = {x["uri"] for x in getattr(concept, method)("en")}
        assert got == _objects(t, CONCEPT, SKOS + prop) and got, method
    up = concept.broaderTransitive("en")
    chain, node = {CONCEPT}, CONCEPT
    while parents := _objects(t, node, SKOS + "broader"):
        (node,) = parents  # one broader each, in this branch of UNESCO
        chain.add(node)
    assert set(up) == chain
    down = concept.narrowerTransitive("en", limit=100)
    assert set(down) >= _objects(t, CONCEPT, SKOS + "narrower") | {CONCEPT}


def test_skosmos_client_data(server: Server, unesco_triples: set[tuple[str, str, Any]]) -> None:
    """skosmos-client's data() asks for format=application/rdf+xml, then parses the
    answer with rdflib without a format hint, which rdflib 7 reads as Turtle: it fails
    against any Skosmos (a client bug, reported with the clients' tests in
    docs/skosmos.md). The request it makes is answered (RDF/XML, the concept's triples);
    the same request without format= gets Turtle, which data()'s parse reads."""
    from rdflib.exceptions import ParserError
    from skosmos_client import SkosmosClient

    with pytest.raises(ParserError, match="tried Turtle"):  # the client's bug, as it is
        SkosmosClient(api_base=server.url + "/rest/v1/").data(CONCEPT, "unesco")
    want = described(unesco_triples, CONCEPT)
    for path in ("data", "unesco/data"):
        url = f"{server.url}/rest/v1/{path}"
        asked = requests.get(url, params={"uri": CONCEPT, "format": "application/rdf+xml"},
                             timeout=30)  # fmt: skip
        assert asked.status_code == 200
        assert asked.headers["Content-Type"].startswith("application/rdf+xml")
        graph = rdflib.Graph().parse(data=asked.content, format="xml")
        assert triples_of(graph, CONCEPT) == want
        plain = requests.get(url, params={"uri": CONCEPT}, timeout=30)
        assert plain.headers["Content-Type"].startswith("text/turtle")
        assert triples_of(rdflib.Graph().parse(data=plain.content), CONCEPT) == want


# --------------------------------------------------------------------------- reconciliation


def _schema(name: str) -> Any:
    doc = json.loads((DATA / "schemas" / f"{name}.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(doc)
    cls.check_schema(doc)
    return cls(doc)


def _valid(resp: requests.Response, name: str) -> Any:
    assert resp.status_code == 200, resp.text[:500]
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    _schema(name).validate(body)
    return body


def test_reconciliation_by_the_manifest(server: Server) -> None:
    """A client that starts from the manifest and follows the services it names, every
    answer valid under the spec's JSON Schemas (tests/data/reconcile/schemas)."""
    root = server.url + "/reconcile"
    manifest = _valid(requests.get(root, timeout=30), "manifest")
    queries = {
        "q0": {"query": "Small schools"},  # a UNESCO prefLabel: an automatic match
        "q1": {"query": "bank", "limit": 5},  # two concepts: never a match
        "q2": {"query": "bank", "properties": [{"pid": "broader", "v": "landform"}]},
        "q3": {"query": "landform"},  # also another concept's altLabel: says why
        "q4": {
            "query": "petite école",
            "type": "http://vocabularies.unesco.org/thesaurus",
            "properties": [{"pid": "lang", "v": "fr"}],
        },
    }
    by_post = _valid(requests.post(root, data={"queries": json.dumps(queries)}, timeout=60),
                     "reconciliation-result-batch")  # fmt: skip
    by_get = _valid(requests.get(root, params={"queries": json.dumps(queries)}, timeout=60),
                    "reconciliation-result-batch")  # fmt: skip
    assert by_get == by_post
    top = {k: v["result"][0] for k, v in by_post.items()}
    assert (top["q0"]["id"], top["q0"]["match"]) == (CONCEPT, True)
    assert not any(c["match"] for c in by_post["q1"]["result"])
    assert (top["q2"]["id"], top["q2"]["match"]) == ("https://example.org/recon/river-bank", True)
    assert top["q3"]["match"] is False
    assert top["q3"]["description"].startswith('Not matched automatically: "landform" is also')
    assert (top["q4"]["id"], top["q4"]["match"]) == (CONCEPT, True)

    def service(kind: str) -> str:
        svc = manifest["suggest"][kind]
        return str(svc["service_url"] + svc["service_path"])

    entities = _valid(requests.get(service("entity"), params={"prefix": "small sch"}, timeout=30),
                      "suggest-entities-response")["result"]  # fmt: skip
    assert CONCEPT in {e["id"] for e in entities}
    by_uri = _valid(requests.get(service("entity"), params={"prefix": CONCEPT}, timeout=30),
                    "suggest-entities-response")["result"]  # fmt: skip
    assert by_uri[0]["id"] == CONCEPT and by_uri[0]["name"] == "Small schools"
    types = _valid(requests.get(service("type"), params={"prefix": "unesco"}, timeout=30),
                   "suggest-types-response")["result"]  # fmt: skip
    assert types
    props = _valid(requests.get(service("property"), params={"prefix": "bro"}, timeout=30),
                   "suggest-types-response")["result"]  # fmt: skip
    assert "broader" in {p["id"] for p in props}

    extend = manifest["extend"]["propose_properties"]
    proposed = _valid(requests.get(extend["service_url"] + extend["service_path"],
                                   params={"type": manifest["defaultTypes"][0]["id"]},
                                   timeout=30), "propose-properties-response")  # fmt: skip
    wanted = [{"id": p["id"]} for p in proposed["properties"]]
    ext = {"ids": [CONCEPT], "properties": wanted}
    rows = _valid(requests.post(root, data={"extend": json.dumps(ext)}, timeout=30),
                  "data-extension-response")["rows"]  # fmt: skip
    assert {v["id"] for v in rows[CONCEPT]["broader"]} == {UNESCO + "concept46"}

    preview = requests.get(manifest["preview"]["url"].replace("{{id}}", quote(CONCEPT, safe="")),
                           timeout=30)  # fmt: skip
    assert preview.status_code == 200 and "Small schools" in preview.text
    view = manifest["view"]["url"].replace("{{id}}", quote(CONCEPT, safe=""))
    page = requests.get(view if view.startswith("http") else server.url + view, timeout=30)
    assert page.status_code == 200 and "Small schools" in page.text
