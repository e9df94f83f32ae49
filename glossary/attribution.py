"""Quoted texts with their attribution: the definitions and scope notes of term files.

A term file quotes its sources. Each quotation (a definition or a scope note) is said
by someone (``author``, or the source's creator, or nobody named: ``author: null``), in
a source, at a place (``locator``), in a role, and, in a discussion thread, at a
position in the order of contributions (``seq``). The compiler gives each quotation a
node (``gl:Definition`` or ``gl:ScopeNote``) beside the plain SKOS literal, so a SKOS
tool that reads only ``skos:definition`` sees only texts that define the term: a reply,
an addition or a stated opposite is a scope note, never a definition
(:data:`DEFINING_ROLES`).

Sources may also name the file of their text in the repository (``text``), the date it
was read (``accessed``) and, for a discussion thread, who wrote which part of it
(``posts``): the content tests use these to check every quotation against its source.
See docs/term-format.md.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import rdflib

    from glossary.compile import Glossary, Term, _Map, _Problems

#: The keys of a quotation (an entry of ``definitions``, or a mapping in ``scope_note``).
QUOTE_KEYS = frozenset({"text", "author", "source", "locator", "role", "note", "seq"})
#: The roles of a text that defines its term. Anything else a source says of a term (a
#: reply, an addition, a stated opposite, a remark) is quoted as a scope note.
DEFINING_ROLES = ("definition", "short definition", "description", "summary", "principles")
#: The role of a scope note that gives none.
SCOPE_NOTE_ROLE = "scope note"
#: The keys of one entry of a source's ``posts``.
POST_KEYS = frozenset({"begins", "author", "evidence"})


@dataclass
class Quote:
    """A quoted text and who said it where (a definition or a scope note)."""

    text: str
    authors: list[str]
    source: str | None
    locator: str | None
    role: str | None
    note: str | None
    seq: int | None = None


@dataclass
class Post:
    """A part of a discussion thread and its author (None: the text names nobody)."""

    begins: str
    author: str | None
    evidence: str | None = None


@dataclass
class SourceText:
    """A source's text as kept in the repository, and its posts (for a thread)."""

    path: Path
    accessed: datetime.date | None
    posts: list[Post] = field(default_factory=list)


# --- Reading term files -------------------------------------------------------------------


def read_quote(
    entry: _Map,
    line: int,
    term: Term,
    glossary: Glossary,
    problems: _Problems,
    *,
    source: str | None,
    default_authors: list[str],
    kind: str,
) -> Quote | None:
    """One mapping of ``definitions`` or ``scope_note`` (``kind`` says which)."""
    from glossary.compile import _authors, _did_you_mean, _text, _unknown_keys

    path = term.path
    _unknown_keys(entry, QUOTE_KEYS, path, problems, f"a {kind}")
    quote = _text(entry, "text", path, problems)
    if not quote or not quote.strip():
        problems.add(path, line, f"a {kind} without 'text'")
        return None
    qsource = entry.data.get("source", source)
    if not isinstance(qsource, str):
        problems.add(
            path,
            line,
            f"the {kind} names no 'source'",
            "add source: <id from sources.yaml> to it or to the term",
        )
        qsource = None
    elif qsource not in glossary.sources:
        problems.add(
            path,
            entry.line("source"),
            f"unknown source {qsource!r}",
            _did_you_mean(qsource, glossary.sources) or "add it to sources.yaml, or fix the id",
        )
    authors = (
        _authors(entry, "author", qsource, glossary, path, problems)
        if "author" in entry.data or qsource != source
        else default_authors
    )
    role = _text(entry, "role", path, problems)
    if kind == "definition":
        check_defining_role(role, path, entry.line("role"), problems)
    return Quote(
        quote,
        authors,
        qsource,
        _text(entry, "locator", path, problems),
        role,
        _text(entry, "note", path, problems),
        read_seq(entry, path, problems),
    )


def check_defining_role(role: str | None, path: Path, line: int, problems: _Problems) -> None:
    """A definition's role must be one that defines (see :data:`DEFINING_ROLES`)."""
    if role is not None and role not in DEFINING_ROLES:
        problems.add(
            path,
            line,
            f"a text in the role {role!r} is not a definition",
            "only texts that define the term are definitions (role one of "
            f"{', '.join(DEFINING_ROLES)}); quote a reply, an addition or a stated "
            "opposite under 'scope_note', with its author and role",
        )


def read_seq(entry: _Map, path: Path, problems: _Problems) -> int | None:
    value = entry.data.get("seq")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(
            path,
            entry.line("seq"),
            f"'seq' must be a whole number from 1, not {value!r}",
            "number the quotations of a thread in the order they stand in it",
        )
        return None
    return value


def read_scope_notes(
    term: Term,
    glossary: Glossary,
    problems: _Problems,
    *,
    source: str | None,
    default_authors: list[str],
) -> list[Quote]:
    """``scope_note``: a text (quoted from the term's source, by its author), or a list of
    texts and quotation mappings."""
    path, fields = term.path, term.fields
    value = fields.data.get("scope_note")
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        problems.add(path, fields.line("scope_note"), "'scope_note' must be a text or a list")
        return []
    out = []
    for i, item in enumerate(items):
        line = fields.item_line("scope_note", i)
        if isinstance(item, str):
            out.append(Quote(item, default_authors, source, None, None, None))
            continue
        entry = fields.item_map("scope_note", i)
        if entry is None:
            problems.add(
                path,
                line,
                "a scope note must be a text, or a mapping with 'text' (and 'author', "
                "'source', 'locator', 'role', 'note', 'seq')",
            )
            continue
        quote = read_quote(
            entry,
            line,
            term,
            glossary,
            problems,
            source=source,
            default_authors=default_authors,
            kind="scope note",
        )
        if quote is not None:
            out.append(quote)
    return out


