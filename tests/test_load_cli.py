"""``glossary load`` and ``glossary export`` from the command line: messages, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph
import pytest
from conftest import STORE_DATA

from glossary.cli import main

MINI = STORE_DATA / "mini.ttl"
INVALID = STORE_DATA / "invalid.ttl"
BROKEN = STORE_DATA / "broken.ttl"


@pytest.fixture(autouse=True)
def _light_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")


def test_load_prints_what_it_loaded(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "st"
    assert main(["load", str(MINI), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert "loaded mini: 5 concepts" in out
    assert "snapshot 1 is live" in out


def test_store_defaults_to_glossary_store_env(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GLOSSARY_STORE", str(tmp_path / "env-store"))
    assert main(["load", str(MINI)]) == 0
    assert (tmp_path / "env-store" / "CURRENT").read_text().strip() == "1"
    capsys.readouterr()
    assert main(["export", "--format", "nt"]) == 0
    assert capsys.readouterr().out.count(" .\n") > 30


def test_existing_vocabulary_needs_replace(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "st"
    assert main(["load", str(MINI), "--store", str(store)]) == 0
    assert main(["load", str(MINI), "--store", str(store)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["load", str(MINI), "--store", str(store), "--replace"]) == 0


def test_violations_exit_1_with_a_summary(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "st"
    assert main(["load", str(INVALID), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    # a: two English prefLabels (S14); b: no prefLabel, which SKOS allows (a Warning)
    assert "validation (profile skos): 1 violation, " in err
    assert "https://example.org/invalid/a" in err
    assert "--allow-invalid" in err
    assert not (store / "CURRENT").exists()
    assert main(["load", str(INVALID), "--store", str(store), "--allow-invalid"]) == 0
    captured = capsys.readouterr()
    assert "loaded anyway" in captured.err
    assert "loaded invalid: 2 concepts" in captured.out


CYCLE = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ex: <https://example.org/cycle/> .
ex: a skos:ConceptScheme ; skos:prefLabel "Cycle"@en .
ex:a a skos:Concept ; skos:prefLabel "a"@en ; skos:definition "A."@en ; skos:inScheme ex: ;
    skos:broader ex:b .
ex:b a skos:Concept ; skos:prefLabel "b"@en ; skos:definition "B."@en ; skos:inScheme ex: ;
    skos:broader ex:a .
"""


