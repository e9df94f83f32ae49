"""The SPARQL engine and ``/sparql``: formats, safety (read-only, no network), time
limit, row cap, CORS, the service description and the query form."""

from __future__ import annotations

import fcntl
import io
import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from glossary.errors import BadQuery, NotAcceptable
from glossary.formats import RdfFormat, ResultFormat
from glossary.sparql import (
    LocalEngine,
    QueryForm,
    check_query,
    choose_format,
    inspect_query,
    prepare,
)
from service import create_app

EX = "http://example.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
GRAPHS = [f"{EX}g/a", f"{EX}g/b&c='d'"]  # the second needs escaping in HTML


# --------------------------------------------------------------------------- pure parts

ACCEPT_TABLE = [
    # form, Accept, format=, expected media type
    (QueryForm.SELECT, None, None, "application/sparql-results+json"),
    (QueryForm.SELECT, "*/*", None, "application/sparql-results+json"),
    (QueryForm.SELECT, "application/sparql-results+xml", None, "application/sparql-results+xml"),
    (QueryForm.SELECT, "text/csv;q=0.5, text/tab-separated-values", None,
     "text/tab-separated-values"),
    (QueryForm.SELECT, "text/csv, application/sparql-results+json;q=0.9", None, "text/csv"),
    (QueryForm.SELECT, "application/json", None, "application/json"),
    (QueryForm.SELECT, "text/*", None, "text/csv"),
    (QueryForm.SELECT, "text/html,application/xhtml+xml,*/*;q=0.8", None,
     "application/sparql-results+json"),
    (QueryForm.SELECT, "text/html", "csv", "text/csv"),
    (QueryForm.SELECT, None, "xml", "application/sparql-results+xml"),
    (QueryForm.SELECT, None, "text/tab-separated-values", "text/tab-separated-values"),
    (QueryForm.ASK, "application/sparql-results+xml, */*;q=0.1", None,
     "application/sparql-results+xml"),
    (QueryForm.ASK, None, None, "application/sparql-results+json"),
    (QueryForm.CONSTRUCT, None, None, "text/turtle"),
    (QueryForm.CONSTRUCT, "application/n-triples", None, "application/n-triples"),
    (QueryForm.CONSTRUCT, "application/rdf+xml;q=0.9, application/ld+json", None,
     "application/ld+json"),
    (QueryForm.CONSTRUCT, "application/*", None, "application/n-triples"),
    (QueryForm.DESCRIBE, None, "xml", "application/rdf+xml"),
    (QueryForm.DESCRIBE, None, "jsonld", "application/ld+json"),
    (QueryForm.DESCRIBE, "text/turtle;q=0, */*", None, "application/n-triples"),
    # What SPARQLWrapper sends (format=, output=, results= each given, some twice,
    # in its own words), and what other clients send.
    (QueryForm.CONSTRUCT, "application/rdf+xml", ["rdf+xml", "application/rdf+xml"] * 3,
     "application/rdf+xml"),
    (QueryForm.DESCRIBE, "application/turtle,text/turtle,text/rdf+n3,application/n-triples,"
     "application/n3,text/n3", ["n3"] * 3, "text/turtle"),
    (QueryForm.CONSTRUCT, "application/ld+json,application/x-json+ld",
     ["json-ld", "application/ld+json"], "application/ld+json"),
    (QueryForm.CONSTRUCT, "*/*", ["json"], "application/ld+json"),  # JSON of a graph
    (QueryForm.CONSTRUCT, "*/*", ["csv", ""], "text/turtle"),  # not offered: Accept decides
    (QueryForm.CONSTRUCT, "*/*", ["rdf"], "application/rdf+xml"),
    (QueryForm.SELECT, "text/tab-separated-values", ["tsv", "text/tab-separated-values"],
     "text/tab-separated-values"),
    (QueryForm.SELECT, "*/*", ["turtle"], "application/sparql-results+json"),
    (QueryForm.SELECT, "application/sparql-results+xml", ["yaml"],
     "application/sparql-results+xml"),  # unknown: Accept decides
    (QueryForm.SELECT, None, ["application/sparql-results xml"],  # '+' sent unescaped
     "application/sparql-results+xml"),
    (QueryForm.ASK, "text/csv", ["csv"], "text/csv"),
    (QueryForm.ASK, "text/tab-separated-values", None, "text/tab-separated-values"),
]  # fmt: skip