def check_evidence(term: Term, problems: _Problems) -> None:
    """``evidence``: for each broader, related, sense_of or links id, the sentence of the
    source that supports the link (a text or a list of texts)."""
    from glossary.compile import _did_you_mean

    path, fields = term.path, term.fields
    value = fields.data.get("evidence")
    if value is None:
        return
    if not isinstance(value, dict):
        problems.add(
            path,
            fields.line("evidence"),
            "'evidence' must map term ids to the sentences that support the link",
            'e.g. evidence: {content: "A strategic or foundational piece of content ..."}',
        )
        return
    linked = {
        ref for key in ("broader", "related", "sense_of", "links") for ref, _ in term.ids(key)
    }
    for ref, text in value.items():
        if str(ref) not in linked:
            problems.add(
                path,
                fields.line("evidence"),
                f"'evidence' names {ref!r}, which is not in broader, related, sense_of or links",
                _did_you_mean(str(ref), linked)
                or "give evidence only for the links the term makes",
            )
        texts = [text] if isinstance(text, str) else text
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            problems.add(path, fields.line("evidence"), f"the evidence for {ref!r} must be a text")


def evidence_of(term: Term) -> dict[str, list[str]]:
    """The term file's ``evidence``: linked id -> the quoted sentences."""
    value = term.fields.data.get("evidence") or {}
    return {str(k): [v] if isinstance(v, str) else list(v) for k, v in value.items()}


# --- Reading sources.yaml -------------------------------------------------------------------


def read_source_text(
    entry: _Map, sid: str, sources_yaml: Path, agents: dict[str, Any], problems: _Problems
) -> SourceText | None:
    """A source's ``text`` (a file, relative to sources.yaml), ``accessed`` and ``posts``."""
    from glossary.compile import _did_you_mean, _unknown_keys

    path = sources_yaml
    for key in ("accessed", "posts"):
        if key in entry.data and "text" not in entry.data:
            problems.add(
                path,
                entry.line(key),
                f"source {sid!r} has {key!r} but no 'text'",
                "name the file of the source's text: text: ../sources/<id>.txt",
            )
    name = entry.data.get("text")
    if name is None:
        return None
    if not isinstance(name, str) or not name.strip():
        problems.add(path, entry.line("text"), "'text' must be the path of a file")
        return None
    file = (path.parent / name).resolve()
    if not file.is_file():
        problems.add(
            path,
            entry.line("text"),
            f"source {sid!r}: no such text file {name!r}",
            "copy the source's text there, or fix the path (relative to sources.yaml)",
        )
    accessed = entry.data.get("accessed")
    if accessed is not None and not isinstance(accessed, datetime.date):
        problems.add(path, entry.line("accessed"), f"'accessed' must be a date, not {accessed!r}",
                     "e.g. accessed: 2026-12-05")  # fmt: skip
        accessed = None
    out = SourceText(file, accessed)
    posts = entry.data.get("posts") or []
    if not isinstance(posts, list):
        problems.add(path, entry.line("posts"), "'posts' must be a list")
        return out
    for i, _item in enumerate(posts):
        post = entry.item_map("posts", i)
        line = entry.item_line("posts", i)
        if post is None or not isinstance(post.data.get("begins"), str):
            problems.add(path, line, "each post must be a mapping with 'begins' (its first words)")
            continue
        _unknown_keys(post, POST_KEYS, path, problems, "a post")
        author = post.data.get("author")
        if author is not None and author not in agents:
            problems.add(
                path,
                post.line("author"),
                f"unknown author {author!r}",
                _did_you_mean(str(author), agents) or "add them under 'agents:'",
            )
        evidence = post.data.get("evidence")
        out.posts.append(
            Post(post.data["begins"], author, evidence if isinstance(evidence, str) else None)
        )
    return out


# --- Building the graph ---------------------------------------------------------------------


def add_quotes(
    g: rdflib.Graph,
    concept: rdflib.URIRef,
    quotes: list[Quote],
    *,
    kind: str,
    lang: str,
    agent: Any,
    source_uri: Any,
    text: Any,
) -> set[str]:
    """Add ``quotes`` of ``concept`` (``kind`` "definition" or "scope-note"): the plain
    SKOS literal and an attributed node ``<concept>#<kind>-<n>``. Returns the source ids."""
    import rdflib
    from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

    from glossary.compile import GL_NS

    GL = rdflib.Namespace(GL_NS)
    plain, link, cls, default_role = {
        "definition": (SKOS.definition, GL.hasDefinition, GL.Definition, None),
        "scope-note": (SKOS.scopeNote, GL.hasScopeNote, GL.ScopeNote, SCOPE_NOTE_ROLE),
    }[kind]
    used: set[str] = set()
    for n, q in enumerate(quotes, start=1):
        value = text(q.text, lang)
        node = rdflib.URIRef(f"{concept}#{kind}-{n}")
        g.add((concept, plain, value))
        g.add((concept, link, node))
        g.add((node, RDF.type, cls))
        g.add((node, RDF.value, value))
        for name in q.authors:
            g.add((node, DCTERMS.creator, agent(name)))
        if q.source:
            g.add((node, DCTERMS.source, source_uri(q.source)))
            used.add(q.source)
        if q.locator:
            g.add((node, GL.locator, rdflib.Literal(q.locator, lang=lang)))
        role = q.role or default_role
        if role:
            g.add((node, GL.role, rdflib.Literal(role)))
        if q.note:
            g.add((node, SKOS.editorialNote, text(q.note, lang)))
        if q.seq is not None:
            g.add((node, GL.sequence, rdflib.Literal(q.seq, datatype=XSD.integer)))
    return used
