"""The bundled community glossary (glossary/terms/): every term the three sources name
is there, every quoted text is quoted faithfully, and attributed to whom the source says.

The sources' texts are kept in the repository (glossary/sources/, named by each source's
`text` in sources.yaml): each definition and scope note must occur verbatim (whitespace
normalised, Markdown links and emphasis reduced to their text) in the text of the source
it is attributed to, and a named author must be named in the part of a thread (`posts`)
the quote stands in. Where the project's seeds are beside the checkout (../shared/seeds,
or $GLOSSARY_SEEDS), the repository's copies must equal them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from glossary.attribution import DEFINING_ROLES
from glossary.compile import GL_NS, Glossary, build_graph, md_to_text, read_glossary
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
def glossary() -> Glossary:
    return read_glossary()


@pytest.fixture(scope="module")
def seeds(glossary: Glossary) -> dict[str, str]:
    """source id -> its text in the repository, Markdown reduced as the compiler does,
    normalised."""
    texts = {}
    for sid, src in glossary.sources.items():
        assert src.text is not None, f"source {sid!r} names no 'text' file in sources.yaml"
        texts[sid] = _normalise(md_to_text(src.text.path.read_text(encoding="utf-8")))
    return texts


@pytest.fixture(scope="module")
def g(glossary: Glossary) -> rdflib.Graph:
    return build_graph(glossary)


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
    "customer-led",
    "product-led",
    "design-led",
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


def test_the_sources_texts_are_in_the_repository(glossary: Glossary) -> None:
    for sid, src in glossary.sources.items():
        assert src.text is not None, sid
        assert src.text.path.is_relative_to(ROOT / "glossary" / "sources"), src.text.path
        assert src.text.accessed is not None, f"{sid}: say when the text was read"


def test_the_repositorys_copies_equal_the_seeds(glossary: Glossary) -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"no seeds beside the checkout at {SEEDS} to compare with")
    for sid, prefix in SEED_OF_SOURCE.items():
        files = sorted(SEEDS.glob(f"{prefix}*.txt"))
        assert len(files) == 1, f"expected one seed {prefix}*.txt in {SEEDS}, found {files}"
        copy = glossary.sources[sid].text
        assert copy is not None
        assert copy.path.read_bytes() == files[0].read_bytes(), f"{copy.path} != {files[0]}"


def test_a_source_has_a_url_only_where_its_text_names_it(
    glossary: Glossary, seeds: dict[str, str]
) -> None:
    with_url = {sid for sid, src in glossary.sources.items() if src.fields.get("url")}
    assert with_url == {"cscce-2022"}
    for sid in with_url:
        url = str(glossary.sources[sid].fields["url"])
        doi = str(glossary.sources[sid].fields.get("doi") or "")
        named = url in seeds[sid] or (doi and url.endswith(doi) and doi in seeds[sid])
        assert named, f"{sid}: the text names neither {url} nor its DOI"


def _quote_nodes(g: rdflib.Graph) -> list[rdflib.term.Node]:
    return sorted(
        {*g.subjects(RDF.type, GL.Definition), *g.subjects(RDF.type, GL.ScopeNote)}, key=str
    )


def test_every_definition_and_scope_note_is_quoted_verbatim_from_its_source(
    g: rdflib.Graph, seeds: dict[str, str]
) -> None:
    checked = 0
    for node in _quote_nodes(g):
        text = _normalise(str(g.value(node, RDF.value)))
        sid = _source_id(g.value(node, DCTERMS.source))
        assert text in seeds[sid], f"{node} is not a verbatim quote from {sid}: {text!r}"
        checked += 1
    assert checked >= 55
    # every plain skos:definition and skos:scopeNote is the text of an attributed one
    for plain, link in ((SKOS.definition, GL.hasDefinition), (SKOS.scopeNote, GL.hasScopeNote)):
        attributed = {(s, g.value(d, RDF.value)) for s, d in g.subject_objects(link)}
        assert set(g.subject_objects(plain)) == attributed


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
    notes = _strs(g.objects(c(base, "community-led"), SKOS.scopeNote))
    assert any("Great answer…we’d add “and other stakeholders included”" in t for t in notes)
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
        ("community-as-identity-and-culture", SKOS.related, "dao-to-dao-cooperation"),
        ("community-governance", SKOS.related, "conviction-voting"),
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


def _attributed(g: rdflib.Graph, concept: rdflib.URIRef, link: rdflib.URIRef) -> list[dict]:
    out = []
    for d in g.objects(concept, link):
        creators = [str(g.value(a, SDO.name)) for a in g.objects(d, DCTERMS.creator)]
        seq = g.value(d, GL.sequence)
        out.append(
            {
                "text": str(g.value(d, RDF.value)),
                "role": str(g.value(d, GL.role)),
                "authors": creators,
                "seq": int(seq) if seq is not None else None,
                "note": str(g.value(d, SKOS.editorialNote) or ""),
            }
        )
    return sorted(out, key=lambda x: x["seq"] or 0)


def test_community_led_keeps_each_participants_text(g: rdflib.Graph, base: str) -> None:
    led = c(base, "community-led")
    defs = _attributed(g, led, GL.hasDefinition)
    notes = _attributed(g, led, GL.hasScopeNote)
    assert [(d["authors"], d["role"]) for d in defs] == [
        (["Tom Ross"], "definition"),
        (["Bethany Handy"], "definition"),
        (["Iambami"], "definition"),
        (["Kurt Kemple"], "definition"),
        (["Commsor"], "principles"),
        ([], "summary"),
        (["Zachary"], "definition"),
    ]
    assert [d["seq"] for d in defs] == [2, 3, 4, 6, 7, 9, 14]
    kurt, commsor, common = defs[3]["text"], defs[4]["text"], defs[5]["text"]
    assert "traditional marketing" in kurt and "money and people" in kurt
    assert commsor.count("\n\n") == 3  # the four principles
    assert common.startswith("The common thread, through all the definitions")
    assert "not the thread's starter" in defs[5]["note"]
    assert defs[6]["text"] == "when business growth is derived from the community"
    # the reply and the stated opposite are scope notes, each with its author (or none)
    by_role = {n["role"]: n for n in notes if n["role"] != "comment"}
    assert by_role["addition"]["authors"] == ["Guild"]
    assert by_role["addition"]["text"].startswith("Great answer")
    assert by_role["stated opposite"]["authors"] == []
    assert by_role["stated opposite"]["text"].startswith("I’d say the opposite")
    comments = [n for n in notes if n["role"] == "comment"]
    assert comments[0]["text"].startswith("whether it’s community-led")
    assert all(n["authors"] == [] for n in comments)
    # nothing from the forum's replies is attributed to the thread's starter
    assert all("Rosie Sherry" not in x["authors"] for x in defs + notes)
    people = {"Tom Ross", "Bethany Handy", "Iambami", "Kurt Kemple", "Zachary"}
    for name in {a for x in defs + notes for a in x["authors"]}:
        agent = U(f"{base}_agent/{name.lower().replace(' ', '-')}")
        kind = SDO.Person if name in people else SDO.Organization
        assert (agent, RDF.type, kind) in g, name


def test_community_driven_differs_from_led_by_name(g: rdflib.Graph, base: str) -> None:
    notes = _attributed(g, c(base, "community-driven"), GL.hasScopeNote)
    same = next(n for n in notes if "(to me) these mean the same thing" in n["text"])
    differ = next(
        n for n in notes if "there are differences between ‘driven’ and ‘led’" in n["text"]
    )
    assert same["authors"] == ["Rosie Sherry"] and same["seq"] == 1
    assert differ["authors"] == [] and differ["seq"] == 13
    assert "does not name" in differ["note"]


@pytest.mark.parametrize("tid", ["customer-led", "product-led", "design-led"])
def test_led_terms_are_named_not_defined(g: rdflib.Graph, base: str, tid: str) -> None:
    node = c(base, tid)
    assert not list(g.objects(node, SKOS.definition))
    (note,) = _attributed(g, node, GL.hasScopeNote)
    assert "it’s a shorthand term that represents a philosophy/focus area" in note["text"]
    # the quote keeps what its "that" refers to
    assert note["text"].endswith("How they define it? It’s going to vary.")
    assert note["authors"] == [] and note["seq"] == 8
    assert not list(g.objects(node, SKOS.related)), "co-mention is not a relation"


@pytest.mark.parametrize(
    ("a", "relation", "b"),
    [
        ("conversation-phase", SKOS.broader, "dao-primitives-framework"),  # a URL path
        ("participatory-grantmaking", SKOS.related, "community-owned-funding-pools"),
        (
            "community-as-governance-constituency",
            SKOS.related,
            "building-daos-as-scalable-networks",
        ),
        ("community-led", SKOS.related, "customer-led"),
    ],
)
def test_no_relation_rests_on_co_mention_or_a_path(
    g: rdflib.Graph, base: str, a: str, relation: rdflib.URIRef, b: str
) -> None:
    assert (c(base, a), relation, c(base, b)) not in g
    assert (c(base, b), relation, c(base, a)) not in g


def test_quotes_keep_their_referents(g: rdflib.Graph, base: str) -> None:
    (crm,) = _attributed(g, c(base, "customer-relationship-management"), GL.hasScopeNote)
    assert crm["text"].startswith("A secure database or spreadsheet")
    assert "relationship dashboard" in crm["note"].lower()
    for tid in ("participatory-grantmaking", "community-owned-funding-pools"):
        (note,) = _strs(g.objects(c(base, tid), SKOS.scopeNote))
        assert note.startswith("Community involvement ensures"), tid
    (note,) = _strs(g.objects(c(base, "conviction-voting"), SKOS.scopeNote))
    assert note.startswith("In Community Governance, “community”") or note.startswith(
        'In Community Governance, "community"'
    )


# --- Authorship rules -------------------------------------------------------------------------


def _posts(
    glossary: Glossary, seeds: dict[str, str], sid: str
) -> list[tuple[int, str, str | None]]:
    """(start, text, author) of each post of a thread, in the text's order."""
    src = glossary.sources[sid].text
    assert src is not None
    text = seeds[sid]
    starts = []
    for post in src.posts:
        at = text.find(_normalise(post.begins))
        assert at >= 0, f"{sid}: a post begins {post.begins!r}, which is not in its text"
        starts.append((at, post.author))
    assert starts == sorted(starts, key=lambda x: x[0]), "list the posts in the thread's order"
    assert starts[0][0] == 0, "the first post begins where the text does"
    ends = [at for at, _ in starts[1:]] + [len(text)]
    return [(at, text[at:end], author) for (at, author), end in zip(starts, ends, strict=True)]


