"""The JSON API: /api/vocabularies, /api/concepts, and the tree endpoints."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from e2e.support import LD, build_ld_store, make_app


@pytest.fixture(scope="module")
def client(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = build_ld_store(tmp_path_factory.mktemp("ldapi"))
    return make_app(path).test_client()


def get(client, path: str, status: int = 200):  # type: ignore[no-untyped-def]
    resp = client.get(path)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    if status >= 400:
        assert resp.mimetype == "application/problem+json"
        body = resp.get_json(force=True)
        assert body["status"] == status and body["detail"]
        return body
    assert resp.mimetype == "application/json"
    return resp.get_json()


def test_vocabularies(client):  # type: ignore[no-untyped-def]
    data = get(client, "/api/vocabularies")
    by_id = {v["id"]: v for v in data["vocabularies"]}
    assert set(by_id) == {"ldtest", "hashvocab"}
    ld = by_id["ldtest"]
    assert ld["uri"] == "https://w3id.org/semantic-glossary/ldtest"
    assert ld["title"] == "LD test vocabulary"
    assert ld["concepts"] == 6
    assert ld["languages"][0] == "en" and set(ld["languages"]) == {"en", "fr", "de"}


def test_concept_json(client):  # type: ignore[no-untyped-def]
    c = get(client, "/api/concepts?uri=" + quote(LD + "community-led", safe=""))
    assert c["uri"] == LD + "community-led"
    assert c["prefLabel"] == "community-led"
    assert c["prefLabels"]["fr"] == "mené par la communauté"
    assert c["altLabel"] == []
    (d,) = c["definitions"]
    assert d["text"] == "Community being prioritised in terms of mission and values."
    assert d["creator"] == {"uri": LD + "_agent/tom-ross", "name": "Tom Ross"}
    assert d["source"]["url"] == "https://example.org/forum/community-led"
    assert d["locator"] == "reply"
    assert c["broader"] == [
        {"uri": LD + "community", "prefLabel": "community"},
        {"uri": LD + "leadership", "prefLabel": "leadership"},
    ]
    assert c["related"] == [{"uri": LD + "member", "prefLabel": "member"}]
    assert c["narrower"] == []
    assert [s["uri"] for s in c["schemes"]] == ["https://w3id.org/semantic-glossary/ldtest"]
    assert c["deprecated"] is False


def test_concept_json_lang_mappings_and_narrower(client):  # type: ignore[no-untyped-def]
    c = get(client, "/api/concepts?lang=fr&uri=" + quote(LD + "community", safe=""))
    assert c["prefLabel"] == "communauté" and c["lang"] == "fr"
    assert c["mappings"] == {
        "exactMatch": [{"uri": "http://example.org/other/community", "prefLabel": "community"}]
    }
    # narrower concepts stated only as skos:broader on the narrower side, labels in fr
    labels = [n["prefLabel"] for n in c["narrower"]]
    assert "mené par la communauté" in labels and len(labels) == 3
    assert c["altLabels"] == {"en": ["communities"]}
    assert c["notes"]["scopeNote"] == [{"text": "Used broadly.", "lang": "en"}]
    assert c["collections"] == [{"uri": LD + "_tag/people", "prefLabel": "people"}]


def test_deprecated_concept_json_names_replacement(client):  # type: ignore[no-untyped-def]
    c = get(client, "/api/concepts?uri=" + quote(LD + "old-term", safe=""))
    assert c["deprecated"] is True
    assert c["replacedBy"] == [{"uri": LD + "community-led", "prefLabel": "community-led"}]


def test_hash_concept_json(client):  # type: ignore[no-untyped-def]
    c = get(client, "/api/concepts?uri=" + quote("http://example.org/hashvocab#C2", safe=""))
    assert c["broader"] == [
        {"uri": "http://example.org/hashvocab#C1", "prefLabel": "first hash concept"}
    ]
    assert c["vocab"] == "hashvocab"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/concepts", 400),
        ("/api/concepts?uri=", 400),
        ("/api/concepts?uri=nonsense", 400),
        ("/api/concepts?uri=" + quote("http://[", safe=""), 400),
        ("/api/children?uri=" + quote("http://x/%zz{", safe=""), 400),
        ("/api/concepts?uri=" + quote("http://example.org/unknown", safe=""), 404),
        ("/api/concepts?lang=%3Cb%3E&uri=" + quote(LD + "community", safe=""), 400),
        ("/api/children", 400),
        ("/api/children?limit=0&uri=" + quote(LD + "community", safe=""), 400),
        ("/api/children?limit=x&uri=" + quote(LD + "community", safe=""), 400),
        ("/api/topconcepts", 400),
        ("/api/topconcepts?vocab=nope", 404),
    ],
)
def test_errors_are_problem_details(client, path, status):  # type: ignore[no-untyped-def]
    get(client, path, status)


def test_children_and_top_concepts(client):  # type: ignore[no-untyped-def]
    top = get(client, "/api/topconcepts?vocab=ldtest")
    assert [(n["prefLabel"], n["hasChildren"]) for n in top["topConcepts"]] == [
        ("community", True),
        ("leadership", True),
    ]
    kids = get(client, "/api/children?uri=" + quote(LD + "community", safe=""))
    assert [n["prefLabel"] for n in kids["children"]] == [
        "<script>alert(1)</script> <b>bold</b>",
        "community-led",
        "member",
    ]
    assert kids["more"] == 0
    one = get(client, "/api/children?limit=1&uri=" + quote(LD + "community", safe=""))
    assert len(one["children"]) == 1 and one["more"] == 2
    # a vocabulary without top concepts stated falls back to its roots
    roots = get(client, "/api/topconcepts?vocab=hashvocab")
    assert [n["prefLabel"] for n in roots["topConcepts"]] == ["first hash concept"]


def test_children_of_one_vocabulary(client):  # type: ignore[no-untyped-def]
    uri = quote(LD + "community", safe="")
    mine = get(client, f"/api/children?vocab=ldtest&uri={uri}")
    assert len(mine["children"]) == 3
    other = get(client, f"/api/children?vocab=hashvocab&uri={uri}")
    assert other["children"] == []
    get(client, f"/api/children?vocab=nope&uri={uri}", 404)
