"""The bundled community glossary (glossary/terms/): every term the three seed sources
name is there, and every quoted text is quoted faithfully.

The seeds are read from ../shared/seeds beside the checkout (or $GLOSSARY_SEEDS): each
definition and scope note must occur verbatim (whitespace normalised, Markdown links and
emphasis reduced to their text) in the seed of the source it is attributed to.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from glossary.compile import GL_NS, compile_terms, md_to_text
from glossary.validate import Report, validate_graph

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(os.environ.get("GLOSSARY_SEEDS", ROOT.parent / "shared" / "seeds"))
#: source id (sources.yaml) -> seed file name prefix
SEED_OF_SOURCE = {
    "dao-garden-community": "000_",
    "cscce-2022": "001_",
    "community-led-forum": "002_",
}
GL = rdflib.Namespace(GL_NS)
SDO = rdflib.Namespace("https://schema.org/")
U = rdflib.URIRef


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    """source id -> the seed's text, Markdown reduced as the compiler does, normalised."""
    if not SEEDS.is_dir():
        pytest.fail(f"the seed sources are missing at {SEEDS} (set GLOSSARY_SEEDS)")
    texts = {}
    for sid, prefix in SEED_OF_SOURCE.items():
        files = sorted(SEEDS.glob(f"{prefix}*.txt"))
        if len(files) != 1:
            pytest.fail(f"expected one seed {prefix}*.txt in {SEEDS}, found {files}")
        texts[sid] = _normalise(md_to_text(files[0].read_text(encoding="utf-8")))
    return texts


@pytest.fixture(scope="module")
def g() -> rdflib.Graph:
    return compile_terms()


@pytest.fixture(scope="module")
def base(g: rdflib.Graph) -> str:
    scheme = next(iter(g.subjects(RDF.type, SKOS.ConceptScheme)))
    return str(scheme) + "/"


def c(base: str, tid: str) -> rdflib.URIRef:
    return U(base + tid)


def _source_id(node: rdflib.term.Node) -> str:
    return str(node).rsplit("/_source/", 1)[1]


def _strs(values: Iterable[rdflib.term.Node]) -> set[str]:
    return {str(v) for v in values}


# --- Terms ------------------------------------------------------------------------------

SEED_000 = [
    "community",
    "community-as-identity-and-culture",
    "community-in-social-impact",
    "community-in-web3",
    "community-as-network-coordinator",
    "community-as-governance-constituency",
    "community-in-group-development",
    "community-governance",
    "conversation-phase",
    "conviction-voting",
    "participatory-grantmaking",
    "dao-primitives-framework",
    "community-owned-funding-pools",
    "dao-to-dao-cooperation",
    "reimagining-power",
    "building-daos-as-scalable-networks",
]
SEED_001 = [
    "community",
    "community-lifecycle-models",
    "multi-modal-programming",
    "shared-goals",
    "content-pillar",
    "content-and-programming-audit",
    "programming",
    "content",
    "relationship-dashboard",
    "scaffolding",
    "customer-relationship-management",
]
SEED_002 = ["community-led", "community-driven", "customer-led", "product-led", "design-led"]
#: Terms the sources name but do not define: documented by quoted scope notes only.
SCOPE_NOTE_ONLY = [
    "conviction-voting",
    "participatory-grantmaking",
    "community-owned-funding-pools",
    "dao-to-dao-cooperation",
    "reimagining-power",
    "building-daos-as-scalable-networks",
    "customer-relationship-management",
    "community-driven",
]


@pytest.mark.parametrize("tid", sorted(set(SEED_000 + SEED_001 + SEED_002)))
def test_every_named_term_is_a_documented_concept(g: rdflib.Graph, base: str, tid: str) -> None:
    node = c(base, tid)
    assert (node, RDF.type, SKOS.Concept) in g
    assert g.value(node, SKOS.prefLabel) is not None
    definitions = list(g.objects(node, SKOS.definition))
    if tid in SCOPE_NOTE_ONLY:
        assert not definitions, "no definition is quoted for it, so none may be given"
        assert list(g.objects(node, SKOS.scopeNote)), "it needs a quoted scope note"
        assert g.value(node, SKOS.editorialNote) is not None, "say why it has no definition"
    else:
        assert definitions


