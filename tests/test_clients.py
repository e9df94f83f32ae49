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
    with warnings.catch_warnings():
        # its own notes ("sending */*") and rdflib's deprecation of the ConjunctiveGraph
        # it parses into: the client's business, not the answer's
        warnings.simplefilter("ignore")
        result = sw.query()
        content_type = result.info()["content-type"]
        conv = result.convert()
    expected = described(unesco_triples, CONCEPT)
    labels = {o for _s, p, o in expected if str(p) == SKOS + "prefLabel"}
    assert len(labels) == 5
    if form == "SELECT":
        got = _rows(conv, content_type)
        want = {str(x) for x in labels} if "text/csv" in content_type else labels
        assert got == want
    elif form == "ASK":
        assert _boolean(conv) is True
    else:
        graph = _graph(conv, content_type)
        got = set(graph)
        if form == "CONSTRUCT":
            assert got == {t for t in expected if str(t[1]) == SKOS + "prefLabel"}
        else:
            assert got >= expected  # the concept's own triples, and links to it
    # what it asked for, when the form has that format
    asked = {"json": "json", "xml": "xml", "csv": "text/csv", "tsv": "tab-separated",
             "turtle": "turtle", "n3": "turtle", "rdf+xml": "rdf+xml", "rdf": "rdf+xml",
             "json-ld": "ld+json"}[fmt]  # fmt: skip
    fits = (form in ("SELECT", "ASK")) == (fmt in ("json", "xml", "csv", "tsv"))
    if fits or (form in ("CONSTRUCT", "DESCRIBE") and fmt == "xml"):
        assert asked in content_type.replace("sparql-results+", ""), content_type


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
