"""RemoteEngine against a scripted stand-in store (fast, exact failure modes). The real
Oxigraph server runs the protocol suite in tests/test_protocol_conformance.py."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyoxigraph as ox
import pytest

from glossary.errors import BadQuery, QueryTimeout, StoreError
from glossary.formats import RdfFormat, ResultFormat
from glossary.sparql import prepare
from glossary.sparql_remote import RemoteEngine

Handler = Callable[[BaseHTTPRequestHandler, dict[str, list[str]]], None]


@pytest.fixture
def stand_in() -> Iterator[tuple[list[Any], Callable[[Handler], str]]]:
    """A loopback HTTP server; each test sets what it answers. Records the requests."""
    seen: list[Any] = []
    behaviour: list[Handler] = []

    class H(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            seen.append((dict(self.headers), form))
            behaviour[0](self, form)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that gave up (the timeout tests) is expected here

    server = Server(("127.0.0.1", 0), H)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def start(handler: Handler) -> str:
        behaviour.append(handler)
        return f"http://127.0.0.1:{server.server_address[1]}/sparql"

    yield seen, start
    server.shutdown()
    server.server_close()


def _json_rows(n: int) -> bytes:
    rows = [{"x": {"type": "literal", "value": str(i)}} for i in range(n)]
    return json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": rows}}).encode()


def _answer(body: bytes, ctype: str, status: int = 200, **headers: str) -> Handler:
    def handle(h: BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            h.send_header(k.replace("_", "-"), v)
        h.end_headers()
        h.wfile.write(body)

    return handle


def test_forwards_a_form_and_cuts_rows(stand_in: Any) -> None:
    seen, start = stand_in
    url = start(_answer(_json_rows(30), "application/sparql-results+json"))
    engine = RemoteEngine(url, timeout=5, row_limit=10)
    req, _ = prepare("SELECT ?x { ?s ?p ?x }", accept="text/tab-separated-values",
                     default_graphs=["urn:g1"], named_graphs=["urn:g2"])  # fmt: skip
    result = engine.execute(req)
    headers, form = seen[0]
    assert form == {"query": ["SELECT ?x { ?s ?p ?x }"], "default-graph-uri": ["urn:g1"],
                    "named-graph-uri": ["urn:g2"]}  # fmt: skip
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert headers["Accept"] == "application/sparql-results+json"
    assert result.truncated and result.rows == 10
    assert result.media_type == ResultFormat.TSV.media_type
    assert result.body.splitlines()[0] == b"?x"
    assert len(result.body.splitlines()) == 11


def test_graphs_are_rewritten_in_the_negotiated_format(stand_in: Any) -> None:
    _, start = stand_in
    nt = b'<http://e/s> <http://e/p> "o"@en .\n<http://e/s> <http://e/p> <http://e/o> .\n'
    url = start(_answer(nt, "application/n-triples"))
    req, media_type = prepare("CONSTRUCT WHERE { ?s ?p ?o }", accept="application/ld+json")
    result = RemoteEngine(url).execute(req)
    assert media_type == result.media_type == RdfFormat.JSONLD.media_type
    assert len(list(ox.parse(result.body, format=ox.RdfFormat.JSON_LD))) == 2
    assert not result.truncated


def test_slow_store_times_out_within_the_limit(stand_in: Any) -> None:
    _, start = stand_in

    def slow(h: BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        time.sleep(3)
        _answer(_json_rows(1), "application/sparql-results+json")(h, form)

    url = start(slow)
    t = time.monotonic()
    with pytest.raises(QueryTimeout) as info:
        RemoteEngine(url, timeout=1).execute(prepare("SELECT * { ?s ?p ?o }")[0])
    assert time.monotonic() - t < 2.5
    assert "timed out after 1 s" in info.value.message


def test_a_trickling_store_is_cut_at_the_deadline(stand_in: Any) -> None:
    _, start = stand_in
    body = _json_rows(5)

    def trickle(h: BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/sparql-results+json")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for i in range(len(body)):  # each byte well within a socket timeout, never done
            h.wfile.write(body[i : i + 1])
            h.wfile.flush()
            time.sleep(0.05)

    url = start(trickle)
    t = time.monotonic()
    with pytest.raises(QueryTimeout):
        RemoteEngine(url, timeout=1).execute(prepare("SELECT * { ?s ?p ?o }")[0])
    assert time.monotonic() - t < 2.5


def test_virtuoso_partial_answer_is_a_timeout(stand_in: Any) -> None:
    _, start = stand_in
    partial = _answer(_json_rows(3), "application/sparql-results+json", X_SQL_State="S1TAT",
                      X_SQL_Message="RC...: Returning incomplete results")  # fmt: skip
    url = start(partial)
    with pytest.raises(QueryTimeout) as info:
        RemoteEngine(url).execute(prepare("SELECT * { ?s ?p ?o }")[0])
    assert "partial answer" in info.value.message
    assert "S1TAT" in info.value.message


def test_store_errors(stand_in: Any) -> None:
    _, start = stand_in
    url = start(_answer(b"Parse error: line 1", "text/plain", status=400))
    with pytest.raises(BadQuery) as bad:
        RemoteEngine(url).execute(prepare("SELECT * { ?s ?p ?o }")[0])
    assert "Parse error: line 1" in bad.value.message


def test_store_failure_is_503_kind(stand_in: Any) -> None:
    _, start = stand_in
    url = start(_answer(b"boom", "text/plain", status=500))
    with pytest.raises(StoreError) as err:
        RemoteEngine(url).execute(prepare("SELECT * { ?s ?p ?o }")[0])
    assert err.value.http_status == 503


def test_refused_queries_never_leave(stand_in: Any) -> None:
    seen, start = stand_in
    url = start(_answer(_json_rows(1), "application/sparql-results+json"))
    engine = RemoteEngine(url)
    for q in [
        "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "INSERT DATA { <a> <b> <c> }",
        'DEFINE get:soft "soft" SELECT * FROM <http://127.0.0.1:9/x> { ?s ?p ?o }',
    ]:
        with pytest.raises(BadQuery):
            engine.execute(_unchecked(q))
    assert seen == []


def _unchecked(query: str) -> Any:
    """A request that skipped prepare()'s checks: the engine must check again."""
    from glossary.sparql import QueryRequest

    return QueryRequest(query=query)


def test_bad_endpoint_setting() -> None:
    with pytest.raises(StoreError):
        RemoteEngine("ftp://example.org/sparql")