def _thread_quotes(
    g: rdflib.Graph, base: str, seeds: dict[str, str], sid: str
) -> list[tuple[rdflib.term.Node, int, str, list[str]]]:
    """(node, position in the text, text, authors' names) of every quote from a source."""
    out = []
    for node in _quote_nodes(g):
        if g.value(node, DCTERMS.source) != U(f"{base}_source/{sid}"):
            continue
        text = _normalise(str(g.value(node, RDF.value)))
        names = [str(g.value(a, SDO.name)) for a in g.objects(node, DCTERMS.creator)]
        out.append((node, seeds[sid].find(text), text, names))
    return out


THREADS = ["community-led-forum"]


@pytest.mark.parametrize("sid", THREADS)
def test_a_named_author_is_named_in_the_post_the_quote_comes_from(
    glossary: Glossary, g: rdflib.Graph, base: str, seeds: dict[str, str], sid: str
) -> None:
    posts = _posts(glossary, seeds, sid)
    quotes = _thread_quotes(g, base, seeds, sid)
    assert len(quotes) >= 18
    for node, at, text, names in quotes:
        start, post, post_author = next(p for p in reversed(posts) if p[0] <= at)
        assert at + len(text) <= start + len(post), f"{node} runs over two posts"
        for name in names:
            assert name in post, f"{node}: {name!r} is not named in the post it is quoted from"
        if post_author is not None:
            assert names, f"{node}: the post is by {post_author}; say who wrote the quote"
        else:
            assert post_author not in names
            # the post's author is not named: only a name the post gives may be credited
            assert not names or all(n in post for n in names)
            if not names:
                note = str(g.value(node, SKOS.editorialNote) or "")
                assert "not name" in note, f"{node}: say that the text names no author"