@pytest.mark.parametrize(
    ("sid", "tids"),
    [
        ("dao-garden-community", SEED_000),
        ("cscce-2022", SEED_001),
        ("community-led-forum", SEED_002),
    ],
)
def test_each_source_collection_holds_its_terms(
    g: rdflib.Graph, base: str, sid: str, tids: list[str]
) -> None:
    coll = U(f"{base}_collection/{sid}")
    assert (coll, RDF.type, GL.SourceCollection) in g
    assert (coll, DCTERMS.source, U(f"{base}_source/{sid}")) in g
    members = set(g.objects(coll, SKOS.member))
    assert {c(base, t) for t in tids} <= members


# --- Faithful quotation --------------------------------------------------------------------


def test_every_definition_is_quoted_verbatim_from_its_source(
    g: rdflib.Graph, seeds: dict[str, str]
) -> None:
    checked = 0
    for node in g.subjects(RDF.type, GL.Definition):
        text = _normalise(str(g.value(node, RDF.value)))
        sid = _source_id(g.value(node, DCTERMS.source))
        assert text in seeds[sid], f"{node} is not a verbatim quote from {sid}: {text!r}"
        checked += 1
    assert checked >= 36
    # every plain skos:definition is the text of an attributed one
    attributed = {(s, g.value(d, RDF.value)) for s, d in g.subject_objects(GL.hasDefinition)}
    assert set(g.subject_objects(SKOS.definition)) == attributed


def test_every_scope_note_is_quoted_verbatim_from_a_source_of_its_concept(
    g: rdflib.Graph, seeds: dict[str, str]
) -> None:
    checked = 0
    for concept, note in g.subject_objects(SKOS.scopeNote):
        sources = {_source_id(s) for s in g.objects(concept, DCTERMS.source)}
        text = _normalise(str(note))
        assert any(text in seeds[sid] for sid in sources), f"{concept}: {text!r}"
        checked += 1
    assert checked >= 25


def test_quotes_keep_the_sources_spelling(g: rdflib.Graph, base: str) -> None:
    led = _strs(g.objects(c(base, "community-led"), SKOS.definition))
    # the source's own words and typography, not corrected
    assert any("making every single person in the company feels included" in t for t in led)
    assert any("Great answer…we’d add “and other stakeholders included”" in t for t in led)
    assert any(t.startswith("Community being prioritised") for t in led)
    shared = _strs(g.objects(c(base, "shared-goals"), SKOS.definition))
    assert any("Members’ shared goals" in t for t in shared)


# --- Community (seeds 000 and 001) -----------------------------------------------------------


def test_community_has_three_attributed_definitions(g: rdflib.Graph, base: str) -> None:
    community = c(base, "community")
    defs = {
        str(g.value(d, RDF.value)): (
            _source_id(g.value(d, DCTERMS.source)),
            str(g.value(d, GL.role)),
        )
        for d in g.objects(community, GL.hasDefinition)
    }
    assert len(defs) == 3
    assert ("dao-garden-community", "short definition") in defs.values()
    assert ("dao-garden-community", "definition") in defs.values()
    assert ("cscce-2022", "definition") in defs.values()
    cscce = next(t for t, v in defs.items() if v[0] == "cscce-2022")
    assert cscce.startswith("A community is a dynamic, social grouping")
    assert g.value(community, SKOS.hiddenLabel) == rdflib.Literal("#community", lang="en")
    for tag in ("networks", "governance"):
        assert (U(f"{base}_tag/{tag}"), SKOS.member, community) in g
        assert (U(f"{base}_tag/{tag}"), RDF.type, GL.TagCollection) in g


SENSES = {
    "community-as-identity-and-culture": "This cultural layer provides the social infrastructure",
    "community-in-social-impact": "Reimagining Power emphasizes",
    "community-in-web3": "Unlike traditional user bases or audiences",
    "community-as-network-coordinator": "purpose-aligned networks of small autonomous teams",
    "community-as-governance-constituency": "safeguards the purpose of the network",
    "community-in-group-development": "focuses on relationship building",
}


