"""glossary.validate and `glossary validate`: formats, reports, exit codes, several files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import rdflib

from glossary.cli import main
from glossary.errors import InputError
from glossary.rdfio import read_quads
from glossary.validate import (
    GLS,
    Report,
    Result,
    validate_files,
    validate_graph,
    validate_triples,
)

SUITE = Path(__file__).resolve().parent / "data" / "shapes"
VALID = SUITE / "valid" / "minimal.ttl"
TWO_PREFLABELS = SUITE / "invalid" / "s14-two-preflabels.ttl"  # one Violation
ORPHAN = SUITE / "invalid" / "orphan.ttl"  # one Warning


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out, out.err


# rdflib's JSON-LD and TriG parsers still use APIs that rdflib 7.6 itself deprecates
# (ConjunctiveGraph, Dataset.default_context); the warnings are rdflib's, not ours.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.parametrize(
    ("name", "rdflib_format", "gz"),
    [
        ("data.ttl.gz", "turtle", True),
        ("data.rdf", "xml", False),
        ("data.rdf.gz", "xml", True),
        ("data.jsonld", "json-ld", False),
        ("data.nt", "nt", False),
        ("data.nt.gz", "nt", True),
        ("data.trig", "trig", False),
    ],
)
def test_every_syntax_gives_the_same_results(
    tmp_path: Path, name: str, rdflib_format: str, gz: bool
) -> None:
    graph = rdflib.Graph().parse(TWO_PREFLABELS, format="turtle")
    if rdflib_format == "trig":  # the triples in a named graph (N-Triples lines are TriG)
        data = b"<http://example.org/graph> {\n" + graph.serialize(format="nt").encode() + b"}\n"
    else:
        data = graph.serialize(format=rdflib_format).encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if gz else data)
    expected = validate_files([TWO_PREFLABELS])
    got = validate_files([path])
    assert not got.conforms
    assert [(r.shape, r.focus_node, r.severity) for r in got.results] == [
        (r.shape, r.focus_node, r.severity) for r in expected.results
    ]
    assert got.count("gls:PrefLabelUniquePerLanguage", "Violation") == 1


def test_validate_graph_reports_results_with_all_fields() -> None:
    graph = rdflib.Graph().parse(SUITE / "invalid" / "dangling-broader.ttl", format="turtle")
    report = validate_graph(graph)
    assert report.conforms  # a Warning only
    [r] = report.results
    assert r == Result(
        focus_node="<http://example.org/b>",
        path="<http://www.w3.org/2004/02/skos/core#broader>",
        severity="Warning",
        message=r.message,
        shape=GLS + "SemanticRelationTargetIsConcept",
        value="<http://example.org/Role>",
        profile="skos",
    )
    assert report.profile == "skos"
    assert "not declared a skos:Concept" in r.message


def test_global_shape_message_is_filled_in() -> None:
    report = validate_files([SUITE / "invalid" / "unidirectional-related.ttl"])
    [r] = report.results
    assert "http://example.org/a" in r.message and "{?value}" not in r.message


def test_json_is_the_api_object(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, TWO_PREFLABELS, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["conforms"] is False
    [result] = data["results"]
    assert {"focusNode", "path", "severity", "message", "shape"} <= set(result)
    assert result["focusNode"] == "http://example.org/a"
    assert result["shape"] == GLS + "PrefLabelUniquePerLanguage"
    assert result["severity"] == "Violation"


def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _cli(capsys, VALID)[0] == 0
    assert _cli(capsys, ORPHAN)[0] == 0  # warnings are allowed
    assert _cli(capsys, TWO_PREFLABELS)[0] == 1
    code, _, err = _cli(capsys, tmp_path / "missing.ttl")
    assert code == 2 and "no such file" in err
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    code, _, err = _cli(capsys, broken)
    assert code == 2 and "broken.ttl" in err and "Turtle" in err
    unknown = tmp_path / "data.csv"
    unknown.write_text("a,b\n")
    code, _, err = _cli(capsys, unknown)
    assert code == 2 and "cannot tell the RDF syntax" in err


def test_unreadable_input_raises_input_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.nt"
    broken.write_text("<http://example.org/a> <http://example.org/b> .\n")
    with pytest.raises(InputError):
        validate_files([VALID, broken])


def test_text_report_summarises_and_limits(capsys: pytest.CaptureFixture[str]) -> None:
    path = SUITE / "invalid" / "label-whitespace.ttl"  # 5 results of one shape
    code, out, _ = _cli(capsys, path, "--limit", "1")
    assert code == 0
    assert "conforms (5 warnings)" in out
    assert "      5  Warning    gls:LabelWhitespace" in out
    assert "... and 4 more" in out
    assert out.count("  - <http://example.org/") == 1
    _, out_all, _ = _cli(capsys, path, "--all")
    assert out_all.count("  - <http://example.org/") == 5 and "more" not in out_all


def test_turtle_report_is_a_shacl_validation_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(
        capsys, SUITE / "invalid" / "top-concept-with-broader.ttl", "--format", "turtle"
    )
    assert code == 0
    g = rdflib.Graph().parse(data=out, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    [report] = g.subjects(rdflib.RDF.type, sh.ValidationReport)
    assert g.value(report, sh.conforms) == rdflib.Literal(True)
    results = list(g.objects(report, sh.result))
    assert len(results) == 2
    for r in results:
        assert g.value(r, sh.sourceShape) == rdflib.URIRef(GLS + "TopConceptHasNoBroader")
        # the complex path is copied with its structure (an alternative path)
        path = g.value(r, sh.resultPath)
        assert g.value(path, sh.alternativePath) is not None


def test_several_files_are_validated_one_by_one_and_named(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = validate_files([VALID, TWO_PREFLABELS, ORPHAN])
    assert not report.conforms
    files = {r.file for r in report.results}
    assert files == {str(TWO_PREFLABELS), str(ORPHAN)}
    code, out, _ = _cli(capsys, VALID, TWO_PREFLABELS, ORPHAN, "--format", "json")
    assert code == 1
    assert {r["file"] for r in json.loads(out)["results"]} == files


def test_merge_validates_files_together(tmp_path: Path) -> None:
    """A concept in one file, its broader concept in the other: dangling only apart."""
    prefixes = (
        "@prefix ex: <http://example.org/> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
    )
    top = tmp_path / "top.ttl"
    top.write_text(
        prefixes + 'ex:s a skos:ConceptScheme . ex:a a skos:Concept ; skos:prefLabel "A"@en ;'
        ' skos:definition "A."@en ; skos:inScheme ex:s ; skos:topConceptOf ex:s .\n'
    )
    below = tmp_path / "below.ttl"
    below.write_text(
        prefixes + 'ex:b a skos:Concept ; skos:prefLabel "B"@en ; skos:definition "B."@en ;'
        " skos:inScheme ex:s ; skos:broader ex:a .\n"
    )
    apart = validate_files([top, below])
    assert apart.count("gls:SemanticRelationTargetIsConcept") == 1
    assert apart.count("gls:SchemeIsConceptScheme") == 1
    together = validate_files([top, below], merge=True)
    assert together.results == []


def test_report_conforms_means_no_violation() -> None:
    warning = Result("<urn:x:a>", None, "Warning", "m", GLS + "X")
    violation = Result("<urn:x:b>", None, "Violation", "m", GLS + "Y")
    assert Report.of([warning]).conforms
    assert not Report.of([warning, violation]).conforms
    assert Report.of([violation, warning]).results == [violation, warning]  # violations first


def test_compiled_glossary_conforms() -> None:
    """The bundled community glossary, compiled, passes the glossary profile."""
    from glossary.compile import compile_terms

    report = validate_graph(compile_terms())
    violations = [r for r in report.results if r.severity == "Violation"]
    assert violations == [], report.to_text(limit=None)
    # and it really is treated as a glossary (the strict profile applies): drop one
    # concept's definition and the Violation appears.
    graph = compile_terms()
    skos = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
    concept = next(
        c for c in graph.subjects(skos.definition, None) if (c, skos.scopeNote, None) not in graph
    )
    graph.remove((concept, skos.definition, None))
    broken = validate_graph(graph)
    assert broken.count("gls:GlossaryConceptHasDefinition", "Violation") == 1


def test_validate_triples_gives_the_same_results_as_validate_graph() -> None:
    """The pyoxigraph-native entry point (for the store) agrees on every fixture."""
    checked = 0
    for path in sorted(SUITE.glob("*/*.ttl")):
        want = validate_graph(rdflib.Graph().parse(path, format="turtle"))
        got = validate_triples(read_quads(path))
        assert [(r.shape, r.focus_node, r.path, r.value) for r in got.results] == [
            (r.shape, r.focus_node, r.path, r.value) for r in want.results
        ], path.name
        checked += 1
    assert checked >= 41  # ill-formed language tags too: the reader is lenient
    # and the pySHACL engine is reachable from it (it builds an rdflib graph)
    reference = validate_triples(read_quads(TWO_PREFLABELS), engine="pyshacl")
    assert reference.count("gls:PrefLabelUniquePerLanguage") == 1


def test_benchmark_script_runs(vocabularies: Path) -> None:
    """scripts/bench_validate.py still runs (its figures are read by people, not tested)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, str(root / "scripts" / "bench_validate.py"),
         str(vocabularies / "moro-roles.ttl.gz"), "--stages"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout  # fmt: skip
    assert "moro-roles.ttl.gz" in out and "stages (s): copy" in out
    assert "pySHACL reference engine" in out and "same results: yes" in out


