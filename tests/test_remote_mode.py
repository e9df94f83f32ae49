"""Remote mode: the whole service over a remote SPARQL 1.1 store (glossary/remote_store.py).

A real ``oxigraph serve-read-only`` on loopback is loaded with ``glossary export`` of an
embedded store that holds the community glossary and a small real vocabulary (IPTC
Media Topics, politics/society/labour, from ../shared/vocabularies), one named graph
``urn:x-glossary:vocab:<id>`` per vocabulary, as docs/virtuoso.md tells. Every named
query is then run both ways with the same bindings and must answer the same.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import ROOT, oxigraph_exe, oxigraph_server

from glossary.config import queries_dir
from glossary.errors import StoreError
from glossary.queries import named_query
from glossary.reconcile import DESCRIPTION_QUERY
from glossary.remote_store import RemoteStore, bind_values
from glossary.store import Store, graph_iri

SMALL = "iptc-politics-society-labour"
COMMUNITY = "community"
BASE = "https://w3id.org/semantic-glossary/community/"


@pytest.fixture(scope="module")
def embedded_path(tmp_path_factory: pytest.TempPathFactory, vocabularies: Path) -> Path:
    """An embedded store with the community glossary and the small vocabulary, loaded
    through the real load path (search vectors from the light ``hash`` encoder)."""
    from glossary.compile import compile_terms

    path = tmp_path_factory.mktemp("embedded") / "store"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load_graph(compile_terms(), vocab_id=COMMUNITY, source="glossary/terms")
            store.load([vocabularies / f"{SMALL}.ttl.gz"], vocab_id=SMALL, allow_invalid=True)
    return path


@contextlib.contextmanager
def exported_to_oxigraph(store_path: Path, vocab_ids: Sequence[str], work: Path) -> Iterator[str]:
    """A real Oxigraph server on loopback, loaded with ``glossary export`` of each
    vocabulary into its own named graph (the graph names of the embedded store); its
    query URL."""
    location = work / "oxigraph"
    for vid in vocab_ids:
        dump = work / f"{vid}.nt"
        with open(dump, "wb") as out:
            subprocess.run(
                [sys.executable, "-m", "glossary", "export", "--store", str(store_path),
                 "--vocab", vid, "--format", "nt"],
                cwd=ROOT, stdout=out, check=True,
            )  # fmt: skip
        subprocess.run(
            [oxigraph_exe(), "load", "--location", str(location), "--file", str(dump),
             "--graph", graph_iri(vid)],
            check=True, capture_output=True,
        )  # fmt: skip
    with oxigraph_server("serve-read-only", "--location", str(location)) as base:
        yield base + "/query"


@pytest.fixture(scope="module")
def endpoint(embedded_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with exported_to_oxigraph(embedded_path, (COMMUNITY, SMALL),
                              tmp_path_factory.mktemp("remote")) as url:  # fmt: skip
        yield url


@pytest.fixture(scope="module")
def embedded(embedded_path: Path) -> Iterator[Store]:
    with Store.open(embedded_path, read_only=True, check_interval=0) as store:
        yield store


@pytest.fixture(scope="module")
def remote(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteStore]:
    with RemoteStore(endpoint, tmp_path_factory.mktemp("cache")) as store:
        yield store


# --------------------------------------------------------------------------- comparing


def _key(term: Any) -> str:
    """A term as text; blank nodes all alike (their labels are per answer)."""
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def _rows(rows: list[dict[str, Any]]) -> Counter[tuple[tuple[str, str], ...]]:
    return Counter(tuple(sorted((k, _key(v)) for k, v in r.items())) for r in rows)


def _triples(triples: list[Any]) -> Counter[tuple[str, str, str]]:
    return Counter((_key(t.subject), _key(t.predicate), _key(t.object)) for t in triples)


def _concepts(store: Store, vocab: str, limit: int = 12) -> list[ox.NamedNode]:
    """Concepts of a vocabulary that exercise the queries: with broader, with narrower,
    top concepts, with definitions; a few of each."""
    picks: list[ox.NamedNode] = []
    for pattern in (
        "?c skos:broader ?x", "?x skos:broader ?c", "?c skos:topConceptOf ?x",
        "?c skos:definition ?x", "?c skos:related ?x", "?x skos:member ?c",
    ):  # fmt: skip
        rows = store.select(
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            f"SELECT DISTINCT ?c WHERE {{ {pattern} FILTER(isIRI(?c)) }} "
            f"ORDER BY MD5(STR(?c)) LIMIT {max(3, limit // 4)}",
            graphs=[graph_iri(vocab)],
        )
        picks += [r["c"] for r in rows if r["c"] not in picks]
    return picks[:limit] or pytest.fail(f"no concept found in {vocab}")


def _cases(store: Store, vocab_ids: Sequence[str] = (COMMUNITY, SMALL),
           per_vocab: int = 12) -> dict[str, list[dict[str, Any]]]:  # fmt: skip
    """For every named query (and the inline one of glossary.reconcile), the argument
    sets the service runs it with: ``graphs`` and the bindings."""
    cases: dict[str, list[dict[str, Any]]] = {}
    uris: list[ox.NamedNode] = []
    for vid in vocab_ids:
        uris += _concepts(store, vid, per_vocab)
    vocabs = [store.vocabulary(v) for v in vocab_ids]
    schemes = [ox.NamedNode(s) for v in vocabs for s in v.schemes]
    uris += schemes
    per_graph = [{"graphs": [v.graph]} for v in vocabs]
    g_bound = [{"g": ox.NamedNode(v.graph)} for v in vocabs]
    for name in ("concept_children", "concept_graphs", "concept_incoming", "concept_outgoing",
                 "concept_parents"):  # fmt: skip
        cases[name] = [{"uri": u} for u in uris]
    # concept_labels is bound to the described node and to its owned nodes (definitions).
    owned = [ox.NamedNode(r["d"].value) for r in store.select(
        "SELECT DISTINCT ?d WHERE { ?c <https://w3id.org/semantic-glossary/ontology#hasDefinition>"
        " ?d } ORDER BY ?d LIMIT 5")]  # fmt: skip
    cases["concept_labels"] = [{"node": u} for u in uris + owned]
    cases["export-concepts"] = [*per_graph, {}]
    cases["scheme-titles"] = [{"graphs": [v.graph], "scheme": ox.NamedNode(s)}
                              for v in vocabs for s in v.schemes]  # fmt: skip
    for name in ("vocab-counts", "vocab-label-languages", "vocab-schemes"):
        cases[name] = list(per_graph)
    for name in ("vocab_collections", "vocab_edges", "vocab_scheme_info", "vocab_top_concepts"):
        cases[name] = list(g_bound)
    cases["vocab_hash_subjects"] = [{}]
    cases["vocab_types"] = list(g_bound)
    cases["vocab_collection_flags"] = list(g_bound)
    # vocab_changes is bound to a date property; the two fixture vocabularies carry no
    # dct:created / dct:modified, so a third property they do have (skos:prefLabel)
    # makes sure the comparison is not of empty answers (the slow test below compares
    # UNESCO's real dates).
    props = ("http://purl.org/dc/terms/created", "http://purl.org/dc/terms/modified",
             "http://www.w3.org/2004/02/skos/core#prefLabel")  # fmt: skip
    cases["vocab_changes"] = [{**g, "prop": ox.NamedNode(p)} for g in g_bound
                              for p in props]  # fmt: skip
    cases["vocab_labels"] = [{**g, "lang": ox.Literal(lang)} for g in g_bound
                             for lang in ("en", "*", "en-gb", "de")]  # fmt: skip
    cases["reconcile:description"] = [{"c": u} for u in uris]
    return cases


def _run(store: Any, name: str, args: dict[str, Any]) -> Any:
    query = DESCRIPTION_QUERY if name == "reconcile:description" else named_query(name)
    kwargs = dict(args)
    if query.lstrip().upper().startswith("CONSTRUCT") or "\nCONSTRUCT" in query:
        return _triples(store.construct(query, **kwargs))
    return _rows(store.select(query, **kwargs))


def test_every_named_query_has_cases(embedded: Store) -> None:
    """A new ontology/queries/*.rq fails here until it is added to the comparison."""
    names = {p.stem for p in queries_dir().glob("*.rq")}
    assert names, "no named queries found"
    assert names <= set(_cases(embedded)), sorted(names - set(_cases(embedded)))


def _compare(embedded: Store, remote: RemoteStore, cases: dict[str, list[dict[str, Any]]],
             answered: Counter[str]) -> int:  # fmt: skip
    runs = 0
    for name, arg_sets in sorted(cases.items()):
        for args in arg_sets:
            local = _run(embedded, name, args)
            there = _run(remote, name, args)
            assert there == local, f"{name} {args}: remote differs\n{there}\n!=\n{local}"
            runs += 1
            answered[name] += bool(local)
    return runs


def test_named_queries_answer_the_same_remotely(embedded: Store, remote: RemoteStore) -> None:
    """Every named query, with the bindings the service uses, answers the same on the
    embedded store (pyoxigraph substitutions) and through RemoteStore (VALUES blocks)
    against a real Oxigraph server holding the same data."""
    cases = _cases(embedded)
    answered: Counter[str] = Counter()
    runs = _compare(embedded, remote, cases, answered)
    assert runs > 120
    # The comparison is not one of empty answers: every query found something.
    assert not [n for n in cases if answered[n] == 0], answered


@pytest.mark.slow
def test_named_queries_on_whole_real_vocabularies(
    vocabularies: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same comparison on STW (polyhierarchy, two languages, 1,150 deprecated
    concepts) and UNESCO (five languages, collections), loaded whole: slow (about 30 s)."""
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    ids = ("stw", "unesco")
    with Store.open(tmp_path / "store", read_only=False) as store:
        store.load([vocabularies / "stw-9.16.ttl.gz"], vocab_id="stw", allow_invalid=True)
        store.load([vocabularies / "unesco-thesaurus.ttl.gz"], vocab_id="unesco",
                   allow_invalid=True)  # fmt: skip
    with (
        exported_to_oxigraph(tmp_path / "store", ids, tmp_path) as url,
        Store.open(tmp_path / "store") as embedded,
        RemoteStore(url, tmp_path / "cache") as remote,
    ):
        answered: Counter[str] = Counter()
        cases = _cases(embedded, ids, per_vocab=30)
        assert _compare(embedded, remote, cases, answered) > 300
        assert not [n for n in cases if answered[n] == 0], answered
        for local in embedded.vocabularies():
            there = remote.vocabulary(local.id)
            assert (there.concepts, there.label_counts, there.deprecated, there.schemes) == (
                local.concepts, local.label_counts, local.deprecated, local.schemes)  # fmt: skip


def test_remote_counts_are_the_load_time_counts(embedded: Store, remote: RemoteStore) -> None:
    for local in embedded.vocabularies():
        there = remote.vocabulary(local.id)
        fields = ("graph", "uri", "title", "concepts", "triples", "languages", "label_counts",
                  "schemes", "titles", "top_concepts", "deprecated")  # fmt: skip
        for name in fields:
            assert getattr(there, name) == getattr(local, name), name
    assert [v.id for v in remote.vocabularies()] == [COMMUNITY, SMALL]


def test_counted_once_per_remote_version(endpoint: str, tmp_path: Path) -> None:
    """The counts are made once, then answered from memory; a second instance on the
    same cache directory reads them from disk (so all workers agree on ``loaded_at``)."""
    with RemoteStore(endpoint, tmp_path, check_interval=3600) as first:
        vocabs = first.vocabularies()
        sent = first.queries
        assert sent >= 2 * 4  # the version query, then the count queries per vocabulary
        assert first.vocabularies() == vocabs
        first.vocabulary(SMALL)
        assert first.queries == sent  # nothing more was asked
        # the check: no stated versions, so the triple counts; nothing changed
        assert first.refresh(force=True) is False
        assert first.queries == sent + 2
        assert first.vocabularies() == vocabs
    with RemoteStore(endpoint, tmp_path, check_interval=3600) as second:
        assert second.vocabularies() == vocabs  # loaded_at included: read from the cache
        assert second.queries == 2  # only the version check


# --------------------------------------------------------------------------- injection

ODD_TEXT = 'a "quoted" } { # not a comment\nnew line \\ back\tslash \'single\' """ >'
ODD_IRI = "http://example.org/x/%7B?q='a'&b=(c)*d;e=f,g!h$i~j:k@l#frag-ü"


def test_bound_values_come_back_verbatim(embedded: Store, remote: RemoteStore) -> None:
    """Values with quotes, braces, a '#', new lines and an IRI with odd characters are
    bound as terms: the query's meaning is unchanged and they come back as sent."""
    values = {
        "lit": ox.Literal(ODD_TEXT),
        "tagged": ox.Literal(ODD_TEXT, language="en-GB"),
        "typed": ox.Literal("} UNION { ?s ?p ?o", datatype=ox.NamedNode("http://ex/dt#x")),
        "iri": ox.NamedNode(ODD_IRI),
    }
    query = (
        "SELECT ?lit ?tagged ?typed ?iri ?n WHERE { BIND(42 AS ?n) FILTER(isLiteral(?lit)"
        " && LANG(?tagged) = 'en-gb' && isLiteral(?typed) && isIRI(?iri)) }"
    )
    for store in (embedded, remote):
        rows = store.select(query, **values)
        assert len(rows) == 1
        assert {k: rows[0][k] for k in values} == values
        assert rows[0]["n"].value == "42"
    # In a pattern: no label equals it, so nothing matches (and nothing more is read).
    query = ("SELECT ?lit ?c WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
             "FILTER(STR(?l) = ?lit) }")  # fmt: skip
    assert remote.select(query, lit=ox.Literal(ODD_TEXT)) == []
    assert embedded.select(query, lit=ox.Literal(ODD_TEXT)) == []
    hit = remote.select(query, lit=ox.Literal("Content pillar"))
    assert hit == embedded.select(query, lit=ox.Literal("Content pillar"))
    assert [r["c"].value for r in hit] == [BASE + "content-pillar"]


def test_values_go_where_substitutions_act() -> None:
    q = "SELECT ?g ?x WHERE { GRAPH ?g { ?x ?p ?o FILTER(?o = ?x) } }"
    text = bind_values(q, {"x": ox.NamedNode("http://e/x")})
    assert text.count("VALUES (?x) { (<http://e/x>) }") == 2  # the WHERE group and GRAPH's
    # a sub-SELECT that does not project ?x has its own ?x: left alone
    q = "SELECT ?x ?n WHERE { ?x ?p ?o { SELECT (COUNT(*) AS ?n) WHERE { ?x ?q ?y } } }"
    assert bind_values(q, {"x": ox.NamedNode("http://e/x")}).count("VALUES") == 1
    # strings, IRIs and comments holding braces or variables do not confuse it
    q = 'SELECT ?x WHERE { ?x ?p "{ ?x }" . # { ?x\n ?x ?q <http://e/{x}> }'
    with pytest.raises(ValueError):
        ox.NamedNode("http://e/{x}")
    assert bind_values(q, {"x": ox.Literal("v")}).count("VALUES") == 1


def test_several_values_of_one_variable_are_rows_of_one_values_block() -> None:
    q = "SELECT ?uri ?p WHERE { ?uri ?p ?o }"
    a, b = ox.NamedNode("http://e/a"), ox.NamedNode("http://e/b")
    assert "VALUES (?uri) { (<http://e/a>) (<http://e/b>) }" in bind_values(q, {"uri": [a, b]})


def test_select_each_is_one_request_with_the_embedded_answer(
    embedded: Store, remote: RemoteStore
) -> None:
    from glossary.queries import named_query

    nodes = [ox.NamedNode(BASE + name) for name in ("content-pillar", "community-led")]
    nodes += _concepts(embedded, SMALL, limit=6)
    query = named_query("concept_parents")
    want = embedded.select_each(query, "uri", nodes)
    remote.refresh(force=True)
    sent = remote.queries
    got = remote.select_each(query, "uri", nodes)
    assert remote.queries == sent + 1
    assert _rows(got) == _rows(want) and want
    # grouped in the order of the values, as the embedded store gives them
    assert [r["uri"].value for r in got] == [r["uri"].value for r in want]
    assert remote.select_each(query, "uri", []) == []


def test_breadcrumbs_cost_one_remote_request_per_level(
    embedded: Store, remote: RemoteStore
) -> None:
    from glossary.concepts import broader_paths

    calls: list[int] = []

    class Levels:
        def vocabularies(self) -> Any:
            return embedded.vocabularies()

        def select(self, query: str, **bindings: Any) -> Any:
            return embedded.select(query, **bindings)

        def select_each(self, query: str, name: str, values: Any, **bindings: Any) -> Any:
            calls.append(len(values))
            return embedded.select_each(query, name, values, **bindings)

        def construct(self, query: str, **bindings: Any) -> Any:
            return embedded.construct(query, **bindings)

    def depth(concept: Any) -> int:
        paths = broader_paths(embedded, concept.value, "en")
        return max((len(p) for p in paths), default=0)

    deepest = max(_concepts(embedded, SMALL, limit=40), key=depth)
    want = broader_paths(Levels(), deepest.value, "en")
    assert len(calls) >= 3, "the fixture should have a concept two levels down"
    remote.refresh(force=True)
    sent = remote.queries
    assert broader_paths(remote, deepest.value, "en") == want
    assert remote.queries - sent == len(calls)  # one per level, not one per ancestor


def test_what_cannot_be_bound_is_refused() -> None:
    with pytest.raises(StoreError, match="assigns it itself"):
        bind_values("SELECT ?x WHERE { BIND(1 AS ?x) }", {"x": ox.Literal("1")})
    with pytest.raises(StoreError, match="MINUS"):
        bind_values("SELECT ?x WHERE { ?x ?p ?o MINUS { ?x ?q ?r } }",
                    {"x": ox.NamedNode("http://e/x")})  # fmt: skip
    with pytest.raises(StoreError, match="cannot bind a"):
        bind_values("SELECT ?x WHERE { ?x ?p ?o }", {"x": "http://e/x"})


def test_a_blank_node_binding_answers_nothing_remotely(remote: RemoteStore) -> None:
    """A remote blank node cannot be named in a later query (documented limitation)."""
    sent = remote.queries
    assert remote.select("SELECT ?x WHERE { ?x ?p ?o }", x=ox.BlankNode()) == []
    assert remote.queries == sent


# --------------------------------------------------------------------------- versions


@pytest.fixture
def writable_endpoint() -> Iterator[str]:
    """A writable, in-memory Oxigraph server (``oxigraph serve``): the base URL."""
    with oxigraph_server("serve") as base:
        yield base


def put_graph(base: str, vocab_id: str, path: Path) -> None:
    """Replace a graph of the server (SPARQL 1.1 Graph Store Protocol)."""
    import requests

    resp = requests.put(f"{base}/store", params={"graph": graph_iri(vocab_id)},
                        data=path.read_bytes(), headers={"Content-Type": "text/turtle"},
                        timeout=30)  # fmt: skip
    assert resp.status_code in (200, 201, 204), resp.text


def _local_counts(path: Path, vocab_id: str) -> Any:
    from glossary.store import count_vocabulary

    memory = ox.Store()
    memory.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE,
                     to_graph=ox.NamedNode(graph_iri(vocab_id)))  # fmt: skip
    return count_vocabulary(memory, vocab_id, source="x")


def test_a_remote_change_is_seen_within_the_check_interval(
    writable_endpoint: str, tmp_path: Path
) -> None:
    from conftest import STORE_DATA

    store = RemoteStore(writable_endpoint + "/query", tmp_path, check_interval=0.5)
    assert store.is_empty() and store.vocabularies() == []
    put_graph(writable_endpoint, "mini", STORE_DATA / "mini.ttl")
    sent = store.queries
    assert store.vocabularies() == []  # within the interval: not asked again
    assert store.queries == sent
    time.sleep(0.6)
    first = store.vocabulary("mini")  # one version query, then the counts
    expected = _local_counts(STORE_DATA / "mini.ttl", "mini")
    assert (first.concepts, first.label_counts, first.title, first.deprecated) == (
        expected.concepts, expected.label_counts, expected.title, expected.deprecated)  # fmt: skip
    version = store.snapshot
    put_graph(writable_endpoint, "mini", STORE_DATA / "mini-v2.ttl")
    assert store.refresh(force=True) is True
    assert store.snapshot != version
    second = store.vocabulary("mini")
    expected = _local_counts(STORE_DATA / "mini-v2.ttl", "mini")
    assert (second.concepts, second.title) == (expected.concepts, expected.title)
    assert second.content_hash != first.content_hash  # caches keyed on it start afresh
    assert store.refresh(force=True) is False  # unchanged: nothing recounted
    sent = store.queries
    assert store.vocabulary("mini") == second and store.queries == sent


def test_a_stated_version_is_the_cheap_check(writable_endpoint: str, tmp_path: Path) -> None:
    """With versions stated in urn:x-glossary:versions the check is one query over
    them; a reload is seen when its stated version changes (and only then)."""
    from conftest import STORE_DATA

    from glossary.remote_store import VERSIONS_GRAPH

    def state(version: str) -> None:
        import requests

        body = f'<{graph_iri("mini")}> <http://purl.org/dc/terms/modified> "{version}" .'
        resp = requests.put(f"{writable_endpoint}/store", params={"graph": VERSIONS_GRAPH},
                            data=body.encode(), headers={"Content-Type": "application/n-triples"},
                            timeout=30)  # fmt: skip
        assert resp.status_code in (200, 201, 204), resp.text

    put_graph(writable_endpoint, "mini", STORE_DATA / "mini.ttl")
    state("2026-01-01")
    store = RemoteStore(writable_endpoint + "/query", tmp_path, check_interval=3600)
    first = store.vocabulary("mini")
    sent = store.queries
    assert store.refresh(force=True) is False and store.queries == sent + 1  # one query
    put_graph(writable_endpoint, "mini", STORE_DATA / "mini-v2.ttl")
    assert store.refresh(force=True) is False  # stated version unchanged: trusted
    assert store.vocabulary("mini") == first
    state("2026-02-01")
    assert store.refresh(force=True) is True
    second = store.vocabulary("mini")
    assert second.concepts == _local_counts(STORE_DATA / "mini-v2.ttl", "mini").concepts
    assert second.content_hash != first.content_hash
    assert [v.id for v in store.vocabularies()] == ["mini"]  # the versions graph is none


def test_one_dataset_export_fills_a_remote_store(embedded_path: Path, tmp_path: Path) -> None:
    """``glossary export --format nquads``: one file, one ``oxigraph load``; the graph
    names and the stated versions arrive with it, so the cheap check is on."""
    dump = tmp_path / "all.nq"
    with open(dump, "wb") as out:
        subprocess.run([sys.executable, "-m", "glossary", "export", "--store",
                        str(embedded_path), "--format", "nquads"],
                       cwd=ROOT, stdout=out, check=True)  # fmt: skip
    location = tmp_path / "oxigraph"
    subprocess.run([oxigraph_exe(), "load", "--location", str(location), "--file", str(dump)],
                   check=True, capture_output=True)  # fmt: skip
    with (
        oxigraph_server("serve-read-only", "--location", str(location)) as base,
        Store.open(embedded_path, read_only=True) as local,
        RemoteStore(base + "/query", tmp_path / "cache") as remote,
    ):
        want = {v.graph: v for v in local.vocabularies()}
        versions = remote.graph_versions()  # the stated ones, not counts
        assert set(versions) == set(want)
        assert all(versions[g] == f'stated "{v.loaded_at}"' for g, v in want.items())
        got = {v.graph: v for v in remote.vocabularies()}
        assert {g: (v.concepts, v.triples, v.label_counts) for g, v in got.items()} == {
            g: (v.concepts, v.triples, v.label_counts) for g, v in want.items()}  # fmt: skip


# --------------------------------------------------------------------------- the service

PILLAR = BASE + "content-pillar"


@pytest.fixture(scope="module")
def hash_model() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        yield


@pytest.fixture(scope="module")
def apps(embedded_path: Path, endpoint: str, hash_model: None,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Path]]:  # fmt: skip
    """The app on the embedded store, and the app in remote mode with no local store
    directory at start (``GLOSSARY_STORE`` names a directory that does not exist)."""
    from service import create_app, remote_indexer

    cache = tmp_path_factory.mktemp("instance") / "no-store-here"
    local = create_app({"TESTING": True, "GLOSSARY_STORE": str(embedded_path)})
    there = create_app({"TESTING": True, "GLOSSARY_STORE": str(cache),
                        "GLOSSARY_SPARQL_ENDPOINT": endpoint})  # fmt: skip
    assert not cache.exists()
    yield local, there, cache
    indexer = remote_indexer(there)
    if indexer is not None:
        indexer.stop()


def _ready(app: Any) -> None:
    from service import remote_indexer

    indexer = remote_indexer(app)
    assert indexer is not None and indexer.wait_ready(120), indexer and indexer.status()


def _both(apps: tuple[Any, Any, Path], path: str, **kw: Any) -> tuple[Any, Any]:
    local, there, _ = apps
    a = local.test_client().open(path, **kw)
    b = there.test_client().open(path, **kw)
    assert a.status_code == b.status_code == 200, (path, a.status_code, b.get_data()[:500])
    return a, b


def test_the_service_reads_the_remote_store_and_keeps_no_store(apps: Any) -> None:
    local, there, cache = apps
    from glossary.remote_store import RemoteStore
    from service import get_store

    with there.app_context():
        assert isinstance(get_store(), RemoteStore)
    _ready(there)
    health = there.test_client().get("/health")
    assert health.status_code == 200, health.get_json()
    body = health.get_json()
    assert body["vocabularies"] == 2 and body["indexes"]["building"] == []
    assert body["concepts"] == local.test_client().get("/health").get_json()["concepts"]
    # The "store" directory is a cache: no snapshot, no CURRENT, nothing loaded into it.
    assert sorted(p.name for p in cache.iterdir()) == ["remote"]
    assert not list(cache.rglob("CURRENT")) and not list(cache.rglob("snapshots"))


def test_json_api_answers_the_same(apps: Any) -> None:
    a, b = _both(apps, "/api/vocabularies")
    strip = [{k: v for k, v in x.items() if k != "loadedAt"} for x in a.get_json()["vocabularies"]]
    assert strip == [{k: v for k, v in x.items() if k != "loadedAt"}
                     for x in b.get_json()["vocabularies"]]  # fmt: skip
    for uri in (PILLAR, BASE + "community", "http://cv.iptc.org/newscodes/mediatopic/20000509"):
        a, b = _both(apps, "/api/concepts", query_string={"uri": uri})
        assert a.get_json() == b.get_json() and a.get_json()["prefLabel"]
    a, b = _both(apps, "/api/topconcepts", query_string={"vocab": SMALL})
    assert a.get_json() == b.get_json()


def test_linked_data_answers_the_same(apps: Any) -> None:
    from rdflib import Graph
    from rdflib.compare import isomorphic

    a, b = _both(apps, "/community/content-pillar", headers={"Accept": "text/turtle"})
    ga = Graph().parse(data=a.get_data(as_text=True), format="turtle")
    gb = Graph().parse(data=b.get_data(as_text=True), format="turtle")
    assert len(ga) > 10 and isomorphic(ga, gb)
    a, b = _both(apps, "/community/content-pillar", headers={"Accept": "text/html"})
    html_a, html_b = a.get_data(as_text=True), b.get_data(as_text=True)
    for key in ("Content pillar", "A strategic or foundational piece of content",
                BASE + "content", "cscce"):  # fmt: skip
        assert key in html_a
    assert html_a == html_b


def test_search_and_related_answer_the_same(apps: Any) -> None:
    _ready(apps[1])
    a, b = _both(apps, "/api/search", query_string={"q": "commun"})
    assert a.get_json() == b.get_json() and len(a.get_json()["results"]) > 2
    a, b = _both(apps, "/api/search", query_string={"q": "labour", "vocab": SMALL})
    assert a.get_json() == b.get_json() and a.get_json()["results"]
    a, b = _both(apps, "/api/related", query_string={"q": "tracking relationships with members"})
    assert a.get_json() == b.get_json() and a.get_json()["results"]
    a, b = _both(apps, "/api/related", query_string={"uri": PILLAR})
    assert a.get_json() == b.get_json() and a.get_json()["results"]


def test_reconcile_skosmos_and_dumps_answer_the_same(apps: Any) -> None:
    import json

    _ready(apps[1])
    queries = {"q0": {"query": "content pillar"}, "q1": {"query": "child labour", "limit": 3}}
    a, b = _both(apps, "/reconcile", method="POST", data={"queries": json.dumps(queries)})
    assert a.get_json() == b.get_json() and a.get_json()["q0"]["result"]
    for path, args in (
        ("/rest/v1/community/broader", {"uri": PILLAR, "lang": "en"}),
        ("/rest/v1/search", {"query": "commun*", "lang": "en"}),
        (f"/rest/v1/{SMALL}/hierarchy", {"uri": "http://cv.iptc.org/newscodes/mediatopic/20000510"}),
    ):  # fmt: skip
        a, b = _both(apps, path, query_string=args)
        assert a.get_json() == b.get_json(), path
    for vid in (COMMUNITY, SMALL):
        a, b = _both(apps, f"/dumps/{vid}.nt")
        ta = set(a.get_data(as_text=True).splitlines())
        tb = set(b.get_data(as_text=True).splitlines())
        a.close()  # send_file's file
        b.close()
        assert len(ta) > 100 and ta == tb


def test_search_is_503_until_the_indexes_are_built(
    endpoint: str, hash_model: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import glossary.search
    from service import create_app, remote_indexer

    entered, gate = threading.Event(), threading.Event()
    real = glossary.search.build_indexes

    def held(*args: Any, **kw: Any) -> Any:
        entered.set()
        gate.wait(60)
        return real(*args, **kw)

    monkeypatch.setattr(glossary.search, "build_indexes", held)
    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path / "cache"),
                      "GLOSSARY_SPARQL_ENDPOINT": endpoint})  # fmt: skip
    client = app.test_client()
    indexer = remote_indexer(app)
    assert indexer is not None
    try:
        assert entered.wait(60)
        for path in ("/api/search?q=commun", "/api/related?q=members", "/reconcile?queries="
                     + '{"q0":{"query":"community"}}'):  # fmt: skip
            resp = client.get(path)
            assert resp.status_code == 503, (path, resp.get_data()[:300])
            assert resp.mimetype == "application/problem+json"
            assert "still being built" in resp.get_json()["detail"]
        health = client.get("/health")
        assert health.status_code == 503 and health.headers["Retry-After"]
        assert health.get_json()["building"] == [COMMUNITY, SMALL]
        # everything else answers meanwhile
        assert client.get("/api/concepts", query_string={"uri": PILLAR}).status_code == 200
        gate.set()
        assert indexer.wait_ready(60)
        assert client.get("/api/search?q=commun").status_code == 200
        assert client.get("/health").status_code == 200
    finally:
        gate.set()
        indexer.stop()


def test_a_restart_encodes_nothing(endpoint: str, hash_model: None, tmp_path: Path) -> None:
    from glossary.search import BuildStats
    from service import create_app, remote_indexer

    def start() -> Any:
        app = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path),
                          "GLOSSARY_SPARQL_ENDPOINT": endpoint})  # fmt: skip
        indexer = remote_indexer(app)
        assert indexer is not None and indexer.wait_ready(60), indexer and indexer.status()
        indexer.stop()
        return indexer

    first = start()
    assert all(isinstance(s, BuildStats) and s.encoded > 0 for s in first.stats.values())
    again = start()  # same remote content: the indexes are current, nothing rebuilt
    assert again.stats == {COMMUNITY: "current", SMALL: "current"}
    # Indexes an older model made (an upgrade, another GLOSSARY_EMBEDDING_MODEL or
    # GLOSSARY_EMBEDDING_TUNING): same content, but rebuilt with the configured model.
    manifests = list((tmp_path / "remote").rglob("search/*.json"))
    assert len(manifests) == 2
    for manifest in manifests:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**doc, "model": "an-older-model"}), encoding="utf-8")
    upgraded = start()
    assert all(isinstance(s, BuildStats) for s in upgraded.stats.values()), upgraded.stats
    for manifest in manifests:
        assert json.loads(manifest.read_text(encoding="utf-8"))["model"] == "hash-256"
    for marker in (tmp_path / "remote").rglob("indexed/*.json"):
        marker.unlink()
    rebuilt = start()  # rebuilt, but every text's vector comes from the cache
    assert {s.encoded for s in rebuilt.stats.values()} == {0}
    assert {s.texts for s in rebuilt.stats.values()} == {s.texts for s in first.stats.values()}


def test_an_unreachable_remote_store_is_503_not_500(tmp_path: Path) -> None:
    from service import create_app, remote_indexer

    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path),
                      "GLOSSARY_SPARQL_ENDPOINT": "http://127.0.0.1:9/sparql",
                      "GLOSSARY_SPARQL_TIMEOUT": 2})  # fmt: skip
    indexer = remote_indexer(app)
    assert indexer is not None
    try:
        client = app.test_client()
        for path in ("/health", "/api/vocabularies", "/api/concepts?uri=" + PILLAR,
                     "/community/content-pillar", "/api/search?q=x", "/dumps/community.ttl",
                     "/rest/v1/vocabularies"):  # fmt: skip
            resp = client.get(path)
            assert resp.status_code == 503, (path, resp.status_code)
            assert resp.mimetype == "application/problem+json"
    finally:
        indexer.stop()


def test_a_vocabulary_that_cannot_be_indexed_does_not_hold_back_the_others(
    endpoint: str, hash_model: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import glossary.search
    from glossary.remote_store import RemoteIndexer
    from glossary.search import SearchIndex

    real = glossary.search.build_indexes

    def failing(ox_store: Any, graph: str, vocab_id: str, *args: Any, **kw: Any) -> Any:
        if vocab_id == SMALL:
            raise StoreError("no space left on device", where="the cache")
        return real(ox_store, graph, vocab_id, *args, **kw)

    monkeypatch.setattr(glossary.search, "build_indexes", failing)
    indexer = RemoteIndexer(RemoteStore(endpoint, tmp_path))  # passes run by hand here
    indexer.run_once()
    status = indexer.status()
    assert status["ready"] and status["indexed"] == [COMMUNITY]
    assert "no space left" in status["failed"][SMALL]
    assert SearchIndex.open(indexer.store.index_dir()).vocabs == [COMMUNITY]
    monkeypatch.setattr(glossary.search, "build_indexes", real)
    indexer.run_once()  # tried again at the next pass
    status = indexer.status()
    assert status["indexed"] == [COMMUNITY, SMALL] and status["failed"] == {}
    assert sorted(SearchIndex.open(indexer.store.index_dir()).vocabs) == [COMMUNITY, SMALL]


@pytest.mark.slow
def test_related_terms_with_the_real_model_answer_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled glossary with the real embedding model (all-MiniLM-L6-v2): the
    indexes an instance builds from the remote data answer related-term queries as
    those built by ``glossary load``. Slow: the model loads and encodes."""
    from glossary.compile import compile_terms
    from service import create_app, remote_indexer

    monkeypatch.delenv("GLOSSARY_EMBEDDING_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with Store.open(tmp_path / "store", read_only=False) as store:
        store.load_graph(compile_terms(), vocab_id=COMMUNITY, source="glossary/terms")
    with exported_to_oxigraph(tmp_path / "store", (COMMUNITY,), tmp_path) as url:
        local = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path / "store")})
        there = create_app({"TESTING": True, "GLOSSARY_STORE": str(tmp_path / "cache"),
                            "GLOSSARY_SPARQL_ENDPOINT": url})  # fmt: skip
        indexer = remote_indexer(there)
        assert indexer is not None
        try:
            assert indexer.wait_ready(300), indexer.status()
            for q in ("tracking relationships with key members", "planning events for members",
                      "content pillar"):  # fmt: skip
                a = local.test_client().get("/api/related", query_string={"q": q})
                b = there.test_client().get("/api/related", query_string={"q": q})
                assert a.status_code == b.status_code == 200
                assert a.get_json() == b.get_json() and a.get_json()["results"]
        finally:
            indexer.stop()


def test_cached_counts_of_one_vocabulary_leave_its_namesakes_alone(
    writable_endpoint: str, tmp_path: Path
) -> None:
    """Regression: ``mini``'s new counts replaced the cached counts of ``mini-2`` too."""
    from conftest import STORE_DATA

    put_graph(writable_endpoint, "mini", STORE_DATA / "mini.ttl")
    put_graph(writable_endpoint, "mini-2", STORE_DATA / "mini.ttl")
    store = RemoteStore(writable_endpoint + "/query", tmp_path, check_interval=3600)
    assert [v.id for v in store.vocabularies()] == ["mini", "mini-2"]
    put_graph(writable_endpoint, "mini", STORE_DATA / "mini-v2.ttl")
    assert store.refresh(force=True)
    store.vocabularies()
    cached = sorted(p.name.split(".")[0] for p in (store.cache_dir() / "counts").iterdir())
    assert cached == ["mini", "mini-2"]
