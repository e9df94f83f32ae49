"""The term-file compiler (glossary/compile.py) and ``glossary build``.

Fixtures: tests/data/terms/valid (a small complete glossary) and
tests/data/terms/broken (one malformed file per error case); see its README.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import rdflib
import yaml
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from glossary import config
from glossary.cli import main
from glossary.compile import GL_NS, GLOSSARY_PROFILE, compile_terms, md_to_text, slugify, to_turtle
from glossary.errors import InputError, TermFileError

DATA = Path(__file__).resolve().parent / "data" / "terms"
VALID = DATA / "valid"
BROKEN = DATA / "broken"
BASE = "https://example.org/test-glossary/"
GL = rdflib.Namespace(GL_NS)
SDO = rdflib.Namespace("https://schema.org/")
U = rdflib.URIRef


@pytest.fixture
def terms(tmp_path: Path) -> Path:
    """A writable copy of the valid fixture glossary."""
    target = tmp_path / "terms"
    shutil.copytree(VALID, target)
    return target


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return compile_terms(VALID)


# --- Errors: file and line ------------------------------------------------------

# broken file -> (line, words in the message)
ERROR_CASES = {
    "no-front-matter.md": (1, "no front matter"),
    "unclosed-front-matter.md": (1, "not closed"),
    "yaml-syntax.md": (4, "not valid YAML"),
    "unknown-key.md": (4, "unknown key 'tgas'"),
    "unknown-reference.md": (6, "no term file epsilon.md"),
    "empty-body.md": (2, "says nothing"),
    "missing-title.md": (2, "no 'title'"),
    "unknown-source.md": (4, "unknown source 'handbok'"),
    "unknown-author.md": (6, "unknown author 'Ada Exampel'"),
    "duplicate-key.md": (4, "duplicate key 'title'"),
    "unattributed.md": (2, "names no 'source'"),
    "not-a-definition.md": (6, "role 'addition' is not a definition"),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_each_error_names_file_and_line(terms: Path, name: str) -> None:
    line, words = ERROR_CASES[name]
    shutil.copy(BROKEN / name, terms / name)
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    err = info.value
    assert err.where == f"{terms / name}:{line}", str(err)
    assert words in err.message
    assert err.exit_code == 2


def test_hints_suggest_the_right_word(terms: Path) -> None:
    for name in ("unknown-key.md", "unknown-source.md", "unknown-author.md"):
        shutil.copy(BROKEN / name, terms / name)
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    text = str(info.value)
    assert "did you mean 'tags'" in text
    assert "did you mean 'handbook'" in text
    assert "did you mean 'Ada Example'" in text


def test_all_errors_are_reported_at_once(terms: Path) -> None:
    for name in ("unknown-key.md", "unknown-reference.md", "yaml-syntax.md"):
        shutil.copy(BROKEN / name, terms / name)
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    problems = info.value.problems  # type: ignore[attr-defined]
    wheres = {p.where for p in problems}
    assert wheres == {
        f"{terms / 'unknown-key.md'}:4",
        f"{terms / 'unknown-reference.md'}:6",
        f"{terms / 'yaml-syntax.md'}:4",
    }
    assert [p.where for p in problems] == sorted(wheres)  # in file order
    text = str(info.value)
    assert all(where in text for where in wheres), text
    assert "3 problems" in text


def test_broader_cycle_is_an_error_with_its_line(terms: Path) -> None:
    shutil.copy(BROKEN / "cycle-a.md", terms / "cycle-a.md")
    shutil.copy(BROKEN / "cycle-b.md", terms / "cycle-b.md")
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    assert "broader cycle" in info.value.message
    assert "cycle-a -> cycle-b -> cycle-a" in info.value.message
    assert info.value.where == f"{terms / 'cycle-b.md'}:4"


def test_sense_of_counts_in_cycles(terms: Path) -> None:
    (terms / "alpha.md").write_text(
        (terms / "alpha.md").read_text().replace("related: [gamma]", "sense_of: beta-sense")
    )
    with pytest.raises(TermFileError, match="broader cycle"):
        compile_terms(terms)


def test_duplicate_ids_in_subfolders(terms: Path) -> None:
    (terms / "more").mkdir()
    shutil.copy(BROKEN / "alpha.md", terms / "more" / "alpha.md")
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    assert "duplicate id 'alpha'" in info.value.message
    assert info.value.where == f"{terms / 'more' / 'alpha.md'}:1"


def test_bad_file_name(terms: Path) -> None:
    shutil.copy(BROKEN / "Bad_Name.md", terms / "Bad_Name.md")
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    assert info.value.where == f"{terms / 'Bad_Name.md'}:1"
    assert "bad-name.md" in str(info.value)


def test_missing_terms_dir_and_metadata(tmp_path: Path, terms: Path) -> None:
    with pytest.raises(InputError, match="no such terms directory"):
        compile_terms(tmp_path / "nowhere")
    (terms / "sources.yaml").unlink()
    with pytest.raises(InputError, match="source documents"):
        compile_terms(terms)


def test_errors_in_sources_yaml_have_lines(terms: Path) -> None:
    path = terms / "sources.yaml"
    path.write_text(
        path.read_text().replace("  - name: Bo Tester\n", "  - name: Bo Tester\n    tpye: Person\n")
    )
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    lines = path.read_text().splitlines()
    assert info.value.where == f"{path}:{lines.index('    tpye: Person') + 1}"


# --- URIs ----------------------------------------------------------------------------


def test_uri_patterns(graph: rdflib.Graph) -> None:
    scheme = U(BASE.rstrip("/"))
    alpha, beta = U(BASE + "alpha"), U(BASE + "beta")
    assert (scheme, RDF.type, SKOS.ConceptScheme) in graph
    assert (scheme, DCTERMS.conformsTo, U(GLOSSARY_PROFILE)) in graph
    assert (alpha, RDF.type, SKOS.Concept) in graph
    assert (alpha, SKOS.inScheme, scheme) in graph
    assert (U(BASE + "_source/handbook"), RDF.type, GL.SourceDocument) in graph
    assert (U(BASE + "_agent/ada-example"), RDF.type, SDO.Person) in graph
    assert (U(BASE + "_agent/example-org"), RDF.type, SDO.Organization) in graph
    assert (U(BASE + "_tag/greek-letters"), RDF.type, GL.TagCollection) in graph
    assert (U(BASE + "_tag/greek-letters"), SKOS.member, alpha) in graph
    assert (U(BASE + "_collection/forum"), RDF.type, GL.SourceCollection) in graph
    assert (beta, GL.hasDefinition, U(BASE + "beta#definition-1")) in graph
    assert (U(BASE + "beta#definition-3"), RDF.type, GL.Definition) in graph
    assert not any(isinstance(t, rdflib.BNode) for triple in graph for t in triple)


def test_base_override_changes_every_uri(graph: rdflib.Graph) -> None:
    other = "https://other.example/glossary/v2/"
    moved = compile_terms(VALID, base=other)
    assert len(moved) == len(graph)
    minted = {t for triple in moved for t in triple if isinstance(t, U) and "example.org" in t}
    assert not minted, minted
    expected = {
        U(t.replace(BASE, other).replace(BASE.rstrip("/"), other.rstrip("/")))
        if isinstance(t, U)
        else t
        for triple in graph
        for t in triple
    }
    assert {t for triple in moved for t in triple} == expected


def test_bad_base_is_refused() -> None:
    for base in ("example.org/x/", "https://example.org/x", "https://example.org/x#"):
        with pytest.raises(InputError, match="base URI"):
            compile_terms(VALID, base=base)


def test_config_default_base_is_the_glossary_yaml_base() -> None:
    meta = yaml.safe_load((config.terms_dir() / "glossary.yaml").read_text(encoding="utf-8"))
    assert meta["base"] == config.DEFAULT_BASE_URI
    bundled = compile_terms()
    assert (U(meta["base"] + "community"), RDF.type, SKOS.Concept) in bundled


# --- What a term becomes -----------------------------------------------------------------


def test_markdown_is_reduced_to_text_with_paragraphs(graph: rdflib.Graph) -> None:
    alpha = U(BASE + "alpha")
    texts = {str(d) for d in graph.objects(alpha, SKOS.definition)}
    assert texts == {
        "The first letter.",
        "Alpha is the first letter of the Greek alphabet.\n\nIt comes before beta.",
    }


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("*em* and _em_ and **strong** and __strong__", "em and em and strong and strong"),
        ("[link](a/b.md) and ![image](x.png) and [[wiki|shown]]", "link and image and shown"),
        ("a\nb  \n  c", "a b c"),
        ("p1\n\n  \n\np2", "p1\n\np2"),
        ("snake_case_name and 2 * 3 * 4", "snake_case_name and 2 * 3 * 4"),
        (r"\*not em\*", "*not em*"),
        ("### Heading", "Heading"),
        ("current\u00a0 topics", "current topics"),
        ("intro\n- one\n- two", "intro\n- one\n- two"),
    ],
)
def test_md_to_text(markdown: str, text: str) -> None:
    assert md_to_text(markdown) == text


def test_slugify() -> None:
    assert slugify("Zoë  Ünal-Smith") == "zoe-unal-smith"


def test_definitions_are_attributed(graph: rdflib.Graph) -> None:
    beta = U(BASE + "beta")
    d1, d2, d3 = (U(f"{beta}#definition-{n}") for n in (1, 2, 3))
    # the body: the term's source, the source's creator
    assert graph.value(d1, RDF.value) == rdflib.Literal("The letter after alpha.", lang="en")
    assert graph.value(d1, DCTERMS.creator) == U(BASE + "_agent/ada-example")
    assert graph.value(d1, DCTERMS.source) == U(BASE + "_source/handbook")
    assert str(graph.value(d1, GL.role)) == "definition"
    # a further definition: its own source, author, role and note
    assert graph.value(d2, DCTERMS.creator) == U(BASE + "_agent/bo-tester")
    assert graph.value(d2, DCTERMS.source) == U(BASE + "_source/forum")
    assert str(graph.value(d2, GL.role)) == "summary"
    assert str(graph.value(d2, SKOS.editorialNote)) == "An answer in the thread."
    # author: null = unknown, even though the source has a creator
    assert graph.value(d3, DCTERMS.creator) is None
    assert graph.value(d3, DCTERMS.source) == U(BASE + "_source/forum")
    # every gl:Definition text is also a plain skos:definition
    for node in (d1, d2, d3):
        assert (beta, SKOS.definition, graph.value(node, RDF.value)) in graph
    # the concept names every source it quotes, and is in their collections
    assert set(graph.objects(beta, DCTERMS.source)) == {
        U(BASE + "_source/handbook"),
        U(BASE + "_source/forum"),
    }
    assert (U(BASE + "_collection/forum"), SKOS.member, beta) in graph


def test_description_is_a_short_definition(graph: rdflib.Graph) -> None:
    d1 = U(BASE + "alpha#definition-1")
    assert str(graph.value(d1, RDF.value)) == "The first letter."
    assert str(graph.value(d1, GL.role)) == "short definition"
    assert str(graph.value(d1, GL.locator)) == "chapter 1"


def test_labels_and_notes(graph: rdflib.Graph) -> None:
    alpha = U(BASE + "alpha")
    assert graph.value(alpha, SKOS.prefLabel) == rdflib.Literal("Alpha", lang="en")
    assert graph.value(alpha, SKOS.altLabel) == rdflib.Literal("A", lang="en")
    assert graph.value(alpha, SKOS.hiddenLabel) == rdflib.Literal("#alpha", lang="en")
    assert set(map(str, graph.objects(alpha, SKOS.scopeNote))) == {
        "A note from the handbook.",
        "A note quoted from the forum.",
    }
    # the scope note quoted from the forum makes the forum one of alpha's sources
    assert (alpha, DCTERMS.source, U(BASE + "_source/forum")) in graph
    assert graph.value(alpha, DCTERMS.created) == rdflib.Literal("2024-05-01", datatype=XSD.date)
    # each scope note is attributed like a definition (gl:ScopeNote)
    n1, n2 = (U(f"{alpha}#scope-note-{n}") for n in (1, 2))
    assert {graph.value(n, RDF.value) for n in (n1, n2)} == set(
        graph.objects(alpha, SKOS.scopeNote)
    )
    assert set(graph.objects(alpha, GL.hasScopeNote)) == {n1, n2}
    # a plain text: the term's source and its creator, the role "scope note"
    assert (n1, RDF.type, GL.ScopeNote) in graph
    assert graph.value(n1, DCTERMS.creator) == U(BASE + "_agent/ada-example")
    assert graph.value(n1, DCTERMS.source) == U(BASE + "_source/handbook")
    assert str(graph.value(n1, GL.role)) == "scope note"
    assert graph.value(n1, GL.sequence) is None
    # a mapping: its own author, source, locator, role, note and place in the thread
    assert graph.value(n2, DCTERMS.creator) == U(BASE + "_agent/bo-tester")
    assert graph.value(n2, DCTERMS.source) == U(BASE + "_source/forum")
    assert str(graph.value(n2, GL.locator)) == "a reply"
    assert str(graph.value(n2, GL.role)) == "addition"
    assert str(graph.value(n2, SKOS.editorialNote)) == "Bo's addition."
    assert graph.value(n2, GL.sequence) == rdflib.Literal(3, datatype=XSD.integer)
    delta = U(BASE + "delta")
    assert str(graph.value(delta, SKOS.editorialNote)) == "Named but not defined in the forum."
    assert graph.value(U(BASE + "_agent/example-org"), SDO.name) == rdflib.Literal("Example Org")


def test_hierarchy_senses_and_top_concepts(graph: rdflib.Graph) -> None:
    scheme = U(BASE.rstrip("/"))
    alpha, beta, sense = U(BASE + "alpha"), U(BASE + "beta"), U(BASE + "beta-sense")
    assert (beta, SKOS.broader, alpha) in graph
    assert (alpha, SKOS.narrower, beta) in graph
    assert (sense, RDF.type, GL.Sense) in graph
    assert (sense, GL.senseOf, beta) in graph
    assert (sense, SKOS.broader, beta) in graph
    assert (beta, SKOS.narrower, sense) in graph
    tops = set(graph.objects(scheme, SKOS.hasTopConcept))
    assert tops == {alpha, U(BASE + "gamma"), U(BASE + "delta")}
    assert tops == set(graph.subjects(SKOS.topConceptOf, scheme))


def test_related_is_symmetric(graph: rdflib.Graph) -> None:
    pairs = set(graph.subject_objects(SKOS.related))
    assert pairs, "the fixture has related terms"
    assert all((b, a) in pairs for a, b in pairs)
    # alpha.md and beta.md each name gamma; gamma.md names nobody
    gamma = U(BASE + "gamma")
    assert set(graph.objects(gamma, SKOS.related)) == {U(BASE + "alpha"), U(BASE + "beta")}


def test_links_matches_and_inferred_labels(graph: rdflib.Graph) -> None:
    sense, gamma = U(BASE + "beta-sense"), U(BASE + "gamma")
    assert set(graph.objects(sense, RDFS.seeAlso)) == {
        U(BASE + "alpha"),
        U("https://example.com/beta"),
    }
    assert (gamma, SKOS.exactMatch, U("https://example.com/vocab/gamma")) in graph
    assert graph.value(gamma, GL.labelInferred) == rdflib.Literal(True)
    assert "Gamma comes third" in str(graph.value(gamma, GL.labelEvidence))


def test_sources_metadata(graph: rdflib.Graph) -> None:
    handbook, forum = U(BASE + "_source/handbook"), U(BASE + "_source/forum")
    assert graph.value(handbook, DCTERMS.date) == rdflib.Literal("2021-03", datatype=XSD.gYearMonth)
    assert graph.value(handbook, DCTERMS.identifier) == rdflib.Literal("doi:10.0000/test.handbook")
    assert graph.value(handbook, OWL.sameAs) == U("https://doi.org/10.0000/test.handbook")
    assert graph.value(forum, DCTERMS.creator) == U(BASE + "_agent/example-org")
    assert graph.value(forum, U("http://www.w3.org/ns/prov#wasAttributedTo")) == U(
        BASE + "_agent/ada-example"
    )


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = to_turtle(compile_terms(VALID))
    assert first == to_turtle(compile_terms(VALID))
    # files created in another order (and so listed in another order) give the same text
    reordered = tmp_path / "reordered"
    reordered.mkdir()
    for path in sorted(VALID.iterdir(), reverse=True):
        shutil.copy(path, reordered / path.name)
    assert to_turtle(compile_terms(reordered)).replace(str(reordered), "") == first
    assert "_:" not in first
    reparsed = rdflib.Graph().parse(data=first, format="turtle")
    assert len(reparsed) == len(compile_terms(VALID))


# --- glossary build --------------------------------------------------------------------


def test_build_writes_turtle(
    terms: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "glossary.ttl"
    assert main(["build", "--terms", str(terms), "--out", str(out)]) == 0
    built = rdflib.Graph().parse(out, format="turtle")
    assert (U(BASE + "alpha"), RDF.type, SKOS.Concept) in built
    err = capsys.readouterr().err
    assert "5 concepts" in err and "warning" in err


def test_build_to_stdout_with_base(terms: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--terms", str(terms), "--base", "https://x.example/g/"]) == 0
    out = capsys.readouterr().out
    built = rdflib.Graph().parse(data=out, format="turtle")
    assert (U("https://x.example/g/alpha"), RDF.type, SKOS.Concept) in built


def test_build_exit_2_on_a_malformed_file(
    terms: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BROKEN / "unknown-key.md", terms / "unknown-key.md")
    out = tmp_path / "glossary.ttl"
    assert main(["build", "--terms", str(terms), "--out", str(out)]) == 2
    assert f"{terms / 'unknown-key.md'}:4" in capsys.readouterr().err
    assert not out.exists()


def test_build_exit_1_on_violations_writes_nothing(
    terms: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BROKEN / "violates-shapes.md", terms / "violates-shapes.md")
    out = tmp_path / "glossary.ttl"
    out.write_text("previous build\n")
    assert main(["build", "--terms", str(terms), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "violates-shapes" in err and "violation" in err.lower()
    assert out.read_text() == "previous build\n"


def test_build_exit_2_on_unwritable_output(terms: Path, tmp_path: Path) -> None:
    assert main(["build", "--terms", str(terms), "--out", str(tmp_path / "no" / "x.ttl")]) == 2
    assert main(["build", "--terms", str(terms), "--base", "not-a-uri"]) == 2


def test_the_format_doc_lists_every_key() -> None:
    import re

    from glossary.compile import DEFINITION_KEYS, TERM_KEYS

    doc = (Path(__file__).resolve().parent.parent / "docs" / "term-format.md").read_text()
    example = doc.split("```markdown", 1)[1].split("```", 1)[0]
    example_keys = set(re.findall(r"^([a-z_]+):", example, flags=re.M))
    assert example_keys <= TERM_KEYS
    for key in TERM_KEYS | DEFINITION_KEYS:
        assert re.search(rf"\b{key}\b", doc), f"{key!r} is not documented in docs/term-format.md"
    assert "definitions" in example_keys and "sense_of" in example_keys


def test_one_tag_spelt_two_ways_is_an_error(terms: Path) -> None:
    path = terms / "gamma.md"
    path.write_text(
        path.read_text().replace("source: handbook", "source: handbook\ntags: [greek letters]")
    )
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    assert info.value.where == f"{path}:4"
    assert "same tag as 'Greek Letters'" in info.value.message


def test_agents_whose_names_give_one_uri(terms: Path) -> None:
    path = terms / "sources.yaml"
    path.write_text(path.read_text() + "  - name: bo  tester\n")
    with pytest.raises(TermFileError, match="same URI as 'Bo Tester'"):
        compile_terms(terms)


@pytest.mark.parametrize("seed", ["1", "2"])
def test_output_does_not_depend_on_the_hash_seed(seed: str) -> None:
    import hashlib
    import subprocess
    import sys

    code = (
        "import hashlib, sys\n"
        "from glossary.compile import compile_terms, to_turtle\n"
        f"print(hashlib.sha256(to_turtle(compile_terms({str(VALID)!r})).encode()).hexdigest())\n"
    )
    env = {"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    expected = hashlib.sha256(to_turtle(compile_terms(VALID)).encode()).hexdigest()
    assert out.stdout.strip() == expected


@pytest.mark.parametrize(
    "front_matter",
    [
        "title: X\nsource: handbook\nbroader: 5",
        "title: X\nsource: handbook\ntags: {a: b}",
        "title: X\nsource: handbook\naliases: [1, [2]]",
        "title: X\nsource: [handbook, forum]",
        "title: X\nsource: handbook\ndefinitions: a text",
        "title: X\nsource: handbook\ndefinitions: [[1]]",
        "title: X\nsource: handbook\ndefinitions:\n  - text: {a: 1}",
        "title: X\nsource: handbook\nscope_note: {a: 1}",
        "title: X\nsource: handbook\nscope_note: [{source: forum}]",
        "title: X\nsource: handbook\nscope_note: [{text: T, author: Nobody}]",
        "title: X\nsource: handbook\nscope_note: [{text: T, seq: 0}]",
        "title: X\nsource: handbook\nscope_note: [{text: T, seq: two}]",
        "title: X\nsource: handbook\nscope_note: [{text: T, autor: Bo Tester}]",
        "title: X\nsource: handbook\nrole: stated opposite",
        "title: X\nsource: handbook\nrelated: [alpha]\nevidence: {beta: T}",
        "title: X\nsource: handbook\nrelated: [alpha]\nevidence: [T]",
        "title: X\nsource: handbook\nrelated: [alpha]\nevidence: {alpha: [1]}",
        "title: [X]\nsource: handbook",
        "title: X\nsource: handbook\nlang: 'not a tag'",
        "title: X\nsource: handbook\ntop: maybe",
        "title: X\nsource: handbook\ncreated: yesterday",
        "title: X\nsource: handbook\nsee_also: [not-a-uri]",
        "title: X\nsource: handbook\nsense_of: [alpha, beta]",
        "title: X\nsource: handbook\nrelated: [x]",
        "- a list\n- not a mapping",
        "just text",
        "",
        "title: X\nsource: handbook\nauthor: [Nobody]",
    ],
)
def test_malformed_values_give_a_term_file_error(terms: Path, front_matter: str) -> None:
    """Wrong types never end in a traceback: always a TermFileError with file and line."""
    path = terms / "x.md"
    path.write_text(f"---\n{front_matter}\n---\nA body.\n")
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    assert info.value.where is not None and info.value.where.startswith(f"{path}:")


@pytest.mark.parametrize(
    ("key", "value"),
    [("languages", "5"), ("languages", "[]"), ("license", "CC-BY"), ("base", "/relative/")],
)
def test_malformed_glossary_yaml(terms: Path, key: str, value: str) -> None:
    path = terms / "glossary.yaml"
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith(f"{key}:")]
    path.write_text("\n".join([*lines, f"{key}: {value}"]) + "\n")
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    assert info.value.where == f"{path}:{len(lines) + 1}"


def test_a_source_date_must_be_a_date(terms: Path) -> None:
    path = terms / "sources.yaml"
    path.write_text(path.read_text().replace("date: 2021-03", "date: March 2021"))
    with pytest.raises(TermFileError, match="not a date") as info:
        compile_terms(terms)
    assert info.value.where == f"{path}:5"


def test_a_sources_text_date_read_and_posts(terms: Path) -> None:
    from glossary.compile import read_glossary

    (terms / "forum.txt").write_text("Hello from Bo.\n\nA reply.\n", encoding="utf-8")
    path = terms / "sources.yaml"
    original = path.read_text()
    path.write_text(
        original.replace(
            "    creator: Example Org\n",
            "    creator: Example Org\n    text: forum.txt\n    accessed: 2026-12-05\n"
            "    posts:\n      - begins: Hello\n        author: Bo Tester\n"
            "      - begins: A reply.\n        author: null\n        evidence: no name\n",
        )
    )
    text = read_glossary(terms).sources["forum"].text
    assert text is not None and text.path == terms / "forum.txt"
    assert str(text.accessed) == "2026-12-05"
    assert [(p.begins, p.author, p.evidence) for p in text.posts] == [
        ("Hello", "Bo Tester", None),
        ("A reply.", None, "no name"),
    ]
    # a missing file, a post by an unknown author, a date that is not one: each with its line
    path.write_text(
        original.replace(
            "    creator: Example Org\n",
            "    creator: Example Org\n    text: nowhere.txt\n    accessed: soon\n"
            "    posts:\n      - begins: Hello\n        author: Bo Testr\n",
        )
    )
    with pytest.raises(TermFileError) as info:
        compile_terms(terms)
    message = str(info.value)
    lines = path.read_text().splitlines()
    for words, line in (
        ("source 'forum': no such text file 'nowhere.txt'", "    text: nowhere.txt"),
        ("'accessed' must be a date", "    accessed: soon"),
        ("unknown author 'Bo Testr'", "        author: Bo Testr"),
    ):
        assert f"{path}:{lines.index(line) + 1}: {words}" in message, message
    assert "did you mean 'Bo Tester'" in message