NO_PREFLABEL = SUITE / "invalid" / "no-preflabel.ttl"  # SKOS allows it; the glossary does not
GLOSSARY = SUITE / "valid" / "glossary.ttl"  # declares dct:conformsTo gls:GlossaryProfile


def test_profile_follows_the_data_and_can_be_chosen(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, NO_PREFLABEL)
    assert code == 0
    assert "conforms (1 warning)" in out and "profile skos" in out
    code, out, _ = _cli(capsys, NO_PREFLABEL, "--profile", "glossary", "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["profile"] == "glossary" and not data["conforms"]
    assert [(r["severity"], r["profile"]) for r in data["results"]] == [("Violation", "glossary")]
    code, out, _ = _cli(capsys, GLOSSARY, "--format", "json")
    assert code == 0 and json.loads(out)["profile"] == "glossary"


def test_unknown_profile_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate", str(VALID), "--profile", "strict"])
    assert exc.value.code == 2
    assert "invalid choice: 'strict'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown validation profile 'strict'"):
        validate_files([VALID], profile="strict")


def test_several_files_name_each_files_profile(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, NO_PREFLABEL, GLOSSARY, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["profile"] is None
    assert data["profiles"] == {str(NO_PREFLABEL): "skos", str(GLOSSARY): "glossary"}
    assert {(r["file"], r["profile"]) for r in data["results"]} == {(str(NO_PREFLABEL), "skos")}
    code, out, _ = _cli(capsys, NO_PREFLABEL, GLOSSARY)
    assert f"{NO_PREFLABEL}: skos" in out and f"{GLOSSARY}: glossary" in out


@pytest.mark.parametrize("profile", [None, "skos", "glossary"])
def test_validation_steps_counts_every_step(profile: str | None) -> None:
    """Progress bars are sized by validation_steps(), whatever the profile."""
    steps: list[str] = []
    validate_graph(rdflib.Graph().parse(VALID, format="turtle"), profile=profile,
                   on_step=steps.append)  # fmt: skip
    from glossary.validate import validation_steps

    assert len(steps) == validation_steps()
