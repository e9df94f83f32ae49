"""``POST /api/validate``: the body's Content-Type picks the parser; never a 500."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import STORE_DATA

from service import create_app

MINI = (STORE_DATA / "mini.ttl").read_bytes()
INVALID = (STORE_DATA / "invalid.ttl").read_bytes()
BROKEN = (STORE_DATA / "broken.ttl").read_bytes()
PROBLEM = "application/problem+json"


def post(client, body: bytes, content_type: str | None, **headers: str):  # type: ignore[no-untyped-def]
    if content_type is not None:
        headers["Content-Type"] = content_type
    return client.post("/api/validate", data=body, headers=headers)


def test_conforming_turtle(client) -> None:  # type: ignore[no-untyped-def]
    resp = post(client, MINI, "text/turtle; charset=utf-8")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["conforms"] is True
    # Warnings are allowed; each result has the contract's keys.
    for r in body["results"]:
        assert set(r) >= {"focusNode", "path", "severity", "message", "shape"}
        assert r["severity"] != "Violation"


def test_violations_are_reported(client) -> None:  # type: ignore[no-untyped-def]
    # a has two English prefLabels (S14: a Violation in every profile); b has none, which
    # SKOS allows: a Warning in the skos profile the data asks for by default.
    resp = post(client, INVALID, "text/turtle")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["conforms"] is False
    assert body["profile"] == "skos"
    violations = {r["focusNode"] for r in body["results"] if r["severity"] == "Violation"}
    assert violations == {"https://example.org/invalid/a"}
    assert {r["profile"] for r in body["results"]} == {"skos"}


def test_profile_parameter(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(
        "/api/validate?profile=glossary", data=INVALID, headers={"Content-Type": "text/turtle"}
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["profile"] == "glossary"
    violations = {r["focusNode"] for r in body["results"] if r["severity"] == "Violation"}
    assert violations == {"https://example.org/invalid/a", "https://example.org/invalid/b"}
    assert {r["profile"] for r in body["results"]} == {"glossary"}


def test_unknown_profile_is_400(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(
        "/api/validate?profile=strict", data=MINI, headers={"Content-Type": "text/turtle"}
    )
    assert resp.status_code == 400
    assert resp.mimetype == PROBLEM
    problem = resp.get_json(force=True)
    assert problem["where"] == "profile"
    assert "profile=skos" in problem["detail"] + problem.get("hint", "")


def test_other_syntaxes(client) -> None:  # type: ignore[no-untyped-def]
    nt = (b'<https://example.org/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
          b'<http://www.w3.org/2004/02/skos/core#Concept> .\n')  # fmt: skip
    resp = post(client, nt, "application/n-triples")
    assert resp.status_code == 200
    body = resp.get_json()  # a concept without a prefLabel: SKOS allows it, a Warning
    assert body["conforms"] is True and body["profile"] == "skos"
    assert any(r["shape"].endswith("#ConceptHasPrefLabel") for r in body["results"])
    skos = "http://www.w3.org/2004/02/skos/core#"
    doc = {"@id": "https://example.org/y", "@type": f"{skos}Concept",
           f"{skos}prefLabel": {"@value": "y", "@language": "en"}}  # fmt: skip
    resp = post(client, json.dumps(doc).encode(), "application/ld+json")
    assert resp.status_code == 200
    focus = {r["focusNode"] for r in resp.get_json()["results"]}
    assert "https://example.org/y" in focus  # read, and checked (e.g. undocumented)


def test_gzip_body(client) -> None:  # type: ignore[no-untyped-def]
    resp = post(client, gzip.compress(INVALID), "text/turtle", **{"Content-Encoding": "gzip"})
    assert resp.status_code == 200
    assert resp.get_json()["conforms"] is False


@pytest.mark.parametrize(
    ("body", "ctype", "headers", "where", "detail"),
    [
        (BROKEN, "text/turtle", {}, "request body:7", "not valid Turtle"),
        (b"", "text/turtle", {}, "request body", "empty"),
        (b"not gzip", "text/turtle", {"Content-Encoding": "gzip"}, "request body", "gzip"),
        (gzip.compress(MINI)[:40], "text/turtle", {"Content-Encoding": "gzip"}, "request body",
         "truncated"),
        (b'{"@context": "https://schema.org/", "name": "x"}', "application/ld+json", {},
         "request body", "remote contexts"),
        (b"\xff\xfe<a", "text/turtle", {}, "request body:1", "UTF-8"),
    ],
)  # fmt: skip
def test_unreadable_body_is_400(client, body, ctype, headers, where, detail) -> None:  # type: ignore[no-untyped-def]
    resp = post(client, body, ctype, **headers)
    assert resp.status_code == 400
    assert resp.mimetype == PROBLEM
    problem = resp.get_json(force=True)
    assert problem["where"] == where
    assert detail in problem["detail"]


@pytest.mark.parametrize("ctype", ["text/html", "application/json", "", None])
def test_unknown_content_type_is_415(client, ctype) -> None:  # type: ignore[no-untyped-def]
    resp = post(client, MINI, ctype)
    assert resp.status_code == 415
    assert resp.mimetype == PROBLEM
    problem = resp.get_json(force=True)
    assert "text/turtle" in problem["supported"]
    assert "application/ld+json" in problem["supported"]


def test_unknown_content_encoding_is_415(client) -> None:  # type: ignore[no-untyped-def]
    resp = post(client, MINI, "text/turtle", **{"Content-Encoding": "br"})
    assert resp.status_code == 415
    assert resp.get_json(force=True)["supported"] == ["gzip", "identity"]


def test_size_limit_is_413(store_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(store_path),
                      "GLOSSARY_VALIDATE_MAX_BYTES": 1000})  # fmt: skip
    client = app.test_client()
    assert len(MINI) > 1000
    resp = post(client, MINI, "text/turtle")
    assert resp.status_code == 413
    assert resp.mimetype == PROBLEM
    # A small gzip body that inflates past the limit is refused too (no zip bombs).
    bomb = gzip.compress(b"#" * 500_000)
    assert len(bomb) < 1000
    resp = post(client, bomb, "text/turtle", **{"Content-Encoding": "gzip"})
    assert resp.status_code == 413
    small = b"<https://example.org/a> <https://example.org/p> 1 .\n"
    assert post(client, small, "text/turtle").status_code == 200