@pytest.mark.parametrize("sid", THREADS)
def test_sequence_numbers_follow_the_thread(
    g: rdflib.Graph, base: str, seeds: dict[str, str], sid: str
) -> None:
    text_of_seq: dict[int, set[str]] = {}
    position: dict[int, int] = {}
    for node, at, text, _names in _thread_quotes(g, base, seeds, sid):
        seq = g.value(node, GL.sequence)
        assert seq is not None, f"{node}: a quote from a thread needs its 'seq'"
        text_of_seq.setdefault(int(seq), set()).add(text)
        position[int(seq)] = at
    for seq, texts in text_of_seq.items():
        assert len(texts) == 1, f"seq {seq} is given to different texts: {texts}"
    ordered = sorted(position)
    assert [position[s] for s in ordered] == sorted(position.values()), (
        "the sequence numbers do not follow the order of the quotes in the thread"
    )
    assert ordered == list(range(1, len(ordered) + 1)), "number the quotes 1, 2, 3, ..."


def test_only_texts_that_define_are_definitions(g: rdflib.Graph) -> None:
    for _concept, node in g.subject_objects(GL.hasDefinition):
        role = str(g.value(node, GL.role))
        assert role in DEFINING_ROLES, f"{node}: a {role!r} is not a definition"
    for concept, text in g.subject_objects(SKOS.definition):
        # a reply, an addition or a stated opposite is never a plain skos:definition
        assert not re.match(r"(Great answer|I’d say the opposite|I’m adding)", str(text)), concept