@pytest.mark.parametrize(("form", "accept", "fmt", "expected"), ACCEPT_TABLE)
def test_choose_format(form: QueryForm, accept: str | None, fmt: str | list[str] | None,
                      expected: str) -> None:  # fmt: skip
    chosen, media_type = choose_format(form, accept, fmt)
    assert media_type == expected
    assert media_type in chosen.media_types


NOT_ACCEPTABLE = [
    # Refused only when nothing the client asked for (format= nor Accept) is offered.
    (QueryForm.SELECT, "text/turtle", None),
    (QueryForm.SELECT, "image/png", None),
    (QueryForm.CONSTRUCT, "application/sparql-results+json", None),
    (QueryForm.SELECT, "text/turtle", "turtle"),
    (QueryForm.CONSTRUCT, "text/csv", ["csv", "text/csv"]),
    (QueryForm.SELECT, "application/x-yaml", "yaml"),
]


@pytest.mark.parametrize(("form", "accept", "fmt"), NOT_ACCEPTABLE)
def test_choose_format_refuses(
    form: QueryForm, accept: str | None, fmt: str | list[str] | None
) -> None:
    with pytest.raises(NotAcceptable) as info:
        choose_format(form, accept, fmt)
    assert info.value.offered
    assert info.value.hint


LEX_TABLE = [
    # query, form, uses SERVICE, has FROM
    ("SELECT * { ?s ?p ?o }", QueryForm.SELECT, False, False),
    ("PREFIX select: <x:> ASK { ?s select:from ?o }", QueryForm.ASK, False, False),
    ("select * from <g> { ?s ?p ?o }", QueryForm.SELECT, False, True),
    ("SELECT ?from ?service { ?from ?service 'SERVICE' }", QueryForm.SELECT, False, False),
    ("SELECT * { ?s ?p \"\"\"FROM\nSERVICE <x>\"\"\" } # SERVICE <y> { }", QueryForm.SELECT,
     False, False),
    ("SELECT * { <http://x/SERVICE> ?p ?o }", QueryForm.SELECT, False, False),
    ("CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://x/> { ?s ?p ?o } }",
     QueryForm.CONSTRUCT, True, False),
    ("SELECT * { ?s ?p ?o .SERVICE<http://x/>{?s ?p ?o} }", QueryForm.SELECT, True, False),
    ("SELECT * { {?s ?p ?o}SeRvIcE SILENT ?svc {?s ?p ?o} }", QueryForm.SELECT, True, False),
    # a string's escaped quote does not end it; an escaped quote in a local name
    # does not start one (where SERVICE could hide)
    ("SELECT * { ?s ?p 'it\\'s' . SERVICE <http://x/> {} }", QueryForm.SELECT, True, False),
    ("SELECT * { ?s ex:a\\'b ?o . SERVICE <http://x/> {} ?s ex:c\\'d ?o }", QueryForm.SELECT,
     True, False),
    ("SELECT * { FILTER(?a<1) SERVICE <http://x/> { } FILTER(?b>2) }", QueryForm.SELECT,
     True, False),
    ("DESCRIBE <x>", QueryForm.DESCRIBE, False, False),
    ("BASE <http://x/> PREFIX : <#> SELECT * FROM NAMED :g { GRAPH ?g { ?s ?p ?o } }",
     QueryForm.SELECT, False, True),
    ("INSERT DATA { <a> <b> <c> }", None, False, False),
]  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["SELECT ?define ?bif { ?s <http://e/sql:x> 'bif:x' }",
     "PREFIX ex: <http://e/> SELECT * { ?s ex:bif ?o . ?s ex:sql ?o } # bif:x"],
)  # fmt: skip
def test_names_like_extensions_are_fine(query: str) -> None:
    assert check_query(query).vendor_extension is None


@pytest.mark.parametrize(("query", "form", "service", "dataset"), LEX_TABLE)
def test_inspect_query(query: str, form: QueryForm | None, service: bool, dataset: bool) -> None:
    info = inspect_query(query)
    assert (info.form, info.uses_service, info.has_dataset) == (form, service, dataset)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("INSERT DATA { <a> <b> <c> }", "read-only"),
        ("PREFIX x: <y:> DELETE WHERE { ?s ?p ?o }", "read-only"),
        ("LOAD <http://127.0.0.1:9/x>", "read-only"),
        ("CLEAR ALL", "read-only"),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "read-only"),
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * { ?s ?p ?o }" + " " * 1_000_001, "longer than"),
        # Virtuoso extensions that reach files or the network (a remote store runs them)
        ('DEFINE get:soft "soft" SELECT * FROM <http://127.0.0.1:9/> { ?s ?p ?o }', "DEFINE"),
        ('SELECT * { ?s ?p ?o FILTER(bif:contains(?o, "x")) }', "bif:"),
        ('PREFIX f: <bif:> SELECT (f:file_to_string("/etc/passwd") AS ?x) {}', "bif:"),
        ("SELECT (sql:x() AS ?x) {}", "sql:"),
        # \u escapes may stand anywhere (SPARQL 1.1, 19.2): some stores decode them first
        ("SELECT * { SERVIC\\u0045 <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("\\u0049NSERT DATA { <a> <b> <c> }", "read-only"),
        ("SELECT * { ?s \\u0062if:x ?o }", "bif:"),
    ],
)
def test_check_query_refuses(query: str, message: str) -> None:
    with pytest.raises(BadQuery) as info:
        check_query(query)
    assert message in info.value.message


