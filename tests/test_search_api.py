"""``GET /api/search`` and ``GET /api/related``: JSON per CONTRACT.md, problems for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_search import E1, E2, VOCAB1, VOCAB2, build_all, make_store

from service import create_app


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")  # test-only stand-in encoder
    index_dir = tmp_path / "indexes"
    build_all(make_store({"v1": VOCAB1, "v2": VOCAB2}), ["v1", "v2"], index_dir)
    app = create_app({"TESTING": True, "GLOSSARY_INDEX_DIR": str(index_dir),
                      "GLOSSARY_STORE": str(tmp_path / "store")})  # fmt: skip
    return app.test_client()


def test_search_json_shape(client) -> None:
    resp = client.get("/api/search?q=d%C3%A9j%C3%A0&lang=fr")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    (hit,) = resp.get_json()["results"]
    assert hit == {"uri": E1 + "deja", "prefLabel": "Déjà-vu", "matchedLabel": "Déjà-vu",
                   "lang": "fr", "vocab": "v1", "score": hit["score"],
                   "matchType": "prefLabel"}  # fmt: skip
    assert 0 < hit["score"] < 1


def test_search_filters_and_paging(client) -> None:
    body = client.get("/api/search?q=econ&vocab=v2").get_json()
    assert [r["uri"] for r in body["results"]] == [E2 + "economy"]
    all_ = client.get("/api/search?q=econ&limit=3").get_json()["results"]
    second = client.get("/api/search?q=econ&limit=1&offset=1").get_json()["results"]
    assert second == all_[1:2]


@pytest.mark.parametrize(
    ("query", "status", "where"),
    [
        ("", 400, "q"),
        ("?q=", 400, "q"),
        ("?q=%20%20", 400, "q"),
        ("?q=econ&limit=ten", 400, "limit"),
        ("?q=econ&limit=0", 400, "limit"),
        ("?q=econ&limit=1000", 400, "limit"),
        ("?q=econ&offset=-1", 400, "offset"),
        ("?q=econ&lang=en_GB!", 400, "lang"),
        ("?q=econ&vocab=../x", 400, "vocab"),
        ("?q=" + "x" * 600, 400, "q"),
        ("?q=econ&vocab=nope", 404, None),
    ],
)
def test_search_bad_parameters_are_problems(client, query: str, status: int, where) -> None:
    resp = client.get("/api/search" + query)
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["detail"]
    if where:
        assert body["where"] == where


def test_related_by_text_and_uri(client) -> None:
    body = client.get("/api/related?q=commerce&k=3").get_json()
    assert body["results"][0]["uri"] == E2 + "trade" and body["results"][0]["score"] == 1.0
    assert set(body["results"][0]) == {"uri", "prefLabel", "vocab", "score"}
    assert len(body["results"]) == 3
    body = client.get(f"/api/related?uri={E1}economics&k=4").get_json()
    assert E1 + "economics" not in [r["uri"] for r in body["results"]]
    assert len(body["results"]) == 4


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 400),
        (f"?q=x&uri={E1}policy", 400),
        ("?q=x&k=0", 400),
        ("?q=x&k=abc", 400),
        ("?q=x&k=101", 400),
        ("?uri=http://example.org/unknown", 404),
        (f"?uri={E1}old", 404),
        ("?q=x&vocab=nope", 404),
    ],
)
def test_related_bad_parameters_are_problems(client, query: str, status: int) -> None:
    resp = client.get("/api/related" + query)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"


def test_index_reopened_after_a_rebuild(client, tmp_path: Path) -> None:
    assert client.get("/api/search?q=trade").get_json()["results"][0]["prefLabel"] == "Trade"
    store = make_store({"v2": VOCAB2.replace('"Trade"@en', '"Trade and commerce"@en')})
    build_all(store, ["v2"], tmp_path / "indexes")
    app = client.application
    app.extensions["glossary"]["search_index"]._checked = 0.0  # skip the 1 s throttle
    hit = client.get("/api/search?q=trade").get_json()["results"][0]
    assert hit["prefLabel"] == "Trade and commerce"
