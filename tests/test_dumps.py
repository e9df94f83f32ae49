"""Full dumps (generated once per store version, cached on disk) and VoID."""

from __future__ import annotations

import pyoxigraph
import pytest
from e2e.support import LD, build_ld_store, make_app

VOID = "http://rdfs.org/ns/void#"


@pytest.fixture(scope="module")
def app(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = build_ld_store(tmp_path_factory.mktemp("lddumps"))
    return make_app(path)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def _get(client, path: str, **headers: str):  # type: ignore[no-untyped-def]
    resp = client.get(path, headers=headers)
    body = resp.get_data()
    resp.close()
    return resp, body


@pytest.mark.parametrize(
    ("suffix", "media_type", "fmt"),
    [
        ("ttl", "text/turtle", pyoxigraph.RdfFormat.TURTLE),
        ("nt", "application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
        ("jsonld", "application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
        ("rdf", "application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
    ],
)
def test_dump_holds_the_whole_vocabulary(client, suffix, media_type, fmt):  # type: ignore[no-untyped-def]
    resp, body = _get(client, f"/dumps/ldtest.{suffix}")
    assert resp.status_code == 200
    assert resp.mimetype == media_type
    assert resp.headers.get("ETag")
    store = pyoxigraph.Store()
    store.load(body, format=fmt)
    assert len(store) == 84  # the triples counted at load time
    concept = pyoxigraph.NamedNode(LD + "community-led")
    assert list(store.quads_for_pattern(concept, None, None))


def test_dump_is_written_once_per_store_version(app, client):  # type: ignore[no-untyped-def]
    from pathlib import Path

    directory = Path(app.config["DUMPS_DIR"])
    _get(client, "/dumps/hashvocab.nt")
    (path,) = directory.glob("hashvocab-*.nt")
    # a marker in the cached file proves the next request serves it, not a new dump
    path.write_bytes(path.read_bytes() + b"# cached\n")
    mtime = path.stat().st_mtime_ns
    resp, body = _get(client, "/dumps/hashvocab.nt")
    assert body.endswith(b"# cached\n")
    assert path.stat().st_mtime_ns == mtime
    # a conditional request is answered 304
    again = client.get("/dumps/hashvocab.nt", headers={"If-None-Match": resp.headers["ETag"]})
    again.close()
    assert again.status_code == 304


def test_unknown_dumps(client):  # type: ignore[no-untyped-def]
    resp, _ = _get(client, "/dumps/nope.ttl")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    resp, _ = _get(client, "/dumps/ldtest.png")
    assert resp.status_code == 404


def _void(client, **headers: str) -> pyoxigraph.Store:  # type: ignore[no-untyped-def]
    resp, body = _get(client, "/.well-known/void", **headers)
    assert resp.status_code == 200
    fmt = pyoxigraph.RdfFormat.from_media_type(resp.mimetype)
    store = pyoxigraph.Store()
    store.load(body, format=fmt)
    return store


def test_void_describes_each_vocabulary(client):  # type: ignore[no-untyped-def]
    resp, _ = _get(client, "/.well-known/void")
    assert resp.mimetype == "text/turtle"  # the default
    assert "Accept" in resp.headers["Vary"]
    store = _void(client)
    rows = store.query(
        """PREFIX void: <http://rdfs.org/ns/void#> PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?id ?triples ?entities ?sparql ?license WHERE {
          ?ds a void:Dataset ; dct:identifier ?id ; void:triples ?triples ;
              void:entities ?entities ; void:sparqlEndpoint ?sparql .
          OPTIONAL { ?ds dct:license ?license }
        } ORDER BY ?id"""
    )
    got = [
        (
            r["id"].value,
            int(r["triples"].value),
            int(r["entities"].value),
            r["license"].value if r["license"] else None,
        )
        for r in rows
    ]
    assert got == [
        ("hashvocab", 16, 4, None),
        ("ldtest", 84, 6, "https://creativecommons.org/licenses/by/4.0/"),
    ]
    dumps = {
        r["d"].value
        for r in store.query("SELECT ?d WHERE { ?ds <http://rdfs.org/ns/void#dataDump> ?d }")
    }
    assert "http://localhost/dumps/ldtest.ttl" in dumps and len(dumps) == 8
    for url in dumps:
        resp, _ = _get(client, url.removeprefix("http://localhost"))
        assert resp.status_code == 200


def test_void_is_negotiated(client):  # type: ignore[no-untyped-def]
    resp, _ = _get(client, "/.well-known/void", Accept="application/ld+json")
    assert resp.mimetype == "application/ld+json"
    assert len(_void(client, Accept="application/rdf+xml")) == len(_void(client))
    resp, body = _get(client, "/.well-known/void", Accept="image/png")
    assert resp.status_code == 406 and b"offered" in body
    resp, _ = _get(client, "/.well-known/void?format=nt")
    assert resp.mimetype == "application/n-triples"