def test_a_generic_vocabulary_with_a_broader_cycle_loads(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """SKOS allows cycles (Reference 8.6.8): the skos profile the data asks for makes
    the cycle a Warning; a glossary (dct:conformsTo gls:GlossaryProfile) is refused."""
    generic = tmp_path / "cycle.ttl"
    generic.write_text(CYCLE, encoding="utf-8")
    store = tmp_path / "st"
    assert main(["load", str(generic), "--store", str(store)]) == 0
    assert "loaded cycle: 2 concepts" in capsys.readouterr().out
    glossary = tmp_path / "cycle-glossary.ttl"
    glossary.write_text(
        CYCLE
        + "ex: dct:conformsTo <https://w3id.org/semantic-glossary/shapes#GlossaryProfile> .\n",
        encoding="utf-8",
    )
    assert main(["load", str(glossary), "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert "validation (profile glossary): 1 violation" in err
    assert "its own ancestor" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([str(BROKEN)], "broken.ttl:7: not valid Turtle"),
        (["missing.ttl"], "missing.ttl: no such file"),
        ([str(MINI), str(INVALID), "--vocab", "x"], "exactly one file"),
        ([str(MINI), "--vocab", "Bad Id"], "invalid vocabulary id"),
        ([str(STORE_DATA)], "cannot tell the RDF syntax"),
    ],
)
def test_unreadable_input_exits_2(tmp_path: Path, capsys, args, message) -> None:  # type: ignore[no-untyped-def]
    assert main(["load", *args, "--store", str(tmp_path / "st")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_gzip_and_other_syntaxes(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    import gzip

    triples = list(pyoxigraph.parse(path=str(MINI), format=pyoxigraph.RdfFormat.TURTLE))
    files = {
        "mini-gz.ttl.gz": gzip.compress(MINI.read_bytes()),
        "mini-xml.rdf": pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.RDF_XML),
        "mini-ld.jsonld": pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.JSON_LD),
        "mini-nt.nt": pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES),
        # A dataset: its named graph is flattened into the vocabulary's graph.
        "mini-trig.trig": pyoxigraph.serialize(
            [
                pyoxigraph.Quad(
                    t.subject, t.predicate, t.object, pyoxigraph.NamedNode("https://example.org/g")
                )
                for t in triples
            ],
            format=pyoxigraph.RdfFormat.TRIG,
        ),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    store = tmp_path / "st"
    assert main(["load", *(str(tmp_path / n) for n in files), "--store", str(store)]) == 0
    out = capsys.readouterr().out
    for vid in ("mini-gz", "mini-xml", "mini-ld", "mini-nt", "mini-trig"):
        assert f"loaded {vid}: 5 concepts, {len(triples)} triples" in out


@pytest.fixture
def exported_store(tmp_path: Path) -> Path:
    store = tmp_path / "st"
    assert main(["load", str(MINI), "--store", str(store)]) == 0
    return store


@pytest.mark.parametrize(
    ("fmt", "ox"),
    [("turtle", "TURTLE"), ("nt", "N_TRIPLES"), ("jsonld", "JSON_LD"), ("xml", "RDF_XML")],
)
def test_export_round_trips(exported_store: Path, capsysbinary, fmt: str, ox: str) -> None:  # type: ignore[no-untyped-def]
    capsysbinary.readouterr()
    assert main(["export", "--store", str(exported_store), "--vocab", "mini",
                 "--format", fmt]) == 0  # fmt: skip
    data = capsysbinary.readouterr().out
    got = pyoxigraph.Store()
    got.load(data, format=getattr(pyoxigraph.RdfFormat, ox))
    want = pyoxigraph.Store()
    want.load(path=str(MINI), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(got) == len(want)
    assert (
        pyoxigraph.Quad(
            pyoxigraph.NamedNode("https://example.org/mini/apple"),
            pyoxigraph.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"),
            pyoxigraph.Literal("eating apple", language="en"),
        )
        in got
    )


def test_export_csv(exported_store: Path, capsysbinary) -> None:  # type: ignore[no-untyped-def]
    capsysbinary.readouterr()
    assert main(["export", "--store", str(exported_store), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsysbinary.readouterr().out.decode())))
    assert len(rows) == 5
    by_uri = {r["uri"]: r for r in rows}
    apple = by_uri["https://example.org/mini/apple"]
    assert (apple["vocab"], apple["prefLabel@en"], apple["prefLabel@de"]) == (
        "mini", "apple", "Apfel")  # fmt: skip
    assert apple["broader"] == "https://example.org/mini/fruit"
    assert by_uri["https://example.org/mini/old-apple"]["prefLabel@de"] == ""


def test_export_errors(tmp_path: Path, exported_store: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["export", "--store", str(exported_store), "--vocab", "nope"]) == 2
    assert "no vocabulary 'nope' in the store (loaded: mini)" in capsys.readouterr().err
    assert main(["export", "--store", str(tmp_path / "missing")]) == 2
    assert "no store here" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["export", "--store", str(empty)]) == 2
    assert "holds no vocabulary" in capsys.readouterr().err


def test_load_metadata_is_json_beside_the_snapshot(exported_store: Path) -> None:
    meta = json.loads((exported_store / "snapshots" / "1.json").read_text())
    assert meta["snapshot"] == 1
    assert meta["vocabularies"]["mini"]["concepts"] == 5


def test_ill_typed_literal_loads_without_a_traceback(tmp_path: Path, capsys, caplog) -> None:  # type: ignore[no-untyped-def]
    # Like the moro vocabularies: a date in the wrong format, typed xsd:dateTime.
    f = tmp_path / "dated.ttl"
    f.write_text(
        "<https://example.org/s> <http://purl.org/dc/elements/1.1/date> "
        '"18-12-2020"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
    )
    assert main(["load", str(f), "--store", str(tmp_path / "st"), "--allow-invalid"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert not [r for r in caplog.records if "Failed to convert" in r.getMessage()]


@pytest.mark.parametrize(("fmt", "ox"), [("nquads", "N_QUADS"), ("trig", "TRIG")])
def test_export_dataset_keeps_graph_names_and_states_versions(
    tmp_path: Path,
    capsysbinary,
    fmt: str,
    ox: str,  # type: ignore[no-untyped-def]
) -> None:
    from glossary.store import VERSIONS_GRAPH, Store, graph_iri

    store = tmp_path / "st"
    assert main(["load", str(MINI), "--store", str(store)]) == 0
    assert main(["load", str(MINI), "--vocab", "second", "--store", str(store)]) == 0
    capsysbinary.readouterr()
    assert main(["export", "--store", str(store), "--format", fmt]) == 0
    got = pyoxigraph.Store()
    got.load(capsysbinary.readouterr().out, format=getattr(pyoxigraph.RdfFormat, ox))
    with Store.open(store) as st:
        vocabs = {v.graph: v for v in st.vocabularies()}
        for graph, vocab in vocabs.items():
            assert len(list(got.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(graph)))) \
                == vocab.triples  # fmt: skip
    versions = {q.subject.value: q.object.value for q in got.quads_for_pattern(
        None, None, None, pyoxigraph.NamedNode(VERSIONS_GRAPH))}  # fmt: skip
    assert versions == {g: v.loaded_at for g, v in vocabs.items()}
    assert set(vocabs) == {graph_iri("mini"), graph_iri("second")}
    # one vocabulary: its graph and its version only
    assert main(["export", "--store", str(store), "--vocab", "second", "--format", fmt]) == 0
    one = pyoxigraph.Store()
    one.load(capsysbinary.readouterr().out, format=getattr(pyoxigraph.RdfFormat, ox))
    assert {g.value for g in one.named_graphs()} == {graph_iri("second"), VERSIONS_GRAPH}
