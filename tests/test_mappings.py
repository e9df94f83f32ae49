"""Mapping suggestions (glossary/mappings): the suggester on two small vocabularies,
the SSSOM TSV read back by the ``sssom`` package, ``glossary suggest-mappings``,
``GET /api/mappings/suggest``, and a reviewed table loaded as a mapping vocabulary
whose links show on both concepts' pages. Fast: the ``hash`` encoder."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from glossary.cli import main
from glossary.errors import InputError
from glossary.mappings.sssom import (
    MappingRow,
    MappingSet,
    read_sssom,
    sssom_triples,
    write_sssom,
)
from glossary.mappings.suggest import LEXICAL, SEMANTIC, suggest_mappings, to_mapping_set

DATA = Path(__file__).parent / "data"
MINI = "https://example.org/mini/"
ORCH = "https://example.org/orchard/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
#: sssom 0.4 uses pandas options and keywords that pandas 3 deprecates (warnings, errors
#: in this suite): not ours to fix.
SSSOM_WARNS = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@pytest.fixture(scope="module")
def pair_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with ``mini`` (tests/data/store) and ``orchard`` (tests/data/mappings)."""
    from glossary.store import Store

    path = tmp_path_factory.mktemp("mappings-store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load([DATA / "store" / "mini.ttl", DATA / "mappings" / "orchard.ttl"])
    return path


@pytest.fixture
def index(pair_store: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from glossary.search import SearchIndex
    from glossary.store import Store

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    return SearchIndex.open(Store.open(pair_store).index_dir(), wordnet=False)


def by_subject(found):  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for g in found:
        out.setdefault(g.subject.rsplit("/", 1)[1], []).append(g)
    return out


# --- the suggester -------------------------------------------------------------------


def test_label_matches_are_exact_and_lexical(index) -> None:  # type: ignore[no-untyped-def]
    found = by_subject(suggest_mappings(index, "mini", "orchard", threshold=0.3))
    (fruit,) = found["fruit"]
    assert (fruit.predicate, fruit.object, fruit.justification) == (
        "exactMatch",
        ORCH + "fruit",
        LEXICAL,
    )
    assert fruit.label_match == "prefLabel=prefLabel@en" and fruit.confidence == 1.0
    # Only a German prefLabel in common: the label channel finds it, whatever the vectors.
    (quince,) = found["quince"]
    assert quince.object == ORCH + "quitte" and quince.label_match == "prefLabel=prefLabel@de"
    assert quince.predicate == "exactMatch" and quince.confidence >= 0.95 > quince.cos
    (apple,) = found["apple"]
    assert apple.object == ORCH + "apples" and apple.label_match == "prefLabel=altLabel@en"


def test_nested_labels_give_broad_and_narrow_matches(index) -> None:  # type: ignore[no-untyped-def]
    pear = by_subject(suggest_mappings(index, "mini", "orchard", threshold=0.3))["pear"]
    nested = [g for g in pear if g.object == ORCH + "asian-pear"]
    assert [g.predicate for g in nested] == ["narrowMatch"]  # the target is narrower
    assert nested[0].justification == SEMANTIC
    back = by_subject(suggest_mappings(index, "orchard", "mini", threshold=0.3))["asian-pear"]
    assert [(g.predicate, g.object) for g in back] == [("broadMatch", MINI + "pear")]


def test_threshold_limit_and_order(index) -> None:  # type: ignore[no-untyped-def]
    low = suggest_mappings(index, "mini", "orchard", threshold=0.3)
    high = suggest_mappings(index, "mini", "orchard", threshold=0.9)
    assert [g.confidence for g in low] == sorted((g.confidence for g in low), reverse=True)
    assert {g.subject for g in high} == {MINI + "fruit", MINI + "quince", MINI + "apple"}
    assert all(g.confidence >= 0.9 for g in high) and len(low) > len(high)
    assert ORCH + "banana" not in {g.object for g in high}
    assert suggest_mappings(index, "mini", "orchard", threshold=0.3, limit=2) == low[:2]


def test_one_to_one_exact(index) -> None:  # type: ignore[no-untyped-def]
    """Each target is the exactMatch of at most one source concept."""
    found = suggest_mappings(index, "mini", "orchard", threshold=0.0, exact_at=0.0)
    exact = [g.object for g in found if g.predicate == "exactMatch"]
    assert exact and len(exact) == len(set(exact))
    assert any(g.predicate == "closeMatch" for g in found)


@pytest.mark.parametrize(
    ("source", "target", "where", "words"),
    [
        ("mini", "nope", "to", "unknown vocabulary 'nope' (known: "),
        ("nope", "mini", "from", "unknown vocabulary 'nope'"),
        ("mini", "mini", "to", "the same vocabulary"),
        ("", "mini", "from", "from is missing"),
    ],
)
def test_bad_vocabularies(index, source: str, target: str, where: str, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        suggest_mappings(index, source, target)
    assert err.value.where == where and words in err.value.message


def test_bad_threshold_and_limit(index) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match="threshold must be between 0 and 1"):
        suggest_mappings(index, "mini", "orchard", threshold=1.5)
    with pytest.raises(InputError, match="limit must be between"):
        suggest_mappings(index, "mini", "orchard", limit=0)


# --- SSSOM ---------------------------------------------------------------------------


def written(index) -> str:  # type: ignore[no-untyped-def]
    found = suggest_mappings(index, "mini", "orchard", threshold=0.3)
    ms = to_mapping_set(
        found, "mini", "orchard", model="hash-256", threshold=0.3, source_uri=MINI, target_uri=ORCH
    )
    return write_sssom(ms)


@SSSOM_WARNS
def test_sssom_read_back_by_the_sssom_package(index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sssom.parsers import parse_sssom_table

    text = written(index)
    path = tmp_path / "mini-orchard.sssom.tsv"
    path.write_text(text, encoding="utf-8")
    msdf = parse_sssom_table(path)
    df = msdf.df
    found = suggest_mappings(index, "mini", "orchard", threshold=0.3)
    assert len(df) == len(found)
    conv = msdf.converter
    got = {
        (
            conv.expand(r.subject_id),
            conv.expand(r.predicate_id),
            conv.expand(r.object_id),
            conv.expand(r.mapping_justification),
            round(float(r.confidence), 4),
        )
        for r in df.itertuples()
    }
    want = {(g.subject, SKOS + g.predicate, g.object, g.justification, g.confidence) for g in found}
    assert got == want
    assert (
        msdf.metadata["mapping_set_id"]
        == "https://w3id.org/semantic-glossary/mappings/mini-orchard"
    )
    assert msdf.metadata["license"] == "https://w3id.org/sssom/license/unspecified"
    assert set(df["subject_source"]) == {MINI} and set(df["object_source"]) == {ORCH}
    # Our own reader gives the same rows back.
    again = read_sssom(text, where="x")
    assert {(r.subject_id, r.predicate_id, r.object_id, r.confidence) for r in again.rows} == {
        (g.subject, SKOS + g.predicate, g.object, g.confidence) for g in found
    }


def test_sssom_cells_and_prefixes() -> None:
    ms = MappingSet(
        rows=[
            MappingRow(
                "http://a.org/x#1",
                SKOS + "closeMatch",
                "http://b.org/y/2",
                LEXICAL,
                0.5,
                "tab\there",
                None,
                "a\nnote",
            )
        ],
        mapping_set_id="urn:x:set",
        prefixes={"a-vocab": "http://a.org/x#"},
    )
    text = write_sssom(ms)
    assert '#  a_vocab: "http://a.org/x#"' in text and '#  ns: "http://b.org/y/"' in text
    assert (
        "a_vocab:1\ttab here\tskos:closeMatch\tns:2\t\tsemapv:LexicalMatching\t0.5000\ta note"
        in text
    )
    assert read_sssom(text, where="t").rows[0].subject_label == "tab here"


@pytest.mark.parametrize(
    ("table", "words", "where"),
    [
        ("subject_id\tobject_id\nex:a\tex:b\n", "no column predicate_id", "t:1"),
        (
            "#curie_map:\n#  ex: http://e.org/\nsubject_id\tpredicate_id\tobject_id\n"
            "zz:a\tskos:exactMatch\tex:b\n",
            "unknown prefix 'zz'",
            "t:4",
        ),
        (
            "#curie_map:\n#  ex: http://e.org/\nsubject_id\tpredicate_id\tobject_id\tconfidence\n"
            "ex:a\tskos:exactMatch\tex:b\thigh\n",
            "confidence 'high' is not a number",
            "t:4",
        ),
        ("#curie_map: [\nsubject_id\n", "not valid YAML", "t"),
        (
            "#curie_map:\n#  ex: http://e.org/\nsubject_id\tpredicate_id\tobject_id\n"
            "ex:a\towl:sameAs\tex:b\n",
            "unknown prefix 'owl'",
            "t:4",
        ),
        (
            "subject_id\tpredicate_id\tobject_id\nhttp://e.org/a\thttp://e.org/likes\thttp://e.org/b\n",
            "not a SKOS mapping property",
            "t",
        ),
    ],
)
def test_sssom_errors_name_the_line(table: str, words: str, where: str) -> None:
    with pytest.raises(InputError) as err:
        sssom_triples(table.encode(), where="t")
    assert words in err.value.message and err.value.where == where


def test_negated_rows_are_not_loaded() -> None:
    table = (
        "subject_id\tpredicate_id\tobject_id\tpredicate_modifier\n"
        "http://e.org/a\tskos:exactMatch\thttp://e.org/b\tNot\n"
        "http://e.org/a\tskos:closeMatch\thttp://e.org/c\t\n"
    )
    triples = sssom_triples(table.encode(), where="t")
    assert [(t.predicate.value, str(t.object)) for t in triples] == [
        (SKOS + "closeMatch", "<http://e.org/c>")
    ]


# --- the command line ----------------------------------------------------------------


def cli(store: Path, *args: str) -> int:
    return main(["suggest-mappings", "--from", "mini", "--store", str(store), *args])


def test_cli_writes_sssom(pair_store: Path, tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    out = tmp_path / "s.sssom.tsv"
    assert cli(pair_store, "--to", "orchard", "--threshold", "0.9", "-o", str(out)) == 0
    err = capsys.readouterr().err
    assert "3 suggestions from mini to orchard (threshold 0.9): 3 exactMatch" in err
    rows = read_sssom(out.read_text(encoding="utf-8"), where=str(out)).rows
    assert {r.subject_id for r in rows} == {MINI + "fruit", MINI + "quince", MINI + "apple"}
    assert cli(pair_store, "--to", "orchard", "--format", "json", "--limit", "1") == 0
    captured = capsys.readouterr()
    body = json.loads(captured.out)
    assert body["total"] == 3 and len(body["mappings"]) == 1
    assert body["mappings"][0]["subject_id"] == MINI + "fruit"
    assert "the best 1 written (--limit)" in captured.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--to", "nope"], "error: to: unknown vocabulary 'nope' (known: mini, orchard)"),
        (["--to", "mini"], "from and to are the same vocabulary"),
        (["--to", "orchard", "--threshold", "2"], "threshold must be between 0 and 1"),
        (["--to", "orchard", "--limit", "0"], "--limit must be between 1 and"),
    ],
)
def test_cli_errors_exit_2(pair_store: Path, capsys, monkeypatch, args, words) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    code = cli(pair_store, *args)
    captured = capsys.readouterr()
    assert code == 2 and words in captured.err and captured.out == ""


def test_cli_without_store(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(["suggest-mappings", "--from", "a", "--to", "b", "--store", str(tmp_path / "no")])
    assert code == 2 and "there is no store at" in capsys.readouterr().err


# --- HTTP ----------------------------------------------------------------------------


@pytest.fixture
def client(pair_store: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from service import create_app

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    app = create_app({"TESTING": True, "GLOSSARY_STORE": str(pair_store)})
    return app.test_client()


def test_api_json(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/mappings/suggest?from=mini&to=orchard&threshold=0.3&limit=2")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert body["total"] == 5 and len(body["mappings"]) == 2
    first = body["mappings"][0]
    assert first["subject_id"] == MINI + "fruit" and first["predicate_id"] == SKOS + "exactMatch"
    assert first["mapping_justification"] == LEXICAL and first["confidence"] == 1.0
    assert body["metadata"]["subject_source"] == MINI
    assert r.headers["Access-Control-Allow-Origin"] == "*"


@SSSOM_WARNS
def test_api_tsv(client) -> None:  # type: ignore[no-untyped-def]
    from sssom.parsers import parse_sssom_table

    r = client.get(
        "/api/mappings/suggest?from=mini&to=orchard&threshold=0.3",
        headers={"Accept": "text/tab-separated-values"},
    )
    assert r.status_code == 200 and r.mimetype == "text/tab-separated-values"
    assert "mini-orchard.sssom.tsv" in r.headers["Content-Disposition"]
    df = parse_sssom_table(io.StringIO(r.get_data(as_text=True))).df
    assert len(df) == 5 and "mini:fruit" in set(df["subject_id"])
    assert client.get("/api/mappings/suggest?from=mini&to=orchard&format=tsv").mimetype == (
        "text/tab-separated-values"
    )


@pytest.mark.parametrize(
    ("query", "where", "words"),
    [
        ("from=mini&to=nope", "to", "unknown vocabulary 'nope'"),
        ("to=orchard", "from", "the from parameter is missing"),
        ("from=mini&to=mini", "to", "the same vocabulary"),
        ("from=mini&to=orchard&threshold=high", "threshold", "must be a number between 0"),
        ("from=mini&to=orchard&threshold=nan", "threshold", "must be a number between 0"),
        ("from=mini&to=orchard&limit=0", "limit", "limit must be between 1"),
        ("from=mini&to=orchard&format=xml", "format", "format must be json or tsv"),
        ("from=..%2Fx&to=orchard", "from", "not a vocabulary id"),
    ],
)
def test_api_errors_are_problems(client, query: str, where: str, words: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/mappings/suggest?{query}")
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    body = r.get_json()
    assert body["where"] == where and words in body["detail"]


# --- a reviewed table, loaded: links on both concepts' pages ------------------------------


def test_loaded_mappings_show_both_ways(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from glossary.store import Store
    from service import create_app

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    table = tmp_path / "reviewed.sssom.tsv"
    table.write_text(
        "#curie_map:\n#  mini: https://example.org/mini/\n#  or: https://example.org/orchard/\n"
        "#mapping_set_id: https://example.org/sets/1\n"
        "subject_id\tpredicate_id\tobject_id\tmapping_justification\n"
        "mini:pear\tskos:narrowMatch\tor:asian-pear\tsemapv:ManualMappingCuration\n"
        "mini:fruit\tskos:exactMatch\tor:fruit\tsemapv:ManualMappingCuration\n",
        encoding="utf-8",
    )
    store_dir = tmp_path / "store"
    with Store.open(store_dir, read_only=False) as store:
        store.load([DATA / "store" / "mini.ttl", DATA / "mappings" / "orchard.ttl"])
    # An id that sorts before the vocabularies: the concepts still belong to theirs.
    assert main(["load", str(table), "--vocab", "a-map", "--store", str(store_dir)]) == 0
    c = create_app({"TESTING": True, "GLOSSARY_STORE": str(store_dir)}).test_client()

    def concept(uri: str) -> Any:
        r = c.get("/api/concepts", query_string={"uri": uri})
        assert r.status_code == 200
        return r.get_json()

    pear, asian = concept(MINI + "pear"), concept(ORCH + "asian-pear")
    assert pear["vocab"] == "mini" and asian["vocab"] == "orchard"
    assert pear["mappings"] == {
        "narrowMatch": [{"uri": ORCH + "asian-pear", "prefLabel": "Asian pear"}]
    }
    # The inverse: stated nowhere, shown on the target's page.
    assert asian["mappings"] == {"broadMatch": [{"uri": MINI + "pear", "prefLabel": "pear"}]}
    assert concept(ORCH + "fruit")["mappings"] == {
        "exactMatch": [{"uri": MINI + "fruit", "prefLabel": "fruit"}]
    }
    page = c.get("/resource", query_string={"uri": ORCH + "asian-pear", "format": "html"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Broad match" in html and MINI + "pear" in html


# --- the reviewed mapping of the community glossary (docs/mappings/) ---------------------


@SSSOM_WARNS
def test_reviewed_community_mapping_loads() -> None:
    """docs/mappings/community.sssom.tsv reads with sssom and with the loader, and every
    subject is a concept of the community glossary as it compiles today (a renamed term
    would leave a dangling mapping)."""
    from sssom.parsers import parse_sssom_table

    from glossary.compile import compile_terms

    path = Path(__file__).parent.parent / "docs" / "mappings" / "community.sssom.tsv"
    df = parse_sssom_table(path).df
    triples = sssom_triples(path.read_bytes(), where=str(path))
    assert len(triples) == len(df) > 10
    concepts = {str(s) for s in compile_terms().subjects()}
    assert {str(t.subject).strip("<>") for t in triples} <= concepts
    assert {t.predicate.value.rsplit("#", 1)[1] for t in triples} <= {
        "exactMatch",
        "closeMatch",
        "broadMatch",
        "narrowMatch",
        "relatedMatch",
    }
    assert set(df["mapping_justification"]) == {"semapv:ManualMappingCuration"}
