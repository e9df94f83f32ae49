"""The embedded store: snapshots, atomic loads, counts at load time, readers, cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from conftest import ROOT, STORE_DATA

from glossary.errors import InputError, NotFound, StoreError, ValidationFailed
from glossary.store import (
    PAUSE_ENV,
    Store,
    check_vocab_id,
    graph_iri,
    named_query,
    vocab_id_from_path,
)

MINI = STORE_DATA / "mini.ttl"
MINI_V2 = STORE_DATA / "mini-v2.ttl"
INVALID = STORE_DATA / "invalid.ttl"
BROKEN = STORE_DATA / "broken.ttl"
SKOS = "http://www.w3.org/2004/02/skos/core#"


@pytest.fixture(autouse=True)
def _light_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    # Loads build search indexes; the light hash encoder keeps them fast here.
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")


def _triples_in(path: Path) -> int:
    return len(list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)))


def state(path: Path) -> tuple[str, list[dict], int]:
    """What a user of the store sees: the live snapshot, the vocabularies, the quads."""
    with Store.open(path, read_only=True) as store:
        current = (path / "CURRENT").read_text() if (path / "CURRENT").exists() else ""
        return current, [v.to_json() for v in store.vocabularies()], store.quad_count()


def snapshot_numbers(path: Path) -> set[int]:
    return {int(p.name) for p in (path / "snapshots").iterdir() if p.name.isdigit()}


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    """A fresh store with ``mini`` loaded (its own, writable)."""
    with Store.open(tmp_path / "st", read_only=False) as store:
        store.load([MINI])
    return tmp_path / "st"


# --------------------------------------------------------------------------- ids


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("stw-9.16.ttl.gz", "stw-9-16"),
        ("stw-9.16.ttl", "stw-9-16"),
        ("UAT.rdf", "uat"),
        ("My Vocab (2024).jsonld", "my-vocab-2024"),
        ("gemet_3.nt.gz", "gemet_3"),
        ("x.ttl", "x"),
    ],
)
def test_vocab_id_from_file_name(name: str, expected: str) -> None:
    assert vocab_id_from_path(Path(name)) == expected
    assert check_vocab_id(expected) == expected


@pytest.mark.parametrize("bad", ["", "-x", "A", "a b", "../x", "a/b", "é", "x" * 65])
def test_bad_vocab_ids_are_refused(bad: str) -> None:
    with pytest.raises(InputError, match="invalid vocabulary id"):
        check_vocab_id(bad)


def test_no_id_from_a_name_without_letters() -> None:
    with pytest.raises(InputError, match="--vocab"):
        vocab_id_from_path(Path("+++.ttl"))


# --------------------------------------------------------------------------- loading


def test_load_counts_once_and_stores_in_its_own_graph(loaded: Path) -> None:
    with Store.open(loaded) as store:
        [vocab] = store.vocabularies()
        assert vocab.id == "mini"
        assert vocab.graph == graph_iri("mini") == "urn:x-glossary:vocab:mini"
        assert vocab.concepts == 5
        assert vocab.deprecated == 1
        assert vocab.top_concepts == 1
        assert vocab.triples == _triples_in(MINI)
        assert vocab.label_counts == {"en": 5, "de": 4}
        assert vocab.languages == ["en", "de"]
        assert vocab.uri == "https://example.org/mini/"
        assert vocab.schemes == ["https://example.org/mini/"]
        assert vocab.title == "Mini vocabulary"
        assert vocab.titles == {"en": "Mini vocabulary", "de": "Mini-Vokabular"}
        assert vocab.source == "mini.ttl"
        assert vocab.conforms
        assert len(vocab.content_hash) == 64
        # Every quad is in the vocabulary's graph; metadata is not RDF.
        ox = store.oxigraph()
        assert {g.value for g in ox.named_graphs()} == {vocab.graph}
        assert len(ox) == vocab.triples
        assert store.vocabulary_graphs() == [vocab.graph]
        assert store.vocabulary("mini") == vocab


def test_default_graph_is_the_union_and_bindings_are_bound(loaded: Path) -> None:
    with Store.open(loaded) as store:
        q = f"SELECT ?c ?label WHERE {{ ?c <{SKOS}prefLabel> ?label }}"
        rows = store.select(q, c=pyoxigraph.NamedNode("https://example.org/mini/apple"))
        assert sorted(r["label"].value for r in rows) == ["Apfel", "apple"]
        # A bound value is a term, never spliced into the query text.
        evil = pyoxigraph.Literal('"} ; DROP ALL ; #')
        assert store.select(q, label=evil) == []
        assert store.ask(f"ASK {{ ?c <{SKOS}broader> ?b }}", b=pyoxigraph.NamedNode(
            "https://example.org/mini/fruit"))  # fmt: skip
        triples = store.construct(
            f"CONSTRUCT {{ ?c <{SKOS}broader> ?b }} WHERE {{ ?c <{SKOS}broader> ?b }}"
        )
        assert len(triples) == 3


def test_named_queries_have_a_header_comment() -> None:
    for name in ("vocab-counts", "vocab-label-languages", "vocab-schemes", "scheme-titles",
                 "export-concepts"):  # fmt: skip
        assert named_query(name).startswith(f"# {name}:")
    with pytest.raises(StoreError, match="missing"):
        named_query("no-such-query")


def test_existing_id_needs_replace(loaded: Path) -> None:
    before = state(loaded)
    with Store.open(loaded, read_only=False) as store, pytest.raises(InputError) as err:
        store.load([MINI_V2], vocab_id="mini")
    assert "--replace" in str(err.value)
    assert state(loaded) == before


def test_replace_switches_readers_to_the_new_version(loaded: Path) -> None:
    reader = Store.open(loaded, read_only=True, check_interval=3600)
    fresh = Store.open(loaded, read_only=True, check_interval=0)
    try:
        old = reader.vocabulary("mini")
        with Store.open(loaded, read_only=False) as writer:
            result = writer.load([MINI_V2], vocab_id="mini", replace=True)
        assert result.snapshot == 2
        assert set(result.timings) == {"parse", "validate", "write", "counts", "changes",
                                          "indexes", "flip"}  # fmt: skip
        # A reader that has not looked again still serves the complete old version.
        assert reader.vocabulary("mini") == old
        assert reader.snapshot == 1
        # One that looks (check_interval elapsed) serves the new one, and only it.
        new = fresh.vocabulary("mini")
        assert fresh.snapshot == 2
        assert new.title == "Mini vocabulary, second edition"
        assert new.concepts == 2
        assert new.triples == _triples_in(MINI_V2) == fresh.quad_count()
        labels = {r["l"].value for r in fresh.select(f"SELECT ?l {{ ?c <{SKOS}prefLabel> ?l }}")}
        assert labels == {"fruit", "plum"}
        assert reader.refresh(force=True)
        assert reader.vocabulary("mini") == new
    finally:
        reader.close()
        fresh.close()


@pytest.mark.parametrize("replaced", ["mini", "invalid"])
def test_replace_keeps_the_other_vocabularies(loaded: Path, replaced: str) -> None:
    # Replacing the big one copies the small one into a fresh snapshot; replacing the
    # small one checkpoints and removes its graph. Both must keep the other intact.
    with Store.open(loaded, read_only=False) as store:
        store.load([INVALID], allow_invalid=True)
        before = {v.id: v for v in store.vocabularies()}
        source = MINI if replaced == "mini" else INVALID
        store.load([source], vocab_id=replaced, replace=True, allow_invalid=True)
        after = {v.id: v for v in store.vocabularies()}
        assert after.keys() == before.keys()
        [other] = set(after) - {replaced}
        assert after[other] == before[other]
        ox = store.oxigraph()
        for vid, vocab in after.items():
            assert len(list(ox.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(
                graph_iri(vid))))) == vocab.triples  # fmt: skip
        assert store.quad_count() == _triples_in(MINI) + _triples_in(INVALID)


def _fingerprint(directory: Path) -> dict[str, tuple[int, int, str]]:
    import hashlib

    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns,
                     hashlib.sha256(p.read_bytes()).hexdigest())
            for p in directory.iterdir() if p.is_file()}  # fmt: skip


@pytest.mark.parametrize("replace", [False, True])
def test_a_load_never_writes_into_the_live_snapshot(loaded: Path, replace: bool) -> None:
    # The live snapshot's files (some hard-linked into the new one) stay byte for byte
    # the same, so readers that have it open are never disturbed.
    live = loaded / "snapshots" / "1"
    reader = Store.open(loaded, read_only=True, check_interval=3600)
    before = _fingerprint(live)
    with Store.open(loaded, read_only=False) as store:
        if replace:
            store.load([MINI_V2], vocab_id="mini", replace=True)
        else:
            store.load([INVALID], allow_invalid=True)
        assert store.snapshot == 2
    assert _fingerprint(live) == before
    assert reader.quad_count() == _triples_in(MINI)
    reader.close()


def test_several_files_load_together_or_not_at_all(tmp_path: Path) -> None:
    copy = tmp_path / "other.ttl"
    copy.write_bytes(MINI_V2.read_bytes())
    path = tmp_path / "st"
    with Store.open(path, read_only=False) as store:
        with pytest.raises(InputError, match=r"broken\.ttl:7"):
            store.load([MINI, BROKEN])
        assert store.vocabularies() == []
        assert not (path / "CURRENT").exists()
        result = store.load([MINI, copy])
        assert [v.id for v in result.vocabularies] == ["mini", "other"]
        assert [v.id for v in store.vocabularies()] == ["mini", "other"]
        assert store.quad_count() == _triples_in(MINI) + _triples_in(MINI_V2)


def test_blank_nodes_never_merge_across_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text('_:x <https://example.org/p> "a" .\n')
    b.write_text('_:x <https://example.org/p> "b" .\n')
    with Store.open(tmp_path / "st", read_only=False) as store:
        store.load([a, b], allow_invalid=True)
        rows = store.select("SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s <https://example.org/p> ?o }")
        assert rows[0]["n"].value == "2"


def test_syntax_error_changes_nothing(loaded: Path) -> None:
    before = state(loaded)
    with Store.open(loaded, read_only=False) as store, pytest.raises(InputError) as err:
        store.load([BROKEN])
    assert err.value.where == f"{BROKEN}:7"
    assert state(loaded) == before


def test_violations_refuse_unless_allowed(loaded: Path) -> None:
    before = state(loaded)
    with Store.open(loaded, read_only=False) as store:
        with pytest.raises(ValidationFailed) as err:
            store.load([INVALID])
        assert err.value.report is not None and not err.value.report.conforms
        assert state(loaded) == before
        result = store.load([INVALID], allow_invalid=True)
        assert not result.reports["invalid"].conforms
        assert not store.vocabulary("invalid").conforms
        assert [v.id for v in store.vocabularies()] == ["invalid", "mini"]


def test_failing_index_build_changes_nothing(loaded: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from glossary import store as store_module

    def broken_builder(*args: object) -> None:
        raise StoreError("disk full (simulated)")

    monkeypatch.setattr(store_module, "_index_builder", lambda: broken_builder)
    before = state(loaded)
    with Store.open(loaded, read_only=False) as store, pytest.raises(StoreError, match="disk"):
        store.load([MINI_V2], vocab_id="mini", replace=True)
    assert state(loaded) == before
    assert snapshot_numbers(loaded) == {1}  # the unfinished snapshot is gone at once
    assert sorted(p.name for p in (loaded / "indexes").iterdir()) == ["1"]


def test_write_errors_become_store_errors(loaded: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from glossary import store as store_module

    real = store_module._write_atomic

    def failing(path: Path, text: str) -> None:
        if path.name == "CURRENT":
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(store_module, "_write_atomic", failing)
    before = state(loaded)
    with Store.open(loaded, read_only=False) as store, pytest.raises(StoreError) as err:
        store.load([INVALID], allow_invalid=True)
    assert "No space left" in str(err.value)
    assert state(loaded) == before
    assert snapshot_numbers(loaded) == {1}


def test_argument_errors() -> None:
    store = Store(Path("/nonexistent"), read_only=False, check_interval=0)
    with pytest.raises(InputError, match="exactly one file"):
        store.load([MINI, MINI_V2], vocab_id="x")
    with pytest.raises(InputError, match="same vocabulary 'mini'"):
        store.load([MINI, MINI])
    with pytest.raises(InputError, match="no file"):
        store.load([])


def test_read_only_store(tmp_path: Path, loaded: Path) -> None:
    with pytest.raises(StoreError, match="no store here"):
        Store.open(tmp_path / "missing")
    with Store.open(loaded) as store, pytest.raises(StoreError, match="read-only"):
        store.load([MINI_V2], vocab_id="mini2")
    with pytest.raises(NotFound, match="loaded: mini"), Store.open(loaded) as store:
        store.vocabulary("nope")


def test_damaged_store_is_a_clear_error(loaded: Path) -> None:
    reader = Store.open(loaded, read_only=True, check_interval=0)
    (loaded / "CURRENT").write_text("7\n")  # names a snapshot that is not there
    with pytest.raises(StoreError, match="cannot open snapshot 7"):
        Store.open(loaded)
    with pytest.raises(StoreError, match="cannot open snapshot 7"):
        reader.vocabularies()
    (loaded / "CURRENT").write_text("x\n")
    with pytest.raises(StoreError, match="not a snapshot number"):
        reader.vocabularies()
    (loaded / "CURRENT").write_text("1\n")  # repaired: the reader recovers by itself
    assert [v.id for v in reader.vocabularies()] == ["mini"]
    reader.close()


def test_empty_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "empty", read_only=False) as store:
        assert store.is_empty()
        assert store.vocabularies() == []
        assert store.live_snapshot_path() is None
        assert len(store.oxigraph()) == 0


def test_live_snapshot_path_opens_read_only_elsewhere(loaded: Path) -> None:
    with Store.open(loaded) as store:
        path = store.live_snapshot_path()
        assert path is not None and path.parent.name == "snapshots"
        other = pyoxigraph.Store.read_only(str(path))
        assert len(other) == store.quad_count() > 0


def test_indexes_belong_to_their_snapshot(loaded: Path) -> None:
    with Store.open(loaded, read_only=False) as store:
        first = store.index_dir()
        store.load([INVALID], allow_invalid=True)
        second = store.index_dir()
        assert first != second and second.name == str(store.snapshot)
        meta = json.loads((loaded / "snapshots" / f"{store.snapshot}.json").read_text())
        assert meta["indexes"] == f"indexes/{store.snapshot}"
        # Files the new load did not touch are shared (hard links), not copied.
        before = {p.relative_to(first): p.stat().st_ino for p in first.rglob("*") if p.is_file()}
        after = {p.relative_to(second): p.stat().st_ino for p in second.rglob("*") if p.is_file()}
        assert before, "the search part built no index files"
        assert all(after[rel] == ino for rel, ino in before.items())


def test_old_snapshots_are_collected_unless_read(loaded: Path) -> None:
    pinned = Store.open(loaded, read_only=True, check_interval=3600)  # holds snapshot 1
    with Store.open(loaded, read_only=False) as store:
        for n in range(3):
            store.load([MINI_V2], vocab_id="mini", replace=True)
            assert store.snapshot == n + 2
        # 1 is kept while read; 2 is older than the last two (3, 4) and nobody reads it.
        assert snapshot_numbers(loaded) == {1, 3, 4}
        assert pinned.vocabulary("mini").concepts == 5
        assert pinned.quad_count() == _triples_in(MINI)
        pinned.close()
        store.load([MINI], vocab_id="mini", replace=True)
        assert snapshot_numbers(loaded) == {4, 5}
        assert sorted(p.name for p in (loaded / "indexes").iterdir()) == ["4", "5"]


# --------------------------------------------------------------------------- killed loads


def _start_load(store_dir: Path, stage: str, *files: Path, extra: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    env = {**os.environ, PAUSE_ENV: f"{stage}:60", "GLOSSARY_EMBEDDING_MODEL": "hash"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "glossary", "load", *map(str, files), "--store", str(store_dir),
         *extra],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        if f"paused at {stage}" in line:
            return proc
        if time.monotonic() > deadline:  # pragma: no cover
            break
    _kill(proc)
    raise AssertionError(f"the load never reached {stage}")


def _kill(proc) -> int:  # type: ignore[no-untyped-def]
    proc.kill()
    proc.wait(timeout=10)
    proc.stderr.close()
    return proc.returncode


@pytest.mark.parametrize("stage", ["validate", "write", "counts", "changes", "indexes", "flip"])
def test_killed_load_leaves_the_store_as_it_was(loaded: Path, stage: str) -> None:
    before = state(loaded)
    proc = _start_load(loaded, stage, MINI_V2, extra=("--vocab", "mini", "--replace"))
    assert _kill(proc) == -signal.SIGKILL
    assert state(loaded) == before
    # The next load removes the leftovers and succeeds.
    with Store.open(loaded, read_only=False) as store:
        store.load([MINI_V2], vocab_id="mini", replace=True)
        assert store.vocabulary("mini").concepts == 2
        assert max(snapshot_numbers(loaded)) == store.snapshot
        assert all((loaded / "snapshots" / f"{n}.json").exists() for n in snapshot_numbers(loaded))


def test_two_loads_never_write_at_once(loaded: Path) -> None:
    proc = _start_load(loaded, "write", MINI_V2, extra=("--vocab", "mini2"))
    try:
        with Store.open(loaded, read_only=False) as store, pytest.raises(StoreError) as err:
            store.load([INVALID], allow_invalid=True, lock_wait=0.5)
        assert "another load" in str(err.value)
    finally:
        _kill(proc)
    assert [v["id"] for v in state(loaded)[1]] == ["mini"]


# --------------------------------------------------------------------------- real vocabularies

REAL = ["stw-9.16", "uat", "gemet-3.1-5lang", "unesco-thesaurus", "physh", "moro-roles"]


@pytest.mark.slow
def test_real_vocabularies_are_counted_as_their_statistics_say(
    tmp_path: Path, vocabularies: Path
) -> None:
    """Six real vocabularies (defects and all) against vocab-stats.json, counted by
    other means when the files were prepared (rdflib)."""
    stats = json.loads((vocabularies / "vocab-stats.json").read_text())
    files = [vocabularies / stats[name]["file"] for name in REAL]
    with Store.open(tmp_path / "st", read_only=False) as store:
        result = store.load(files, allow_invalid=True)
        by_source = {v.source: v for v in store.vocabularies()}
        assert len(by_source) == len(REAL)
        for name in REAL:
            want = stats[name]
            got = by_source[want["file"]]
            assert got.triples == want["triples"], name
            assert got.concepts == want["concepts"], name
            assert len(got.schemes) == want["schemes"], name
            assert got.deprecated == want["defects"]["owl_deprecated"], name
            # Language tags are case-insensitive; pyoxigraph keeps them lower-cased.
            want_langs = {lang.lower(): n for lang, n in want["pref_langs"].items()}
            assert got.label_counts == want_langs, name
            assert got.title, name
        assert store.quad_count() == sum(stats[n]["triples"] for n in REAL)
        assert result.timings["write"] < 60