@pytest.mark.parametrize("tid", sorted(SENSES))
def test_the_six_uses_of_community_are_senses(g: rdflib.Graph, base: str, tid: str) -> None:
    node, community = c(base, tid), c(base, "community")
    assert (node, RDF.type, GL.Sense) in g
    assert (node, GL.senseOf, community) in g
    assert (node, SKOS.broader, community) in g
    assert (community, SKOS.narrower, node) in g
    notes = " ".join(_strs(g.objects(node, SKOS.scopeNote)))
    assert SENSES[tid] in notes


def test_linked_terms_of_seed_000_keep_their_relations(g: rdflib.Graph, base: str) -> None:
    assert (c(base, "conversation-phase"), SKOS.broader, c(base, "dao-primitives-framework")) in g
    assert (c(base, "conviction-voting"), SKOS.related, c(base, "community-governance")) in g
    assert (c(base, "community-governance"), SKOS.related, c(base, "conviction-voting")) in g
    # what the page links to is kept as a link
    assert (
        c(base, "community-as-governance-constituency"),
        RDFS.seeAlso,
        c(base, "community-governance"),
    ) in g


# --- CSCCE (seed 001) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tid", "evidence"),
    [
        ("programming", "Programming includes regular meetings"),
        ("content", "Content includes blog posts"),
        ("scaffolding", "Scaffolding to lower barriers to participation"),
    ],
)
def test_headless_definitions_have_inferred_labels(
    g: rdflib.Graph, base: str, tid: str, evidence: str
) -> None:
    node = c(base, tid)
    assert g.value(node, GL.labelInferred) == rdflib.Literal(True)
    assert evidence in str(g.value(node, GL.labelEvidence))


def test_label_evidence_quotes_the_source_verbatim(g: rdflib.Graph, seeds: dict[str, str]) -> None:
    quoted = 0
    for concept, evidence in g.subject_objects(GL.labelEvidence):
        sources = {_source_id(s) for s in g.objects(concept, DCTERMS.source)}
        for quote in re.findall(r'"([^"]+)"', str(evidence)):
            assert any(_normalise(quote) in seeds[sid] for sid in sources), (concept, quote)
            quoted += 1
    assert quoted >= 6


@pytest.mark.parametrize(
    ("a", "relation", "b"),
    [
        ("content-pillar", SKOS.broader, "content"),
        ("multi-modal-programming", SKOS.broader, "programming"),
        ("content-and-programming-audit", SKOS.related, "content"),
        ("content-and-programming-audit", SKOS.related, "programming"),
        ("relationship-dashboard", SKOS.related, "customer-relationship-management"),
        ("shared-goals", SKOS.related, "community"),
        ("community-lifecycle-models", SKOS.related, "community"),
        ("community-led", SKOS.related, "community-driven"),
        ("community-led", SKOS.related, "customer-led"),
        ("community-led", SKOS.related, "product-led"),
        ("community-led", SKOS.related, "design-led"),
    ],
)
def test_relations(g: rdflib.Graph, base: str, a: str, relation: rdflib.URIRef, b: str) -> None:
    assert (c(base, a), relation, c(base, b)) in g
    inverse = SKOS.narrower if relation == SKOS.broader else SKOS.related
    assert (c(base, b), inverse, c(base, a)) in g


def test_crm_is_kept_with_the_sentence_that_names_it(g: rdflib.Graph, base: str) -> None:
    crm = c(base, "customer-relationship-management")
    assert g.value(crm, SKOS.altLabel) == rdflib.Literal("CRM", lang="en")
    assert "superseded by investing in a customer relationship management (CRM) tool" in str(
        g.value(crm, SKOS.scopeNote)
    )


def test_cscce_source_is_cited(g: rdflib.Graph, base: str) -> None:
    src = U(f"{base}_source/cscce-2022")
    assert g.value(src, DCTERMS.identifier) == rdflib.Literal("doi:10.5281/zenodo.6078934")
    citation = str(g.value(src, DCTERMS.bibliographicCitation))
    assert "Woodley, Pratt and Santistevan" in citation
    creator = g.value(src, DCTERMS.creator)
    assert (creator, RDF.type, SDO.Organization) in g


