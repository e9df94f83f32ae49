"""`glossary validate` on every real vocabulary in the shared vocabularies directory.

Each must finish, with the exit status and the result counts below. The counts were
read from the reports and checked against the known defects listed in
../shared/vocabularies/README.md (and vocab-stats.json); where our figure differs from
the README's, the comment says why. Small files run in the default suite, the big
ones are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rdflib
import rdflib.util

from glossary.cli import main
from glossary.rdfio import read_graph
from glossary.validate import GLS, validate_graph

CONCEPT = "http://www.eionet.europa.eu/gemet/concept/"

#: file -> (exit status, {shape: number of results}); shapes not listed may have any count.
EXPECTED: dict[str, tuple[int, dict[str, int]]] = {
    # README: 1,150 owl:deprecated concepts with no prefLabel (a Warning: deprecated);
    # 1,026 literals with stray whitespace, counted over all literals: 1,000 are labels.
    "stw-9.16.ttl.gz": (
        0,
        {
            "LiteralWellTyped": 0,
            "DeprecatedConceptHasPrefLabel": 1150,
            "ConceptHasPrefLabel": 0,
            "LabelWhitespace": 1000,
            "OrphanConcept": 0,  # the 1,150 orphans are the deprecated ones, left out
        },
    ),
    # README: two 2-cycles in skos:broader (15132<->15133, 625<->2663); we also follow
    # skos:narrower and find a third (15046 and 15125 are each other's narrower). SKOS
    # allows cycles: Warnings in the skos profile this data gets (measured: the same 3,
    # Violations before profiles). Exit 1 stays, for S27: 20 direct clashes and 21
    # through the hierarchy (the same counts with the mapping entailments of S41).
    # No skos:inScheme on any of the 5,520 concepts.
    # README: 347 groups of the same prefLabel (same language, ignoring case): 715 concepts.
    "gemet-3.1-5lang.ttl.gz": (
        1,
        {
            "CyclicHierarchy": 3,
            "ConceptInScheme": 5520,
            "RelatedNotBroader": 20,
            "OverlappingPrefLabel": 715,
        },
    ),
    # README: 97 deprecated concepts with no prefLabel; no concept has skos:inScheme.
    "uat.ttl.gz": (
        1,
        {
            "DeprecatedConceptHasPrefLabel": 97,
            "ConceptInScheme": 2372,
            "RelatedNotBroaderTransitive": 2,
            "PrefLabelUniquePerLanguage": 0,  # en and en-GB are different languages
        },
    ),
    # README: 2 concepts have the same literal as prefLabel and altLabel; S13 holds for
    # any resource, and a third offender is a micro-thesaurus (mt7.10), not a concept.
    # README: 49 groups of duplicate prefLabels (102 concepts).
    "unesco-thesaurus.ttl.gz": (1, {"PrefLabelNotAltOrHidden": 3, "OverlappingPrefLabel": 102}),
    # README: no skos:inScheme on concepts; facets are typed skos:Concept too.
    "physh.ttl.gz": (1, {"ConceptInScheme": 3925, "RelatedNotBroader": 4}),
    # README: all 35,999 concepts are orphans (no hierarchy), none documented.
    # README: 229 groups of duplicate labels (475 concepts).
    "yso-cicero-labels.ttl.gz": (
        0,
        {"OrphanConcept": 35999, "UndocumentedConcept": 35999, "OverlappingPrefLabel": 475},
    ),
    # vocab-stats.json: 2 groups of duplicate prefLabels.
    "iptc-mediatopic-2017.ttl.gz": (
        0,
        {"LabelWhitespace": 4, "UndocumentedConcept": 0, "OverlappingPrefLabel": 4},
    ),
    # README: skos:broader points to mrv:Role and the like (33, 10 and 13 dangling targets).
    # README: ill-typed literal dc:date "18-12-2020"^^xsd:dateTime in each.
    "moro-roles.ttl.gz": (
        0,
        {"SemanticRelationTargetIsConcept": 33, "TopConceptIsConcept": 1, "LiteralWellTyped": 1},
    ),
    "moro-subjects.ttl.gz": (0, {"SemanticRelationTargetIsConcept": 10, "LiteralWellTyped": 1}),
    "moro-types.ttl.gz": (0, {"SemanticRelationTargetIsConcept": 13, "LiteralWellTyped": 1}),
    # README: 77 concepts have neither a broader concept nor top-concept status; 22 of
    # them have narrower or related concepts, so qSKOS does not count them as orphans.
    "write-thesaurus.ttl.gz": (0, {"OrphanConcept": 55, "SchemeIsConceptScheme": 100}),
    "gemet-governance-society.ttl.gz": (
        1,
        {"RelatedNotBroader": 2, "CyclicHierarchy": 0, "OverlappingPrefLabel": 36},
    ),
    "iptc-politics-society-labour.ttl.gz": (0, {"LabelWhitespace": 1}),
    "knot-taxonomy.ttl.gz": (0, {}),
    "knot-technology-thesaurus.ttl.gz": (0, {"UnidirectionalRelated": 1}),
    "edition-types-vocabulary.ttl.gz": (0, {"UnidirectionalRelated": 13}),
}

#: Run in the default suite (each validates in well under a second).
SMALL = {
    "moro-roles.ttl.gz",
    "moro-subjects.ttl.gz",
    "moro-types.ttl.gz",
    "write-thesaurus.ttl.gz",
    "knot-taxonomy.ttl.gz",
    "knot-technology-thesaurus.ttl.gz",
    "edition-types-vocabulary.ttl.gz",
    "iptc-politics-society-labour.ttl.gz",
    "gemet-governance-society.ttl.gz",
}

CASES = [
    pytest.param(name, id=name, marks=() if name in SMALL else pytest.mark.slow)
    for name in sorted(EXPECTED)
]


def _validate(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, dict[str, Any]]:
    code = main(["validate", str(path), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _count(data: dict[str, Any], shape: str) -> int:
    return sum(1 for r in data["results"] if r["shape"] == GLS + shape)


def test_every_vocabulary_has_expectations(vocabularies: Path) -> None:
    files = {p.name for p in vocabularies.glob("*.ttl.gz")}
    assert len(files) == 16
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", CASES)
def test_vocabulary(name: str, vocabularies: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = _validate(capsys, vocabularies / name)
    want_code, counts = EXPECTED[name]
    got = {shape: _count(data, shape) for shape in counts}
    assert (code, got) == (want_code, counts)
    assert data["conforms"] is (code == 0)
    assert data["profile"] == "skos"  # none of them asks for the glossary profile
    for r in data["results"]:
        assert r["focusNode"] and r["message"] and r["shape"].startswith(GLS)
        assert r["severity"] in ("Violation", "Warning")


@pytest.mark.slow
def test_gemet_cycles_are_the_known_ones(
    vocabularies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, data = _validate(capsys, vocabularies / "gemet-3.1-5lang.ttl.gz")
    found = [r for r in data["results"] if r["shape"] == GLS + "CyclicHierarchy"]
    assert data["profile"] == "skos"
    assert {(r["severity"], r["profile"]) for r in found} == {("Warning", "skos")}
    cycles = {frozenset((r["focusNode"], r["value"].strip("<>"))) for r in found}
    assert cycles == {
        frozenset((CONCEPT + "15132", CONCEPT + "15133")),
        frozenset((CONCEPT + "625", CONCEPT + "2663")),
        frozenset((CONCEPT + "15046", CONCEPT + "15125")),
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "groups"),
    [
        ("gemet-3.1-5lang.ttl.gz", 347),
        ("unesco-thesaurus.ttl.gz", 49),
        ("yso-cicero-labels.ttl.gz", 229),
        ("iptc-mediatopic-2017.ttl.gz", 2),
    ],
)
def test_overlapping_labels_form_the_known_groups(
    name: str, groups: int, vocabularies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README counts groups of concepts sharing a prefLabel; we report each concept."""
    _, data = _validate(capsys, vocabularies / name)
    labels = [
        rdflib.util.from_n3(r["value"])
        for r in data["results"]
        if r["shape"] == GLS + "OverlappingPrefLabel"
    ]
    assert len({(str(lit).lower(), (lit.language or "").lower()) for lit in labels}) == groups


