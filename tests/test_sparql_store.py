"""``/sparql`` and ``glossary query`` on the real store (tests/conftest.py's session
store: vocabulary ``mini`` loaded through the real load path)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from glossary.cli import main

SKOS = "http://www.w3.org/2004/02/skos/core#"
MINI = "https://example.org/mini/"


def test_service_wires_the_store_by_default(client: Any) -> None:
    q = f"SELECT ?l WHERE {{ <{MINI}apple> <{SKOS}prefLabel> ?l }} ORDER BY ?l"
    resp = client.get("/sparql", query_string={"query": q})
    assert resp.status_code == 200, resp.get_data()
    labels = [b["l"]["value"] for b in resp.get_json()["results"]["bindings"]]
    assert labels == ["Apfel", "apple"]  # the union default graph holds the vocabulary
    graph = "urn:x-glossary:vocab:mini"
    resp = client.get("/sparql", query_string={
        "query": f"ASK {{ GRAPH <{graph}> {{ <{MINI}apple> ?p ?o }} }}"})  # fmt: skip
    assert resp.get_json()["boolean"] is True
    sd = client.get("/sparql", headers={"Accept": "application/n-triples"})
    assert f"<{graph}>".encode() in sd.get_data()


def test_settings_come_from_app_config(store_path: Path) -> None:
    from service import create_app

    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(store_path),
                      "GLOSSARY_SPARQL_ROW_LIMIT": 3, "GLOSSARY_SPARQL_TIMEOUT": 4})  # fmt: skip
    client = app.test_client()
    resp = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert resp.status_code == 200
    assert len(resp.get_json()["results"]["bindings"]) == 3
    assert resp.headers["X-Result-Limit"] == "3"
    html = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "stop after 4 s" in html


def test_remote_endpoint_setting_is_used(store_path: Path) -> None:
    from service import create_app

    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(store_path),
                      "GLOSSARY_SPARQL_ENDPOINT": "http://127.0.0.1:9/sparql",
                      "GLOSSARY_SPARQL_TIMEOUT": 2})  # fmt: skip
    resp = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert resp.status_code == 503  # port 9 (discard) is closed: the store is unreachable
    problem = resp.get_json()
    assert "cannot be reached" in problem["detail"]
    assert problem["where"] == "http://127.0.0.1:9/sparql"


def test_store_not_ready_is_503(tmp_path: Path) -> None:
    from service import create_app

    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path / "missing")})
    resp = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"


# --------------------------------------------------------------------------- the CLI


def test_cli_table(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q = f"SELECT ?c ?l {{ ?c <{SKOS}prefLabel> ?l FILTER(LANG(?l) = 'en') }} ORDER BY ?c"
    assert main(["query", q, "--store", str(store_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["c", "l"]
    assert out[2].split() == [f"{MINI}apple", "apple@en"]
    assert out[-1].startswith("(") and "rows)" in out[-1]


def test_cli_formats_and_file(store_path: Path, tmp_path: Path,
                              capsysbinary: pytest.CaptureFixture[bytes]) -> None:  # fmt: skip
    rq = tmp_path / "apple.rq"
    rq.write_text(f"# the apple\nCONSTRUCT WHERE {{ <{MINI}apple> ?p ?o }}\n", encoding="utf-8")
    assert main(["query", f"@{rq}", "--store", str(store_path)]) == 0
    turtle = capsysbinary.readouterr().out
    triples = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    assert len(triples) > 3
    assert main(["query", f"@{rq}", "--store", str(store_path), "--format", "nt"]) == 0
    assert len(capsysbinary.readouterr().out.splitlines()) == len(triples)
    assert main(["query", "SELECT ?s { ?s ?p ?o } LIMIT 5", "--store", str(store_path),
                 "--format", "csv", "--limit", "2"]) == 0  # fmt: skip
    captured = capsysbinary.readouterr()
    assert captured.out.splitlines()[0] == b"s"
    assert len(captured.out.splitlines()) == 3
    assert b"cut at 2 rows" in captured.err


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE { ?s ?p }", "query:1:"),
        ("INSERT DATA { <a> <b> <c> }", "read-only"),
        ("SELECT * { SERVICE <http://127.0.0.1:9/> { } }", "SERVICE"),
        ("@/no/such/file.rq", "no such query file"),
    ],
)
def test_cli_bad_query_exits_2(store_path: Path, capsys: pytest.CaptureFixture[str],
                               query: str, message: str) -> None:  # fmt: skip
    assert main(["query", query, "--store", str(store_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("glossary query: error:")
    assert message in err


def test_cli_table_is_not_for_graphs(store_path: Path, capsys: pytest.CaptureFixture[str]
                                     ) -> None:  # fmt: skip
    assert main(["query", "CONSTRUCT WHERE { ?s ?p ?o }", "--store", str(store_path),
                 "--format", "table"]) == 2  # fmt: skip
    assert "turtle" in capsys.readouterr().err
