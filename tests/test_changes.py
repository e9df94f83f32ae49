"""The change feed (glossary/changes.py, glossary/atom.py, service/changes.py): two
versions of a vocabulary loaded into a real store, and the JSON and the Atom feed
checked against the exact difference; failed and killed loads record nothing."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
import signal
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import pyoxigraph
import pytest
from conftest import DATA, oxigraph_exe, oxigraph_server
from test_store import _kill, _start_load

from glossary import changes as changes_module
from glossary.atom import ATOM
from glossary.changes import History, canonical_blank_nodes, compare, parse_since
from glossary.errors import InputError, StoreError, ValidationFailed
from glossary.store import Store, graph_iri
from service import create_app

V1 = DATA / "changes" / "colours-v1.ttl"
V2 = DATA / "changes" / "colours-v2.ttl"
INVALID = DATA / "store" / "invalid.ttl"
BROKEN = DATA / "store" / "broken.ttl"
EX = "https://example.org/colours/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

#: The difference between colours-v1.ttl and colours-v2.ttl, read off the two files:
#: (uri, change, properties, prefLabel in English, replacements).
EXPECTED = [
    ("violet", "added", [], "violet", []),
    ("blue", "changed", ["skos:definition"], "blue", []),
    ("green", "changed", ["skos:prefLabel"], "green (leaf)", []),
    ("old-grey", "changed", ["skos:prefLabel"], "grey (obsolete)", []),
    ("teal", "changed", ["skos:broader"], "teal", []),
    ("cyan", "deprecated", ["dct:isReplacedBy", "owl:deprecated"], "cyan", [("teal", "teal")]),
    ("magenta", "deprecated", ["dct:isReplacedBy"], "magenta", [("red", "red")]),
    ("brown", "removed", [], "brown", []),
]


@pytest.fixture(autouse=True)
def _light_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")


@pytest.fixture
def two_versions(tmp_path: Path) -> Path:
    """A store with colours-v1 (version 1), then colours-v2 in its place (version 2)."""
    path = tmp_path / "st"
    with Store.open(path, read_only=False) as store:
        store.load([V1], vocab_id="colours")
        store.load([V2], vocab_id="colours", replace=True)
    return path


def _client(path: Path, **config: Any) -> Any:
    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(path),
                      "GLOSSARY_WARM_CACHES": False, **config})  # fmt: skip
    return app.test_client()


def _history(path: Path) -> list[dict[str, Any]]:
    with Store.open(path) as store:
        return [r.to_json() for r in History.read(path, store.snapshot).records]


# --------------------------------------------------------------------------- comparing


def _lines(turtle: str) -> set[str]:
    ox = pyoxigraph.Store()
    ox.load(turtle.encode(), pyoxigraph.RdfFormat.TURTLE, to_graph=pyoxigraph.NamedNode("urn:g"))
    return changes_module.graph_lines(ox, "urn:g")


def test_blank_nodes_compare_by_what_they_say() -> None:
    head = "@prefix s: <http://www.w3.org/2004/02/skos/core#> . <urn:c> a s:Concept ; "
    one = _lines(head + 's:definition [ s:note "x" ; s:note [ s:note "deep" ] ] .')
    same = _lines(head + 's:definition [ s:note [ s:note "deep" ] ; s:note "x" ] .')
    other = _lines(head + 's:definition [ s:note "x" ; s:note [ s:note "deeper" ] ] .')
    assert one == same
    assert compare(one, same) == ([], 0)
    got, others = compare(one, other)
    assert [(c.uri, c.kind, c.properties) for c in got] == [
        ("urn:c", "changed", [SKOS + "definition"])
    ]
    assert others == 0
    # A cycle of blank nodes does not loop.
    assert canonical_blank_nodes({"_:a <urn:p> _:b .", "_:b <urn:p> _:a ."})


def test_a_concept_that_gains_a_type_is_added_and_other_subjects_are_counted() -> None:
    old = _lines('<urn:x> <urn:p> "1" . <urn:s> <urn:t> "old" .')
    new = _lines(
        '<urn:x> <urn:p> "1" ; a <http://www.w3.org/2004/02/skos/core#Concept> . '
        '<urn:s> <urn:t> "new" .'
    )
    got, others = compare(old, new)
    assert [(c.uri, c.kind) for c in got] == [("urn:x", "added")]
    assert others == 1


@pytest.mark.parametrize(
    ("text", "version", "time"),
    [
        ("7", 7, None),
        ("2026-12-01", None, "2026-12-01T00:00:00+00:00"),
        ("2026-12-01T10:00:00Z", None, "2026-12-01T10:00:00+00:00"),
        ("2026-12-01T10:00:00+02:00", None, "2026-12-01T10:00:00+02:00"),
        ("2026-12-01T10:00:00 02:00", None, "2026-12-01T10:00:00+02:00"),
        ("", None, None),
    ],
)
def test_since_is_a_version_or_a_time(text: str, version: int | None, time: str | None) -> None:
    since = parse_since(text)
    assert since.version == version
    assert (since.time.isoformat() if since.time else None) == time


@pytest.mark.parametrize("bad", ["yesterday", "-3", "2026-13-01", "12.5", "2026-12-01T25:00"])
def test_a_bad_since_says_how_to_fix_it(bad: str) -> None:
    with pytest.raises(InputError) as err:
        parse_since(bad)
    assert err.value.where == "since"
    assert "ISO 8601" in (err.value.hint or "") and "version" in (err.value.hint or "")


# --------------------------------------------------------------------------- recording


def test_two_versions_record_the_exact_difference(two_versions: Path) -> None:
    first, second = _history(two_versions)
    assert first["version"] == 1 and first["first"] and first["changes"] == []
    assert first["concepts"] == 9 and first["source"] == "colours-v1.ttl"
    assert second["version"] == 2 and not second["first"]
    assert second["previousSource"] == "colours-v1.ttl" and second["source"] == "colours-v2.ttl"
    assert second["previousLoadedAt"] == first["loadedAt"]
    assert second["others"] == 1  # the scheme's new title
    got = [
        (c["uri"].removeprefix(EX), c["change"],
         [changes_module.short(p) for p in c["properties"]], c["labels"].get("en"),
         [(r["uri"].removeprefix(EX), r["labels"].get("en")) for r in c["replacedBy"]])
        for c in second["changes"]
    ]  # fmt: skip
    assert got == EXPECTED
    # Removed concepts keep the labels they had.
    brown = second["changes"][-1]
    assert brown["labels"] == {"de": "braun", "en": "brown"}


def test_reloading_the_same_file_records_no_change_without_comparing(
    two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_compare(*args: object) -> None:
        raise AssertionError("the same content was compared")

    monkeypatch.setattr(changes_module, "compare", no_compare)
    with Store.open(two_versions, read_only=False) as store:
        result = store.load([V2], vocab_id="colours", replace=True)
    last = _history(two_versions)[-1]
    assert last["version"] == result.snapshot == 3
    assert last["changes"] == [] and not last["first"] and last["others"] == 0
    assert "changes" in result.timings


def test_several_vocabularies_in_one_load_are_one_version(tmp_path: Path) -> None:
    path = tmp_path / "st"
    with Store.open(path, read_only=False) as store:
        store.load([V1, DATA / "store" / "mini.ttl"])
        store.load([V2], vocab_id="colours-v1", replace=True)
    records = _history(path)
    assert [(r["version"], r["vocab"], r["first"]) for r in records] == [
        (1, "colours-v1", True), (1, "mini", True), (2, "colours-v1", False),
    ]  # fmt: skip
    assert len(records[-1]["changes"]) == len(EXPECTED)


@pytest.mark.parametrize(
    ("bad", "error"), [(BROKEN, InputError), (INVALID, ValidationFailed)]
)  # fmt: skip
def test_a_failed_load_records_no_change(
    two_versions: Path, bad: Path, error: type[Exception]
) -> None:
    before = sorted(p.name for p in (two_versions / "changes").iterdir())
    history = _history(two_versions)
    with Store.open(two_versions, read_only=False) as store, pytest.raises(error):
        store.load([bad], vocab_id="colours", replace=True)
    assert sorted(p.name for p in (two_versions / "changes").iterdir()) == before
    assert _history(two_versions) == history


def test_a_failing_index_build_records_no_change(
    two_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glossary import store as store_module

    def broken_builder(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store_module, "_index_builder", lambda: broken_builder)
    history = _history(two_versions)
    with Store.open(two_versions, read_only=False) as store, pytest.raises(StoreError):
        store.load([V1], vocab_id="colours", replace=True)
    assert _history(two_versions) == history
    # What the failed load wrote is never read, and the next load replaces it.
    monkeypatch.undo()
    with Store.open(two_versions, read_only=False) as store:
        store.load([V1], vocab_id="colours", replace=True)
    assert len(_history(two_versions)[-1]["changes"]) == len(EXPECTED)


@pytest.mark.parametrize("stage", ["counts", "changes", "indexes", "flip"])
def test_a_killed_load_leaves_no_change_list(two_versions: Path, stage: str) -> None:
    history = _history(two_versions)
    proc = _start_load(two_versions, stage, V1, extra=("--vocab", "colours", "--replace"))
    assert _kill(proc) == -signal.SIGKILL
    assert _history(two_versions) == history
    assert _client(two_versions).get("/api/changes").get_json()["total"] == len(EXPECTED)
    # Whatever the killed load wrote is whole (written, then renamed) or absent.
    for p in (two_versions / "changes").iterdir():
        if not p.name.startswith("."):
            json.loads(p.read_text())
    # The next load removes it and records its own.
    with Store.open(two_versions, read_only=False) as store:
        result = store.load([V1], vocab_id="colours", replace=True)
    assert result.snapshot == 3
    last = _history(two_versions)[-1]
    assert last["version"] == 3 and last["source"] == "colours-v1.ttl"
    assert {c["uri"].removeprefix(EX) for c in last["changes"]} == {e[0] for e in EXPECTED}
    assert [p.name for p in (two_versions / "changes").iterdir() if p.name.startswith(".")] == []


def test_history_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(changes_module, "HISTORY_VERSIONS", 2)
    path = tmp_path / "st"
    with Store.open(path, read_only=False) as store:
        for i in range(4):
            store.load([V1 if i % 2 == 0 else V2], vocab_id="colours", replace=i > 0)
    assert sorted(p.name for p in (path / "changes").iterdir()) == ["3.json", "4.json"]
    client = _client(path)
    whole = client.get("/api/changes").get_json()
    assert whole["oldestVersion"] == 3 and whole["complete"] is False
    assert [x["version"] for x in whole["loads"]] == [3, 4]
    assert client.get("/api/changes?since=2").get_json()["complete"] is True
    assert client.get("/api/changes?since=1").get_json()["complete"] is False


# --------------------------------------------------------------------------- JSON


def test_api_changes_lists_the_difference(two_versions: Path) -> None:
    client = _client(two_versions)
    resp = client.get("/api/changes")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.get_json()
    assert body["version"] == 2 and body["complete"] is True and body["oldestVersion"] == 1
    assert body["total"] == len(EXPECTED)
    got = [
        (c["uri"].removeprefix(EX), c["change"], c["properties"], c["prefLabel"],
         [(r["uri"].removeprefix(EX), r["prefLabel"]) for r in c["replacedBy"]])
        for c in body["changes"]
    ]  # fmt: skip
    assert got == EXPECTED
    assert {c["version"] for c in body["changes"]} == {2}
    assert [(x["version"], x["first"], x["counts"]) for x in body["loads"]] == [
        (1, True, {"added": 0, "changed": 0, "deprecated": 0, "removed": 0}),
        (2, False, {"added": 1, "changed": 4, "deprecated": 2, "removed": 1}),
    ]
    assert body["loads"][1]["otherResources"] == 1


def test_api_changes_since_vocab_and_paging(two_versions: Path) -> None:
    client = _client(two_versions)
    every = client.get("/api/changes").get_json()
    loaded = every["loads"][1]["loadedAt"]
    assert client.get("/api/changes?since=1").get_json()["total"] == len(EXPECTED)
    after = client.get("/api/changes?since=2").get_json()
    assert after["total"] == 0 and after["loads"] == [] and after["complete"] is True
    at = client.get("/api/changes", query_string={"since": loaded}).get_json()
    assert at["total"] == len(EXPECTED)
    later = (dt.datetime.fromisoformat(loaded) + dt.timedelta(seconds=1)).isoformat()
    assert client.get("/api/changes", query_string={"since": later}).get_json()["total"] == 0
    assert client.get("/api/changes?since=2000-01-01").get_json()["total"] == len(EXPECTED)
    assert client.get("/api/changes?vocab=colours").get_json()["total"] == len(EXPECTED)
    pages = [
        client.get(f"/api/changes?limit=3&offset={o}").get_json()["changes"] for o in (0, 3, 6, 9)
    ]
    assert [c for page in pages for c in page] == every["changes"]
    assert [len(p) for p in pages] == [3, 3, 2, 0]


@pytest.mark.parametrize(
    ("query", "status", "where"),
    [
        ("since=last+week", 400, "since"),
        ("since=2026-02-30", 400, "since"),
        ("limit=0", 400, "limit"),
        ("offset=-1", 400, "offset"),
        ("vocab=nope", 404, "vocab"),
    ],
)
def test_api_changes_bad_parameters_are_problems(
    two_versions: Path, query: str, status: int, where: str
) -> None:
    resp = _client(two_versions).get(f"/api/changes?{query}")
    assert resp.status_code == status
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["where"] == where and problem["detail"]
    if where == "since":
        assert "2026-12-01T09:30:00Z" in problem["hint"]


def test_an_empty_store_has_no_changes(tmp_path: Path) -> None:
    Store.open(tmp_path / "st", read_only=False).close()
    body = _client(tmp_path / "st").get("/api/changes").get_json()
    assert body["version"] is None and body["changes"] == [] and body["complete"] is True


# --------------------------------------------------------------------------- Atom


def test_the_feed_is_atom_with_one_entry_per_change(two_versions: Path) -> None:
    client = _client(two_versions)
    resp = client.get("/vocab/colours/changes.atom")
    assert resp.status_code == 200
    assert resp.mimetype == "application/atom+xml"
    root = ET.fromstring(resp.data)  # well-formed XML
    assert root.tag == f"{{{ATOM}}}feed"
    a = {"a": ATOM}
    for required in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert (root.findtext(required, namespaces=a) or "").strip(), required
    self_link = root.find("a:link[@rel='self']", a)
    assert self_link is not None
    assert urlsplit(self_link.get("href", "")).path == "/vocab/colours/changes.atom"

    parsed = feedparser.parse(resp.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Changes to Colours, second edition"
    entries = parsed.entries
    # Newest first: version 2's changes, then version 1's first load.
    assert len(entries) == len(EXPECTED) + 1
    assert [e.title for e in entries[:-1]] == [x[3] for x in EXPECTED]
    assert [e.tags[0].term for e in entries] == [x[1] for x in EXPECTED] + ["loaded"]
    assert entries[-1].title == "Colours, second edition: first version loaded"
    assert entries[-1].summary == "First version loaded: 9 concepts (from colours-v1.ttl)."
    assert len({e.id for e in entries}) == len(entries)
    assert all(e.id.startswith("urn:uuid:") for e in entries)
    by_title = {e.title: e for e in entries}
    assert by_title["teal"].summary == "Changed in version 2: skos:broader."
    assert by_title["cyan"].summary == (
        f"Deprecated in version 2: dct:isReplacedBy, owl:deprecated; replaced by teal <{EX}teal>."
    )
    assert by_title["violet"].summary == "Added in version 2."
    assert by_title["brown"].summary == "Removed in version 2."
    assert parsed.feed.updated == entries[0].updated
    # Each entry links to its concept's page, which answers (but the removed one's).
    for e in entries[:-1]:
        link = urlsplit(e.link)
        page = client.get(f"{link.path}?{link.query}", headers={"Accept": "text/html"})
        assert page.status_code == (404 if e.title == "brown" else 200), e.title
    # Entry ids are stable: the same on the next request and in another process.
    again = feedparser.parse(_client(two_versions).get("/vocab/colours/changes.atom").data)
    assert [e.id for e in again.entries] == [e.id for e in entries]


def test_the_feed_escapes_labels(tmp_path: Path) -> None:
    path = tmp_path / "st"
    evil = '<b>"&amp;</b> ]]>'
    v2 = V1.read_text().replace('"teal"@en', '"<b>\\"&amp;</b> ]]>"@en')
    (tmp_path / "v2.ttl").write_text(v2)
    with Store.open(path, read_only=False) as store:
        store.load([V1], vocab_id="colours")
        store.load([tmp_path / "v2.ttl"], vocab_id="colours", replace=True)
    data = _client(path).get("/vocab/colours/changes.atom").data
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert ET.fromstring(data).find(f"{{{ATOM}}}entry/{{{ATOM}}}title").text == evil  # type: ignore[union-attr]


def test_the_vocabulary_page_links_its_feed(two_versions: Path) -> None:
    html = _client(two_versions).get("/vocab/colours/").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Changes to Colours, second '
        'edition" href="/vocab/colours/changes.atom">'
    ) in html
    assert '<a class="feed" href="/vocab/colours/changes.atom"' in html


def test_unknown_vocabulary_feed_is_404(two_versions: Path) -> None:
    resp = _client(two_versions).get("/vocab/nope/changes.atom")
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert "colours" in resp.get_json()["detail"]


# --------------------------------------------------------------------------- remote mode


def test_remote_mode_has_no_feed_and_says_why(two_versions: Path, tmp_path: Path) -> None:
    dump = tmp_path / "colours.ttl"
    with Store.open(two_versions) as store, open(dump, "wb") as out:
        store.export(out, vocab_id="colours", fmt=None)
    location = tmp_path / "oxigraph"
    subprocess.run([oxigraph_exe(), "load", "--location", str(location), "--file", str(dump),
                    "--format", "ttl", "--graph", graph_iri("colours")],
                   check=True, capture_output=True)  # fmt: skip
    with oxigraph_server("serve-read-only", "--location", str(location)) as base:
        client = _client(tmp_path / "cache", GLOSSARY_SPARQL_ENDPOINT=base + "/query")
        for url in ("/api/changes", "/api/changes?since=1", "/vocab/colours/changes.atom"):
            resp = client.get(url)
            assert resp.status_code == 404, url
            assert resp.mimetype == "application/problem+json"
            problem = resp.get_json()
            assert problem["detail"] == "no change history in remote mode"
            assert "glossary load" in problem["hint"]
        page = client.get("/vocab/colours/")
        assert page.status_code == 200
        assert "changes.atom" not in page.get_data(as_text=True)


# --------------------------------------------------------------------------- real data


def _edited_copy(source: Path, out: Path) -> tuple[str, str, str]:
    """A second version of a real vocabulary: one concept's English prefLabel renamed,
    one concept deprecated (replaced by another), one concept added. Returns the URIs
    of the renamed, deprecated and added concepts."""
    triples = list(pyoxigraph.parse(gzip.decompress(source.read_bytes()),
                                    format=pyoxigraph.RdfFormat.TURTLE))  # fmt: skip
    concept = pyoxigraph.NamedNode(SKOS + "Concept")
    pref = pyoxigraph.NamedNode(SKOS + "prefLabel")
    deprecated = pyoxigraph.NamedNode("http://www.w3.org/2002/07/owl#deprecated")
    labelled = sorted({t.subject.value for t in triples
                       if t.predicate == pref and t.object.language == "en"})  # fmt: skip
    renamed, retired, successor = labelled[10], labelled[20], labelled[30]
    for t in triples:
        assert not (t.subject.value == retired and t.predicate == deprecated)
    edited = []
    for t in triples:
        if t.subject.value == renamed and t.predicate == pref and t.object.language == "en":
            t = pyoxigraph.Triple(t.subject, pref, pyoxigraph.Literal(t.object.value + " (renamed)",
                                                                       language="en"))  # fmt: skip
        edited.append(t)
    new = pyoxigraph.NamedNode(labelled[0] + "-new-concept")
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    edited += [
        pyoxigraph.Triple(pyoxigraph.NamedNode(retired), deprecated, pyoxigraph.Literal(True)),
        pyoxigraph.Triple(pyoxigraph.NamedNode(retired),
                          pyoxigraph.NamedNode("http://purl.org/dc/terms/isReplacedBy"),
                          pyoxigraph.NamedNode(successor)),
        pyoxigraph.Triple(new, rdf_type, concept),
        pyoxigraph.Triple(new, pref, pyoxigraph.Literal("A new concept", language="en")),
    ]  # fmt: skip
    with gzip.open(out, "wb") as fh:
        pyoxigraph.serialize(edited, fh, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return renamed, retired, new.value


@pytest.mark.slow
@pytest.mark.parametrize("name", ["stw-9.16", "unesco-thesaurus"])
def test_two_versions_of_a_real_vocabulary(tmp_path: Path, vocabularies: Path, name: str) -> None:
    source = vocabularies / f"{name}.ttl.gz"
    copy = tmp_path / f"{name}.ttl.gz"
    shutil.copy(source, copy)
    renamed, retired, added = _edited_copy(source, tmp_path / f"{name}-v2.nt.gz")
    path = tmp_path / "st"
    with Store.open(path, read_only=False) as store:
        store.load([copy], vocab_id="v", allow_invalid=True)
        same = store.load([copy], vocab_id="v", replace=True, allow_invalid=True)
        result = store.load([tmp_path / f"{name}-v2.nt.gz"], vocab_id="v", replace=True,
                            allow_invalid=True)  # fmt: skip
    print(f"{name}: comparing took {result.timings['changes']:.2f} s of a "
          f"{sum(result.timings.values()):.2f} s load; the same file again "
          f"{same.timings['changes'] * 1000:.1f} ms")  # fmt: skip
    first, again, edited = _history(path)
    assert first["first"] and again["changes"] == [] and again["others"] == 0
    got = {(c["uri"], c["change"], tuple(c["properties"])) for c in edited["changes"]}
    assert got == {
        (renamed, "changed", (SKOS + "prefLabel",)),
        (retired, "deprecated", ("http://purl.org/dc/terms/isReplacedBy",
                                 "http://www.w3.org/2002/07/owl#deprecated")),
        (added, "added", ()),
    }  # fmt: skip
    # Blank nodes (STW's notes, UNESCO's) are renamed by every parse, yet nothing else
    # counts as changed.
    assert edited["others"] == 0
    body = _client(path).get("/api/changes?since=2").get_json()
    assert body["loads"][0]["counts"] == {"added": 1, "changed": 1, "deprecated": 1,
                                          "removed": 0}  # fmt: skip
    parsed = feedparser.parse(_client(path).get("/vocab/v/changes.atom").data)
    assert not parsed.bozo and len(parsed.entries) == 4