@pytest.mark.slow
def test_stw_deprecated_concepts_are_the_ones_without_label(vocabularies: Path) -> None:
    graph = read_graph(vocabularies / "stw-9.16.ttl.gz")
    report = validate_graph(graph)
    focus = {
        r.focus_node for r in report.results if r.shape == GLS + "DeprecatedConceptHasPrefLabel"
    }
    owl_deprecated = rdflib.URIRef("http://www.w3.org/2002/07/owl#deprecated")
    pref = rdflib.URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    deprecated_unlabelled = {
        s.n3()
        for s in graph.subjects(owl_deprecated, rdflib.Literal(True))
        if (s, pref, None) not in graph
    }
    assert focus == deprecated_unlabelled and len(focus) == 1150


def test_moro_ill_typed_date_is_reported_not_logged(
    vocabularies: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ill-typed "18-12-2020"^^xsd:dateTime is a result of its shape, in one line,
    never a parser traceback."""
    code = main(["validate", str(vocabularies / "moro-roles.ttl.gz")])
    out = capsys.readouterr()
    assert code == 0
    assert "gls:LiteralWellTyped" in out.out and '"18-12-2020"' in out.out
    assert "Traceback" not in out.err + out.out


@pytest.mark.parametrize(
    "name",
    [
        "moro-roles.ttl.gz",
        "write-thesaurus.ttl.gz",
        "knot-technology-thesaurus.ttl.gz",
        pytest.param("uat.ttl.gz", marks=pytest.mark.slow),
        pytest.param("gemet-governance-society.ttl.gz", marks=pytest.mark.slow),
    ],
)
def test_engines_agree_on_real_vocabularies(name: str, vocabularies: Path) -> None:
    graph = read_graph(vocabularies / name)

    def full(engine: str) -> list[tuple[str, str, str, str | None, str | None]]:
        report = validate_graph(graph, engine=engine)
        return [(r.shape, r.severity, r.focus_node, r.path, r.value) for r in report.results]

    fast = full("sparql")
    assert fast  # every one of these has findings
    assert fast == full("pyshacl")