def test_every_quote_says_who_wrote_it(g: rdflib.Graph) -> None:
    """Each definition and scope note has a source, and an author, unless its source has
    no creator or its note says the text names nobody."""
    for node in _quote_nodes(g):
        src = g.value(node, DCTERMS.source)
        assert src is not None, node
        if list(g.objects(node, DCTERMS.creator)):
            continue
        note = str(g.value(node, SKOS.editorialNote) or "")
        assert g.value(src, DCTERMS.creator) is None or "not name" in note, node


def test_relations_rest_on_a_quoted_sentence(glossary: Glossary, seeds: dict[str, str]) -> None:
    from glossary.attribution import evidence_of

    checked = 0
    for tid, term in glossary.terms.items():
        for key in ("broader", "related"):
            for ref, _line in term.ids(key):
                other = glossary.terms[ref]
                quotes = evidence_of(term).get(ref) or evidence_of(other).get(tid)
                assert quotes, f"{tid}.md: {key} {ref} has no 'evidence' in either term file"
                sources = {term.get("source"), other.get("source")}
                for quote in quotes:
                    found = any(_normalise(md_to_text(quote)) in seeds[s] for s in sources if s)
                    assert found, f"{tid}.md: the evidence for {ref} is not in the source"
                checked += 1
    assert checked >= 18


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


def test_the_profile_asks_every_scope_note_for_its_source(g: rdflib.Graph, base: str) -> None:
    broken = rdflib.Graph()
    for t in g:
        broken.add(t)
    node = U(base + "community-driven#scope-note-1")
    assert (node, RDF.type, GL.ScopeNote) in broken
    broken.remove((node, DCTERMS.source, None))
    for engine in ("sparql", "pyshacl"):
        report = validate_graph(broken, engine=engine)
        violations = [r for r in report.results if r.severity == "Violation"]
        assert [(r.focus_node, r.shape) for r in violations] == [
            (f"<{node}>", "https://w3id.org/semantic-glossary/shapes#DefinitionHasSource")
        ], (engine, report.to_text())