# --- Community-led (seed 002) -----------------------------------------------------------


def test_community_led_keeps_each_participants_definition(g: rdflib.Graph, base: str) -> None:
    led = c(base, "community-led")
    by_author: dict[str, list[tuple[str, str]]] = {}
    unattributed = []
    for d in g.objects(led, GL.hasDefinition):
        assert _source_id(g.value(d, DCTERMS.source)) == "community-led-forum"
        creators = list(g.objects(d, DCTERMS.creator))
        text, role = str(g.value(d, RDF.value)), str(g.value(d, GL.role))
        if not creators:
            unattributed.append(text)
        for creator in creators:
            by_author.setdefault(str(g.value(creator, SDO.name)), []).append((role, text))
    assert set(by_author) == {
        "Tom Ross",
        "Bethany Handy",
        "Iambami",
        "Guild",
        "Kurt Kemple",
        "Commsor",
        "Zachary",
        "Rosie Sherry",
    }
    assert [r for r, _ in by_author["Guild"]] == ["addition"]
    rosie = dict(by_author["Rosie Sherry"])
    assert rosie["summary"].startswith("The common thread, through all the definitions")
    assert rosie["stated opposite"].startswith("I’d say the opposite of a community-led")
    (kurt,) = (t for _, t in by_author["Kurt Kemple"])
    assert "traditional marketing" in kurt and "money and people" in kurt
    (commsor,) = (t for _, t in by_author["Commsor"])
    assert commsor.count("\n\n") == 3  # the four principles
    assert by_author["Zachary"] == [
        ("definition", "when business growth is derived from the community")
    ]
    # a definition whose speaker the thread does not name gets no author, and says so
    assert len(unattributed) == 1
    (node,) = (
        d for d in g.objects(led, GL.hasDefinition) if not list(g.objects(d, DCTERMS.creator))
    )
    assert "unnamed forum participant" in str(g.value(node, SKOS.editorialNote))
    people = {"Tom Ross", "Bethany Handy", "Iambami", "Kurt Kemple", "Zachary", "Rosie Sherry"}
    for name in by_author:
        agent = U(f"{base}_agent/{name.lower().replace(' ', '-')}")
        kind = SDO.Person if name in people else SDO.Organization
        assert (agent, RDF.type, kind) in g, name


def test_community_driven_differs_from_led(g: rdflib.Graph, base: str) -> None:
    notes = _strs(g.objects(c(base, "community-driven"), SKOS.scopeNote))
    assert any("there are differences between ‘driven’ and ‘led’" in n for n in notes)
    assert any("(to me) these mean the same thing" in n for n in notes)


@pytest.mark.parametrize("tid", ["customer-led", "product-led", "design-led"])
def test_led_philosophies(g: rdflib.Graph, base: str, tid: str) -> None:
    (text,) = _strs(g.objects(c(base, tid), SKOS.definition))
    assert "it’s a shorthand term that represents a philosophy/focus area" in text


# --- The scheme -----------------------------------------------------------------------------


def test_scheme_metadata(g: rdflib.Graph, base: str) -> None:
    scheme = U(base.rstrip("/"))
    assert str(g.value(scheme, DCTERMS.title)) == "Community management glossary"
    assert g.value(scheme, DCTERMS.description) is not None
    assert g.value(scheme, DCTERMS.license) is not None
    assert "their sources' own terms" in str(g.value(scheme, DCTERMS.rights))
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert all((x, SKOS.inScheme, scheme) in g for x in concepts)
    tags = set(g.subjects(RDF.type, GL.TagCollection))
    assert {U(f"{base}_tag/{t}") for t in ("networks", "governance", "programming",
            "communications", "community-management", "community-led")} <= tags  # fmt: skip


# --- Validation -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(g: rdflib.Graph) -> Report:
    return validate_graph(g)


def test_the_built_glossary_has_no_violations(report: Report) -> None:
    assert report.conforms, report.to_text()
    assert not [r for r in report.results if r.severity == "Violation"]
