"""The SHACL shapes against their fixture suite (tests/data/shapes/manifest.yaml).

Every case lists every result the validator must give; every named shape in
ontology/shapes must have at least one invalid case; the shapes themselves must be
valid SHACL (checked with the SHACL-SHACL shapes that pySHACL ships).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import rdflib
import yaml

from glossary.validate import GLS, SH, Result, load_shapes, validate_files, validate_graph

SUITE = Path(__file__).resolve().parent / "data" / "shapes"
MANIFEST = yaml.safe_load((SUITE / "manifest.yaml").read_text(encoding="utf-8"))
PREFIXES: dict[str, str] = MANIFEST["prefixes"]
CASES: list[dict[str, Any]] = MANIFEST["cases"]
RAN: set[str] = set()


def expand(term: str) -> str:
    """``ex:a`` -> ``<http://example.org/a>``; N3 literals and ``<...>`` unchanged."""
    if term.startswith(("<", '"', "_:")):
        return term
    prefix, _, local = term.partition(":")
    return f"<{PREFIXES[prefix]}{local}>"


def shape_iri(term: str) -> str:
    return expand(term)[1:-1]


def key(r: Result) -> tuple[str, str, str]:
    return (r.shape, r.severity, r.focus_node)


def case_id(case: dict[str, Any]) -> str:
    return case["file"] + (f" ({case['profile']})" if "profile" in case else "")


def run_case(case: dict[str, Any]) -> None:
    path = SUITE / case["file"]
    report = validate_files([path], profile=case.get("profile"))
    got = {key(r) for r in report.results}
    want = {(shape_iri(e["shape"]), e["severity"], expand(e["focus"])) for e in case["expect"]}
    assert got == want, "\n" + report.to_text(limit=None)
    for e in case["expect"]:
        candidates = [
            r
            for r in report.results
            if key(r) == (shape_iri(e["shape"]), e["severity"], expand(e["focus"]))
        ]
        if "path" in e:
            candidates = [r for r in candidates if r.path == expand(e["path"])]
        if "value" in e:
            candidates = [r for r in candidates if r.value == expand(e["value"])]
        assert candidates, f"no result matches {e}:\n{report.to_text(limit=None)}"
    # Invalid cases must fail with the severity their shapes carry; valid ones conform.
    assert report.conforms == all(e["severity"] != "Violation" for e in case["expect"])
    assert {r.profile for r in report.results} <= {report.profile}
    RAN.add(case_id(case))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: dict[str, Any]) -> None:
    run_case(case)


def test_every_case_ran() -> None:
    """Counts the cases run above (or runs them, when this test is selected alone)."""
    if not RAN:
        for case in CASES:
            run_case(case)
    assert len(RAN) == len(CASES) == len({case_id(c) for c in CASES})
    assert len(CASES) >= 40


def test_every_fixture_file_is_in_the_manifest() -> None:
    # skos-reference/ is the SKOS Reference's examples, with their own test
    on_disk = {
        str(p.relative_to(SUITE)) for d in ("valid", "invalid") for p in SUITE.glob(f"{d}/*.ttl")
    }
    assert on_disk == {c["file"] for c in CASES}


def test_every_shape_has_an_invalid_case() -> None:
    shapes = set(load_shapes().names)
    assert len(shapes) >= 25
    covered = {
        shape_iri(e["shape"])
        for c in CASES
        if c["file"].startswith("invalid/")
        for e in c["expect"]
    }
    assert covered <= shapes, f"the manifest names unknown shapes: {covered - shapes}"
    missing = shapes - covered
    assert not missing, f"shapes without an invalid case in the manifest: {sorted(missing)}"
    valid = [c for c in CASES if c["file"].startswith("valid/")]
    assert valid and all(c["expect"] == [] for c in valid)


def test_every_shape_is_named_and_has_severity_message_and_comment() -> None:
    shapes = load_shapes()
    g = shapes.graph
    sh = rdflib.Namespace(SH)
    for name in shapes.names:
        shape = rdflib.URIRef(name)
        assert name.startswith(GLS), name
        assert g.value(shape, sh.severity) in (sh.Violation, sh.Warning), name
        messages = list(g.objects(shape, sh.message))
        assert messages and all(len(str(m)) > 30 for m in messages), name
        assert g.value(shape, rdflib.RDFS.comment) is not None, name
    # No anonymous top-level shapes: every result must name a stable shape IRI.
    for kind in (sh.NodeShape, sh.PropertyShape):
        for shape in g.subjects(rdflib.RDF.type, kind):
            assert isinstance(shape, rdflib.URIRef), f"a blank-node {kind} in the shape files"


def test_global_shapes_have_no_target_and_their_queries_parse() -> None:
    import pyoxigraph

    shapes = load_shapes()
    assert {s.iri.removeprefix(GLS) for s in shapes.global_shapes} >= {
        "CyclicHierarchy",
        "RelatedNotBroaderTransitive",
        "UnidirectionalRelated",
        "GlossaryConceptHasDefinition",
        "LanguageTagWellFormed",
    }
    store = pyoxigraph.Store()
    for shape in shapes.global_shapes:
        assert "$this" in shape.query
        list(store.query(shape.query))  # parses and runs on an empty store


def _shacl_shacl() -> rdflib.Graph:
    import pyshacl

    path = Path(pyshacl.__file__).parent / "assets" / "shacl-shacl.ttl"
    return rdflib.Graph().parse(path, format="turtle")


def test_shapes_are_valid_shacl() -> None:
    import pyshacl

    # SHACL-SHACL walks RDF lists recursively, one level per member: our alternative
    # paths (up to 10 properties) need more than pySHACL's default depth of 15.
    conforms, _graph, text = pyshacl.validate(
        load_shapes().graph, shacl_graph=_shacl_shacl(), inference="none", max_validation_depth=60
    )
    assert conforms, text


def test_meta_shacl_catches_a_broken_shape() -> None:
    """The check above can fail: a shape with a non-integer sh:minCount does not pass."""
    import pyshacl

    broken = rdflib.Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:Broken> a sh:PropertyShape ; sh:path <urn:x:p> ; sh:minCount "one" .
        """,
        format="turtle",
    )
    conforms, _graph, _text = pyshacl.validate(
        broken, shacl_graph=_shacl_shacl(), inference="none", max_validation_depth=60
    )
    assert not conforms


def _full(r: Result) -> tuple[str, str, str, str | None, str | None]:
    return (r.shape, r.severity, r.focus_node, r.path, r.value)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_translated_shapes_agree_with_pyshacl(case: dict[str, Any]) -> None:
    """The per-node shapes as global SPARQL and the SHACL-SPARQL shapes with targets
    run once for all (the default engine) give exactly the results pySHACL gives, on
    every fixture."""
    graph = rdflib.Graph().parse(SUITE / case["file"], format="turtle")
    profile = case.get("profile")
    fast = validate_graph(graph, engine="sparql", profile=profile)
    reference = validate_graph(graph, engine="pyshacl", profile=profile)
    assert [_full(r) for r in fast.results] == [_full(r) for r in reference.results]


def test_every_per_node_shape_is_translated() -> None:
    """No shape falls back to pySHACL today (a new one may: it still runs, slower)."""
    shapes = load_shapes()
    assert shapes.untranslated == ()
    assert {q.shape for q in shapes.translated} == set(shapes.core)
