"""Hostile RDF is refused before the parser sees it, with a clear 4xx (exit 2 on the
command line), no outbound connection and no crash: nested XML entities ("billion
laughs"), external and parameter entities, remote JSON-LD contexts, JSON-LD nested
deeper than the parser's stack, bad encodings. Each case was seen to misbehave before
the guard (glossary/rdfguard.py): billion laughs took 40 s and answered 200, JSON-LD
nested 5,000 deep killed the process with a segmentation fault."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from glossary.errors import InputError
from glossary.formats import RdfFormat
from glossary.rdfguard import MAX_JSON_DEPTH
from glossary.rdfio import parse_bytes
from service import create_app

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#"'


def rdfxml(doctype: str, label: str) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{doctype}]>\n<rdf:RDF {RDF}>'
        f'<skos:Concept rdf:about="http://example.org/x"><skos:prefLabel>{label}'
        "</skos:prefLabel></skos:Concept></rdf:RDF>"
    ).encode()


LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback port that records every connection made to it."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            seen.append(conn.recv(200))
            conn.close()

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1], seen
    stop.set()
    t.join()
    srv.close()


def hostile(port: int) -> dict[str, tuple[str, bytes, str]]:
    """name -> (Content-Type, body, what the error says)."""
    deep = b'{"@id": "http://example.org/x", "http://example.org/p": ' * 5000
    return {
        "billion laughs": ("application/rdf+xml", rdfxml(LAUGHS, "&lol9;"), "expand to more than"),
        "external file entity": (
            "application/rdf+xml",
            rdfxml('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
            "external (SYSTEM) entity",
        ),
        "external URL entity": (
            "application/rdf+xml",
            rdfxml(f'<!ENTITY xxe SYSTEM "http://127.0.0.1:{port}/x">', "&xxe;"),
            "never reads other files or the network",
        ),
        "parameter entity": (
            "application/rdf+xml",
            rdfxml(f'<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p.dtd"> %p;', "x"),
            "parameter entity",
        ),
        "self-referencing entity": (
            "application/rdf+xml",
            rdfxml('<!ENTITY a "&b;"><!ENTITY b "&a;">', "&a;"),
            "refers to itself",
        ),
        "remote JSON-LD context": (
            "application/ld+json",
            b'{"@context": "http://127.0.0.1:%d/ctx.jsonld", "@id": "http://example.org/x", '
            b'"prefLabel": "x"}' % port,
            "remote context",
        ),
        "deep JSON-LD": ("application/ld+json", deep + b"{}" + b"}" * 5000, "levels deep"),
        "bad encoding": (
            "text/turtle",
            b'<http://example.org/x> <http://example.org/p> "\xff\xfe" .',
            "not valid Turtle",
        ),
    }


def test_every_hostile_body_is_a_clear_400_and_nothing_leaves(
    listener: tuple[int, list[bytes]],
) -> None:
    port, seen = listener
    client = create_app({"TESTING": True}).test_client()
    for name, (content_type, body, says) in hostile(port).items():
        resp = client.post("/api/validate", data=body, content_type=content_type)
        assert resp.status_code == 400, (name, resp.get_data()[:300])
        assert resp.mimetype == "application/problem+json", name
        problem = resp.get_json()
        assert says.lower() in (problem["detail"] + " " + problem.get("hint", "")).lower(), (
            name,
            problem,
        )
        assert b"root:" not in resp.get_data(), name
    assert seen == []  # no request reached the listener


def test_the_command_line_refuses_them_too(
    tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, seen = listener
    suffix = {
        "application/rdf+xml": ".rdf",
        "application/ld+json": ".jsonld",
        "text/turtle": ".ttl",
    }
    for i, (name, (content_type, body, says)) in enumerate(hostile(port).items()):
        path = tmp_path / f"case{i}{suffix[content_type]}"
        path.write_bytes(body)
        done = subprocess.run(
            [sys.executable, "-m", "glossary", "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2, (name, done.stdout, done.stderr)
        assert says.lower() in done.stderr.lower(), (name, done.stderr)
        assert "Traceback" not in done.stderr, name
    assert seen == []


def test_entities_as_vocabularies_use_them_still_read() -> None:
    doc = rdfxml(
        '<!ENTITY ex "http://example.org/"><!ENTITY skos "http://www.w3.org/2004/02/skos/core#">',
        "Caf&#233; &amp; bar",
    ).replace(b'rdf:about="http://example.org/x"', b'rdf:about="&ex;x"')
    triples = parse_bytes(doc, RdfFormat.RDFXML, where="t")
    assert {t.subject.value for t in triples} == {"http://example.org/x"}
    assert {t.object.value for t in triples if t.predicate.value.endswith("prefLabel")} == {
        "Café & bar"
    }


def test_json_nesting_up_to_the_limit_is_read() -> None:
    inner = b'{"@id": "http://example.org/x", "http://example.org/p": ' * (MAX_JSON_DEPTH - 1)
    doc = inner + b'"v"' + b"}" * (MAX_JSON_DEPTH - 1)
    assert len(parse_bytes(doc, RdfFormat.JSONLD, where="t")) == MAX_JSON_DEPTH - 1
    with pytest.raises(InputError, match="levels deep"):
        parse_bytes(b"[[" + doc + b"]]", RdfFormat.JSONLD, where="t")


@pytest.mark.parametrize(
    ("method", "field"), [("POST", "queries"), ("GET", "queries"), ("POST", "extend")]
)
def test_json_parameters_nested_past_the_stack_are_a_400(
    store_path: Path, method: str, field: str
) -> None:
    """Python's json raises RecursionError, not ValueError, on deep nesting: it was a 500."""
    client = create_app({"TESTING": True, "GLOSSARY_STORE": str(store_path)}).test_client()
    deep = "[" * 100_000 + "]" * 100_000
    if method == "POST":
        resp = client.post("/reconcile", data={field: deep})
    else:
        resp = client.get("/reconcile", query_string={field: deep})
    assert resp.status_code == 400, resp.get_data()[:300]
    assert "nested too deeply" in resp.get_json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../../../etc/passwd",
        "/dumps/..%2F..%2Fetc%2Fpasswd.ttl",
        "/dumps/%2e%2e%2fstore.ttl",
        "/static/../../../etc/passwd",
        "/static/..%2f..%2fetc/passwd",
        "/rest/v1/..%2F..%2Fetc/data",
        "/community/..%2F..%2F..%2Fetc%2Fpasswd",
        "/resource?uri=file:///etc/passwd",
        "/api/concepts?uri=file:///etc/passwd",
        "/rest/v1/mini/data?uri=file:///etc/passwd",
    ],
)
def test_paths_out_of_the_service_are_not_found(client, path: str) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(path)
    assert resp.status_code in (400, 404), resp.status_code
    assert b"root:" not in resp.get_data()