# --------------------------------------------------------------------------- a store


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pyoxigraph store: 30 concepts in graph a (a chain by skos:broader), 1 in graph b."""
    path = tmp_path_factory.mktemp("sparql") / "db"
    store = ox.Store(str(path))
    quads = []
    a, b = ox.NamedNode(GRAPHS[0]), ox.NamedNode(GRAPHS[1])
    for i in range(30):
        c = ox.NamedNode(f"{EX}c{i}")
        quads.append(ox.Quad(c, ox.NamedNode(f"{SKOS}prefLabel"),
                             ox.Literal(f"concept {i}\t<&>", language="en"), a))  # fmt: skip
        if i:
            quads.append(ox.Quad(c, ox.NamedNode(f"{SKOS}broader"), ox.NamedNode(f"{EX}c{i - 1}"),
                                 a))  # fmt: skip
    quads.append(ox.Quad(ox.NamedNode(f"{EX}other"), ox.NamedNode(f"{SKOS}prefLabel"),
                         ox.Literal("other"), b))  # fmt: skip
    store.extend(quads)
    store.flush()
    del store
    return path


def _count(store_dir: Path) -> int:
    return len(ox.Store.read_only(str(store_dir)))


@pytest.fixture(scope="module")
def engine(store_dir: Path) -> Iterator[LocalEngine]:
    eng = LocalEngine(lambda: store_dir, timeout=2.0, row_limit=20, workers=2)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def client(engine: LocalEngine, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    app = create_app({
        "TESTING": True,
        "GLOSSARY_STORE": str(tmp_path_factory.mktemp("unused")),
        "GLOSSARY_SPARQL_ENGINE": engine,
    })  # fmt: skip
    return app.test_client()


SELECT_LABELS = f"SELECT ?c ?l WHERE {{ ?c <{SKOS}prefLabel> ?l }} ORDER BY ?c LIMIT 3"
CONSTRUCT_ONE = f"CONSTRUCT {{ ?c ?p ?o }} WHERE {{ BIND(<{EX}c3> AS ?c) ?c ?p ?o }}"


@pytest.mark.parametrize("fmt", list(ResultFormat))
def test_select_in_every_result_format(client: Any, fmt: ResultFormat) -> None:
    resp = client.get("/sparql", query_string={"query": SELECT_LABELS},
                      headers={"Accept": fmt.media_type})  # fmt: skip
    assert resp.status_code == 200
    assert resp.mimetype == fmt.media_type
    assert resp.headers["Vary"] == "Accept"
    body = resp.get_data()
    if fmt is ResultFormat.CSV:
        lines = body.decode().splitlines()
        assert lines[0] == "c,l" and len(lines) == 4
        assert lines[1].startswith("http://example.org/c0,")
    else:
        rows = list(ox.parse_query_results(body, fmt.oxigraph))
        assert [r["c"].value for r in rows] == [f"{EX}c0", f"{EX}c1", f"{EX}c10"]
        assert rows[0]["l"] == ox.Literal("concept 0\t<&>", language="en")  # tab survives


@pytest.mark.parametrize("fmt", [RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.JSONLD,
                                 RdfFormat.RDFXML])  # fmt: skip
def test_construct_in_every_graph_format(client: Any, fmt: RdfFormat) -> None:
    resp = client.post("/sparql", data=CONSTRUCT_ONE.encode(),
                       content_type="application/sparql-query",
                       headers={"Accept": fmt.media_type})  # fmt: skip
    assert resp.status_code == 200, resp.get_data()
    assert resp.mimetype == fmt.media_type
    triples = {q.triple for q in ox.parse(io.BytesIO(resp.get_data()), format=fmt.oxigraph)}
    assert ox.Triple(ox.NamedNode(f"{EX}c3"), ox.NamedNode(f"{SKOS}broader"),
                     ox.NamedNode(f"{EX}c2")) in triples  # fmt: skip
    assert len(triples) == 2


def test_format_parameter_wins_over_accept(client: Any) -> None:
    resp = client.post("/sparql", data={"query": SELECT_LABELS, "format": "tsv"},
                       headers={"Accept": "application/sparql-results+json"})  # fmt: skip
    assert resp.status_code == 200
    assert resp.mimetype == "text/tab-separated-values"
    assert resp.get_data().startswith(b"?c\t?l\n")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_repeated_and_client_named_formats_answer(client: Any, method: str) -> None:
    """SPARQLWrapper's request for RDF/XML: its name and the media type, in format=,
    output= and results= (each twice). Once a 400 ('given 2 times')."""
    params = [(name, value) for name in ("format", "output", "results")
              for value in ("rdf+xml", "application/rdf+xml")]  # fmt: skip
    params.append(("query", CONSTRUCT_ONE))
    headers = {"Accept": "application/rdf+xml"}
    if method == "GET":
        resp = client.get("/sparql", query_string=params, headers=headers)
    else:
        resp = client.post("/sparql", data=urlencode(params), headers=headers,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert resp.status_code == 200, resp.get_data()
    assert resp.mimetype == "application/rdf+xml"
    assert len(list(ox.parse(io.BytesIO(resp.get_data()), format=ox.RdfFormat.RDF_XML))) == 2


def test_unknown_format_falls_back_to_accept(client: Any) -> None:
    resp = client.get("/sparql", query_string={"query": SELECT_LABELS, "format": "n3"},
                      headers={"Accept": "text/csv"})  # fmt: skip
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    resp = client.get("/sparql", query_string={"query": f"ASK {{ <{EX}c29> ?p ?o }}",
                                               "format": "csv"})  # fmt: skip
    assert resp.status_code == 200
    assert (resp.mimetype, resp.get_data()) == ("text/csv", b"true")


def test_describe_and_ask(client: Any) -> None:
    resp = client.get("/sparql", query_string={"query": f"DESCRIBE <{EX}other>",
                                               "format": "nt"})  # fmt: skip
    assert resp.status_code == 200
    assert resp.get_data().decode().strip() == (f'<{EX}other> <{SKOS}prefLabel> "other" .')
    resp = client.get("/sparql", query_string={"query": f"ASK {{ <{EX}c29> ?p ?o }}"})
    assert resp.get_json() == {"head": {}, "boolean": True}


def test_not_acceptable_lists_offers(client: Any) -> None:
    resp = client.get("/sparql", query_string={"query": SELECT_LABELS},
                      headers={"Accept": "text/turtle"})  # fmt: skip
    assert resp.status_code == 406
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert "application/sparql-results+json" in problem["offered"]
    assert "text/csv" in problem["offered"]
    assert "text/turtle" in problem["detail"]


def test_default_graph_is_the_union_and_graphs_are_named(client: Any) -> None:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{SKOS}prefLabel> ?o }}"
    assert client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/csv"}
                      ).get_data().split() == [b"n", b"31"]  # fmt: skip
    resp = client.get("/sparql", query_string={"query": q, "default-graph-uri": GRAPHS[1]},
                      headers={"Accept": "text/csv"})  # fmt: skip
    assert resp.get_data().split() == [b"n", b"1"]
    q_from = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS[1]}> WHERE {{ ?s ?p ?o }}"
    resp = client.get("/sparql", query_string={"query": q_from}, headers={"Accept": "text/csv"})
    assert resp.get_data().split() == [b"n", b"1"]


def test_syntax_error_names_the_position(client: Any) -> None:
    resp = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p }"})
    assert resp.status_code == 400
    problem = resp.get_json()
    assert problem["where"].startswith("query:2:")  # line 2, column as pyoxigraph counts
    assert "cannot be parsed" in problem["detail"]


def test_protocol_errors_are_problems(client: Any) -> None:
    resp = client.get("/sparql", query_string=[("query", "ASK {}"), ("query", "ASK {}")])
    assert resp.status_code == 400 and "2 times" in resp.get_json()["detail"]
    resp = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert resp.status_code == 415
    assert resp.mimetype == "application/problem+json"
    resp = client.post("/sparql", data="ASK {}".encode("utf-16"),
                       content_type="application/sparql-query; charset=UTF-16")  # fmt: skip
    assert resp.status_code == 400 and "UTF-8" in resp.get_json()["detail"]
    resp = client.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query")
    assert resp.status_code == 400 and "not valid UTF-8" in resp.get_json()["detail"]
    resp = client.delete("/sparql")
    assert resp.status_code == 405 and resp.mimetype == "application/problem+json"


# --------------------------------------------------------------------------- read-only


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("get", {"query_string": {"update": "CLEAR ALL"}}),
        ("post", {"data": {"update": "DROP ALL"}}),
        ("post", {"data": b"DROP ALL", "content_type": "application/sparql-update"}),
        ("post", {"data": b"CLEAR ALL", "content_type": "application/sparql-query"}),
        ("post", {"data": {"query": f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}"}}),
        ("get", {"query_string": {"query": "LOAD <http://127.0.0.1:9/data.ttl>"}}),
    ],
)
def test_updates_are_refused_and_change_nothing(client: Any, store_dir: Path, method: str,
                                                kwargs: dict[str, Any]) -> None:  # fmt: skip
    before = _count(store_dir)
    resp = getattr(client, method)("/sparql", **kwargs)
    assert resp.status_code == 400
    assert "read-only" in resp.get_json()["detail"]
    assert _count(store_dir) == before == 60


# --------------------------------------------------------------------------- no network


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP listener that records every connection it gets."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(4096) or b"<connected>")
                except TimeoutError:
                    seen.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], seen
    stop.set()
    thread.join()
    sock.close()


def test_listener_sees_a_connection(listener: tuple[int, list[bytes]]) -> None:
    """The check below could fail: a real connection is recorded."""
    port, seen = listener
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(b"hello")
    time.sleep(0.3)
    assert seen == [b"hello"]


def test_no_query_reaches_the_network(client: Any, listener: tuple[int, list[bytes]]) -> None:
    port, seen = listener
    url = f"http://127.0.0.1:{port}/sparql"
    refused = [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ ?a ?b ?c OPTIONAL {{ service <{url}> {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    ]
    for q in refused:
        resp = client.get("/sparql", query_string={"query": q})
        assert resp.status_code == 400, q
        assert "SERVICE" in resp.get_json()["detail"]
    local = [
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}",
    ]
    for q in local:
        resp = client.get("/sparql", query_string={"query": q})
        assert resp.status_code == 200, (q, resp.get_data())
    resp = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }",
                                               "default-graph-uri": url})  # fmt: skip
    assert resp.status_code == 200
    assert resp.get_json()["results"]["bindings"] == []
    time.sleep(0.5)
    assert seen == []


# --------------------------------------------------------------------------- limits

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def test_timeout_is_a_clean_503_and_the_service_keeps_answering(
    client: Any, engine: LocalEngine
) -> None:
    killed = engine.pool.killed
    results: dict[str, Any] = {}

    def slow() -> None:
        results["slow"] = client.get("/sparql", query_string={"query": SLOW})

    thread = threading.Thread(target=slow)
    start = time.monotonic()
    thread.start()
    time.sleep(0.3)
    quick = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    quick_done = time.monotonic() - start
    thread.join()
    elapsed = time.monotonic() - start
    assert quick.status_code == 200 and quick.get_json()["boolean"] is True
    assert quick_done < 1.5  # answered while the slow one was still running
    resp = results["slow"]
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert "timed out after 2 s" in resp.get_json()["detail"]
    assert 1.9 < elapsed < 6
    assert engine.pool.killed == killed + 1
    again = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert again.status_code == 200


def test_an_orphan_worker_ends_itself(store_dir: Path) -> None:
    """If the parent dies mid-query, nobody kills the worker: its alarm does."""
    import signal
    import subprocess
    import sys

    from glossary.sparql import read_frame, write_frame

    proc = subprocess.Popen([sys.executable, "-m", "glossary.sparql_worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    req, _ = prepare("ASK { ?s ?p ?o }")
    write_frame(proc.stdin, {**req.to_wire(snapshot=str(store_dir), row_limit=5), "backstop": 1})
    header, body = read_frame(proc.stdout.fileno(), time.monotonic() + 10)
    assert header["ok"] and b"true" in body  # answered in time: the alarm is cancelled
    time.sleep(1.5)
    assert proc.poll() is None
    req, _ = prepare(SLOW)
    start = time.monotonic()
    write_frame(proc.stdin, {**req.to_wire(snapshot=str(store_dir), row_limit=5), "backstop": 1})
    assert proc.wait(timeout=10) == -signal.SIGALRM
    assert time.monotonic() - start < 3
    proc.stdin.close()
    proc.stdout.close()


def test_rows_beyond_the_cap_are_cut_and_said_so(client: Any) -> None:
    q = f"SELECT ?c WHERE {{ ?c <{SKOS}prefLabel> ?l }} ORDER BY ?c"
    resp = client.get("/sparql", query_string={"query": q})
    assert resp.status_code == 200
    assert resp.headers["X-Result-Truncated"] == "true"
    assert resp.headers["X-Result-Limit"] == "20"
    assert "truncated" in resp.headers["Warning"]
    data = resp.get_json()
    assert len(data["results"]["bindings"]) == 20
    assert data["head"]["link"] == ["urn:x-glossary:result-truncated?limit=20"]
    assert len(list(ox.parse_query_results(resp.get_data(), ox.QueryResultsFormat.JSON))) == 20
    xml = client.get("/sparql", query_string={"query": q, "format": "xml"}).get_data()
    assert len(list(ox.parse_query_results(xml, ox.QueryResultsFormat.XML))) == 20
    assert b'<link href="urn:x-glossary:result-truncated?limit=20"/>' in xml
    graph = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }",
                                                "format": "nt"})  # fmt: skip
    assert graph.headers["X-Result-Truncated"] == "true"
    assert len(graph.get_data().splitlines()) == 20
    small = client.get("/sparql", query_string={"query": SELECT_LABELS})
    assert "X-Result-Truncated" not in small.headers
    assert "link" not in small.get_json()["head"]


# --------------------------------------------------------------------------- CORS, description


def test_cors_is_open(client: Any) -> None:
    pre = client.options("/sparql", headers={
        "Origin": "https://example.net", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })  # fmt: skip
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]
    resp = client.get("/sparql", query_string={"query": "ASK {}"},
                      headers={"Origin": "https://example.net"})  # fmt: skip
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    bad = client.get("/sparql", query_string={"query": "ASK {"})
    assert bad.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("fmt", [RdfFormat.TURTLE, RdfFormat.NTRIPLES, RdfFormat.JSONLD,
                                 RdfFormat.RDFXML])  # fmt: skip
def test_service_description(client: Any, fmt: RdfFormat) -> None:
    resp = client.get("/sparql", headers={"Accept": fmt.media_type})
    assert resp.status_code == 200
    assert resp.mimetype == fmt.media_type
    store = ox.Store()
    store.load(resp.get_data(), format=fmt.oxigraph)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = ox.NamedNode("http://localhost/sparql")
    assert store.query(f"ASK {{ ?svc <{sd}endpoint> ?svc ; <{sd}supportedLanguage> "
                       f"<{sd}SPARQL11Query> }}")  # fmt: skip
    names = {
        r["g"].value
        for r in store.query(
            f"SELECT ?g {{ {endpoint} <{sd}defaultDataset>/<{sd}namedGraph>/<{sd}name> ?g }}"
        )
    }
    assert names == set(GRAPHS)
    formats = {r["f"].value for r in store.query(f"SELECT ?f {{ ?s <{sd}resultFormat> ?f }}")}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/Turtle" in formats


def test_query_form_for_browsers_escapes_everything(client: Any) -> None:
    resp = client.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert '<textarea id="query" name="query"' in html
    assert "b&amp;c=&#39;d&#39;" in html  # the graph IRI, escaped
    assert "c='d'" not in html
    assert "&lt;http://www.w3.org/2004/02/skos/core#&gt;" in html  # the example query
    resp = client.get("/sparql", query_string={"format": "text/csv"},
                      headers={"Accept": "text/csv"})  # fmt: skip
    assert resp.status_code == 406
    # an unknown format= leaves the choice to Accept
    resp = client.get("/sparql", query_string={"format": "yaml"},
                      headers={"Accept": "application/n-triples"})  # fmt: skip
    assert resp.status_code == 200
    assert resp.mimetype == "application/n-triples"


def _one_quad_store(path: Path, subject: str) -> Path:
    """A store directory holding ``<subject> ex:p "x"`` in graph ex:g."""
    s = ox.Store(str(path))
    s.add(ox.Quad(ox.NamedNode(subject), ox.NamedNode(f"{EX}p"), ox.Literal("x"),
                  ox.NamedNode(f"{EX}g")))  # fmt: skip
    s.flush()
    del s
    return path


def test_a_new_snapshot_is_picked_up(tmp_path: Path) -> None:
    paths = [_one_quad_store(tmp_path / f"snap{i}", f"{EX}s{i}") for i in range(2)]
    live = [paths[0]]
    engine = LocalEngine(lambda: live[0], workers=1)
    try:
        req, _ = prepare("SELECT ?s { ?s ?p ?o }")
        assert json.loads(engine.execute(req).body)["results"]["bindings"][0]["s"]["value"] == (
            f"{EX}s0"
        )
        live[0] = paths[1]

        def answer() -> str:
            return str(json.loads(engine.execute(req).body)["results"]["bindings"][0]["s"]["value"])

        # The version before may answer while the executors are readied for the new one
        # (in the background: no query waits for it); then the new one, for good.
        assert answer() in (f"{EX}s0", f"{EX}s1")
        assert _wait_for(lambda: answer() == f"{EX}s1")
        assert {answer() for _ in range(5)} == {f"{EX}s1"}
    finally:
        engine.close()


def test_empty_store_answers_empty(tmp_path: Path) -> None:
    engine = LocalEngine(lambda: None, workers=1)
    try:
        req, _ = prepare("SELECT * { ?s ?p ?o }")
        assert json.loads(engine.execute(req).body)["results"]["bindings"] == []
        assert engine.named_graphs() == []
    finally:
        engine.close()


# --------------------------------------------------------------------------- memory copy

SAME_QUERIES = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    f"ASK {{ <{EX}other> ?p ?o }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPHS[1]}> {{ ?s ?p ?o }} }}",
]


def _workers_in_memory(engine: LocalEngine) -> list[bool]:
    return [w.in_memory for w in engine.pool._idle]


@pytest.mark.parametrize("query", SAME_QUERIES)
def test_memory_and_disk_answer_alike(store_dir: Path, query: str) -> None:
    fmt = "nt" if query.startswith("CONSTRUCT") else None
    req, _ = prepare(query, format_param=fmt)
    bodies = []
    for memory_quads in (10**6, 0):
        engine = LocalEngine(lambda: store_dir, workers=1, memory_quads=memory_quads)
        try:
            bodies.append(engine.execute(req).body)
            assert _workers_in_memory(engine) == [memory_quads > 0]
        finally:
            engine.close()
    if fmt == "nt":  # triple order is not defined
        assert sorted(bodies[0].splitlines()) == sorted(bodies[1].splitlines())
        assert bodies[0].strip()
    else:
        assert bodies[0] == bodies[1]


def test_a_store_over_the_memory_limit_is_read_on_disk(store_dir: Path) -> None:
    quads = _count(store_dir)
    req, _ = prepare("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    for limit, in_memory in ((quads, True), (quads - 1, False)):
        engine = LocalEngine(lambda: store_dir, workers=1, memory_quads=limit)
        try:
            body = json.loads(engine.execute(req).body)
            assert int(body["results"]["bindings"][0]["n"]["value"]) == quads
            assert _workers_in_memory(engine) == [in_memory]
        finally:
            engine.close()


def test_a_snapshot_copied_into_memory_is_let_go(tmp_path: Path) -> None:
    """The copy holds no file open: the snapshot may be collected and queries go on."""
    path = _one_quad_store(tmp_path / "snap", f"{EX}s")
    readers = tmp_path / "snap.readers"
    readers.touch()
    engine = LocalEngine(lambda: path, workers=1)
    try:
        req, _ = prepare("SELECT ?s { ?s ?p ?o }")
        assert len(json.loads(engine.execute(req).body)["results"]["bindings"]) == 1
        # glossary.store collects a snapshot once it can take the readers lock exclusively
        with readers.open("r+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if still held
            fcntl.flock(fh, fcntl.LOCK_UN)
        shutil.rmtree(path)
        assert len(json.loads(engine.execute(req).body)["results"]["bindings"]) == 1
    finally:
        engine.close()


@pytest.mark.parametrize(("raw", "expected"), [("0", 0), ("5", 5), ("", 1_000_000)])
def test_memory_triples_setting(raw: str, expected: int) -> None:
    from glossary.sparql import settings_from_env

    assert settings_from_env({"GLOSSARY_SPARQL_MEMORY_TRIPLES": raw})["memory_quads"] == expected


@pytest.mark.parametrize("raw", ["-1", "many"])
def test_memory_triples_setting_refuses_nonsense(raw: str) -> None:
    from glossary.errors import StoreError
    from glossary.sparql import settings_from_env

    with pytest.raises(StoreError, match="GLOSSARY_SPARQL_MEMORY_TRIPLES"):
        settings_from_env({"GLOSSARY_SPARQL_MEMORY_TRIPLES": raw})


def _wait_for(predicate: Any, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_warm_readies_every_worker_once(store_dir: Path) -> None:
    engine = LocalEngine(lambda: store_dir, workers=2)
    try:
        assert engine.warm() == 2
        assert sorted(_workers_in_memory(engine)) == [True, True]
        assert engine.warm() == 0  # nothing stale: nothing done
        req, _ = prepare(f"ASK {{ <{EX}other> ?p ?o }}")
        assert json.loads(engine.execute(req).body)["boolean"] is True
        assert engine.pool._live == 2
    finally:
        engine.close()


def test_a_new_snapshot_readies_every_worker_in_the_background(
    tmp_path: Path, store_dir: Path
) -> None:
    """After a load, no query waits for an executor to copy the new snapshot into memory:
    the version before answers meanwhile, and the pool readies the new one in an extra
    executor at a time, retiring one on the old version for each (never fewer than its
    size), until every executor has the new one."""
    other = _one_quad_store(tmp_path / "other", f"{EX}new")
    live = [store_dir]
    engine = LocalEngine(lambda: live[0], workers=2)
    try:
        engine.warm()
        live[0] = other
        req, _ = prepare(f"ASK {{ <{EX}new> ?p ?o }}")
        assert json.loads(engine.execute(req).body)["boolean"] is False  # the version before
        assert _wait_for(lambda: sorted(w.opened for w in engine.pool._idle) == [
            (str(other),), (str(other),)])  # fmt: skip
        assert engine.pool._live == 2 and len(engine.pool._workers) == 2
        assert json.loads(engine.execute(req).body)["boolean"] is True
        assert engine._previous is None
    finally:
        engine.close()


def test_an_executor_busy_on_the_old_snapshot_is_retired_when_it_finishes(
    tmp_path: Path, store_dir: Path
) -> None:
    other = _one_quad_store(tmp_path / "other", f"{EX}new")
    live = [store_dir]
    engine = LocalEngine(lambda: live[0], workers=1, timeout=30)
    try:
        engine.warm()
        slow, _ = prepare(
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        )
        done: list[int] = []
        t = threading.Thread(target=lambda: done.append(engine.execute(slow).rows))
        t.start()  # the one executor is busy on the old snapshot
        time.sleep(0.3)
        live[0] = other
        req, _ = prepare(f"ASK {{ <{EX}new> ?p ?o }}")
        # Readied in an extra executor (the pool's one is busy): the new version answers.
        assert json.loads(engine.execute(req).body)["boolean"] is True
        t.join()
        assert done == [1]
        assert _wait_for(lambda: engine.pool._live == 1 and len(engine.pool._workers) == 1)
        assert [w.opened for w in engine.pool._idle] == [(str(other),)]
    finally:
        engine.close()


def test_the_service_warms_its_executors_at_start(store_dir: Path, tmp_path: Path) -> None:
    from service.sparql import get_engine

    def config(**extra: Any) -> dict[str, Any]:
        engine = LocalEngine(lambda: store_dir, workers=2)
        return {"TESTING": False, "GLOSSARY_STORE": str(tmp_path / "unused"),
                "GLOSSARY_SPARQL_ENGINE": engine, **extra}  # fmt: skip

    engine = get_engine(create_app(config()))
    assert isinstance(engine, LocalEngine)
    try:
        assert _wait_for(lambda: sorted(_workers_in_memory(engine)) == [True, True])
    finally:
        engine.close()
    engine = get_engine(create_app(config(GLOSSARY_WARM_CACHES="0")))
    assert isinstance(engine, LocalEngine)
    try:
        time.sleep(0.5)
        assert engine.pool._live == 0
    finally:
        engine.close()


def test_copying_into_memory_is_not_charged_to_the_query(tmp_path: Path) -> None:
    """The copy of a snapshot (here longer than the time limit) happens before the
    query's clock starts: a quick query on a fresh executor still answers."""
    path = tmp_path / "big"
    s = ox.Store(str(path))
    lines = "".join(f'<{EX}s{i}> <{EX}p> "{i}" <{EX}g> .\n' for i in range(150_000))
    s.bulk_load(lines.encode(), ox.RdfFormat.N_QUADS)
    s.flush()
    del s
    t = time.monotonic()
    copy = ox.Store()
    copy.extend(ox.Store.read_only(str(path)))
    copy_time = time.monotonic() - t
    del copy
    timeout = copy_time / 3
    engine = LocalEngine(lambda: path, workers=1, timeout=timeout)
    try:
        req, _ = prepare(f"ASK {{ <{EX}s7> ?p ?o }}")
        assert json.loads(engine.execute(req).body)["boolean"] is True
        assert _workers_in_memory(engine) == [True]
        assert engine.pool.killed == 0
    finally:
        engine.close()
