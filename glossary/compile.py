"""Compile the Markdown term files to a SKOS graph (the format: docs/term-format.md).

:func:`compile_terms` reads ``glossary.yaml`` (the scheme and its base URI),
``sources.yaml`` (source documents and agents) and every ``*.md`` term file of a
directory, checks them all, and returns an rdflib graph. Every mistake found is
reported at once, each with its file and line, in one :class:`TermFileError`.
:func:`to_turtle` serialises a graph deterministically (sorted, no blank nodes).
"""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary.attribution import (
    QUOTE_KEYS,
    Quote,
    SourceText,
    add_quotes,
    check_defining_role,
    check_evidence,
    read_quote,
    read_scope_notes,
    read_source_text,
)
from glossary.errors import InputError, TermFileError

if TYPE_CHECKING:
    import rdflib
    import yaml


GL_NS = "https://w3id.org/semantic-glossary/ontology#"
SCHEMA_NS = "https://schema.org/"
#: The shapes' strict glossary profile (ontology/shapes/glossary-profile.ttl).
GLOSSARY_PROFILE = "https://w3id.org/semantic-glossary/shapes#GlossaryProfile"

#: The keys a term file's front matter may have (anything else is a typo).
TERM_KEYS = frozenset(
    [
        "title",
        "lang",
        "description",
        "aliases",
        "tags",
        "source",
        "author",
        "locator",
        "role",
        "broader",
        "related",
        "sense_of",
        "scope_note",
        "label_inferred",
        "links",
        "see_also",
        "exact_match",
        "close_match",
        "broad_match",
        "narrow_match",
        "related_match",
        "top",
        "definitions",
        "notes",
        "history_note",
        "editorial_note",
        "created",
        "modified",
        "replaced_by",
        "evidence",
    ]
)
#: The keys of one entry of ``definitions`` (and of a scope note given as a mapping).
DEFINITION_KEYS = QUOTE_KEYS
SOURCE_KEYS = frozenset(
    [
        "id",
        "title",
        "creator",
        "date",
        "publisher",
        "url",
        "doi",
        "citation",
        "harvester",
        "license",
        "description",
        "lang",
        "text",
        "accessed",
        "posts",
    ]
)
AGENT_KEYS = frozenset({"name", "type", "url", "note"})
AGENT_TYPES = ("Person", "Organization")
GLOSSARY_KEYS = frozenset(
    [
        "base",
        "title",
        "description",
        "creator",
        "license",
        "rights",
        "languages",
        "source_collection_label",
    ]
)
MATCH_KEYS = {
    "exact_match": "exactMatch",
    "close_match": "closeMatch",
    "broad_match": "broadMatch",
    "narrow_match": "narrowMatch",
    "related_match": "relatedMatch",
}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Files in the terms directory that are not terms.
NOT_TERMS = frozenset({"README.md"})


# --- Markdown to plain text ------------------------------------------------------

_ESCAPABLE = r"\\`*_{}\[\]()#+\-.!>~|"
_ESCAPE = re.compile(rf"\\([{_ESCAPABLE}])")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^()]*\))*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_WIKI_LINK = re.compile(r"\[\[([^\]|]+)(?:\|([^\]]+))?\]\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_EM_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_LIST_ITEM = re.compile(r"^\s*(?:[-+*•]|\d+[.)])\s+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u00a0]*\n")


def md_to_text(markdown: str) -> str:
    """Markdown reduced to plain text: emphasis and links become their text.

    Paragraphs (blank-line separated) are kept, joined by a blank line; whitespace
    inside a paragraph is collapsed (line breaks, non-breaking spaces); list items
    keep a line each.

    >>> md_to_text("*A group* of [people](notes/people.md),\\nbound **together**.")
    'A group of people, bound together.'
    >>> md_to_text("First paragraph.\\n\\n\\nSecond, with `code` and <https://x.org>.")
    'First paragraph.\\n\\nSecond, with code and https://x.org.'
    >>> md_to_text(r"Not \\*emphasis\\*, snake_case_name stays")
    'Not *emphasis*, snake_case_name stays'
    """
    escapes: list[str] = []

    def hide(match: re.Match[str]) -> str:
        escapes.append(match.group(1))
        return f"\x00{len(escapes) - 1}\x00"

    text = _ESCAPE.sub(hide, markdown.replace("\r\n", "\n").replace("\r", "\n"))
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(text):
        lines: list[str] = []
        for raw in block.split("\n"):
            line = _QUOTE.sub("", raw)
            heading = _HEADING.match(line)
            if heading:
                line = heading.group(1)
            if not line.strip():
                continue
            if lines and not _LIST_ITEM.match(line):
                lines[-1] = f"{lines[-1]} {line}"
            else:
                lines.append(line)
        if lines:
            paragraphs.append("\n".join(_inline_to_text(line) for line in lines))
    text = "\n\n".join(p for p in paragraphs if p)
    return re.sub(r"\x00(\d+)\x00", lambda m: escapes[int(m.group(1))], text)


def _inline_to_text(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1), line)
    line = _LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _CODE.sub(r"\1", line)
    line = _STRONG.sub(r"\2", line)
    line = _EM_STAR.sub(r"\1", line)
    line = _EM_UNDER.sub(r"\1", line)
    line = _STRIKE.sub(r"\1", line)
    return re.sub(r"\s+", " ", line).strip()


def slugify(name: str) -> str:
    """A URI segment for a name: ASCII, lowercase, words joined by ``-``.

    >>> slugify("Center for Scientific Collaboration (CSCCE)")
    'center-for-scientific-collaboration-cscce'
    >>> slugify("rathermercurial.eth")
    'rathermercurial-eth'
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


# --- Errors, collected ------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class TermFilesError(TermFileError):
    """Several malformed term files at once; ``problems`` lists each (file:line)."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        if len(problems) == 1:
            super().__init__(first.message, where=first.where, hint=first.hint)
        else:
            rest = "\n".join(f"  {p}" for p in problems[1:])
            super().__init__(
                f"{first.message}\n    hint: {first.hint}\n{rest}"
                if first.hint
                else f"{first.message}\n{rest}",
                where=first.where,
                hint=f"{len(problems)} problems in the term files; fix each and build again",
            )
        self.problems = problems


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: Path, line: int | None, message: str, hint: str | None = None) -> None:
        where = f"{path}:{line}" if line else str(path)
        self.items.append(Problem(where, message, hint))

    def raise_if_any(self) -> None:
        """One error listing every problem, in file order, then line order."""
        if self.items:
            raise TermFilesError(sorted(self.items, key=_file_and_line))


def _file_and_line(problem: Problem) -> tuple[str, int]:
    file, _, line = problem.where.rpartition(":")
    return (file, int(line)) if line.isdigit() else (problem.where, 0)


def _did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, sorted(choices), n=3, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None


# --- YAML with line numbers ---------------------------------------------------------


class _Map:
    """A YAML mapping with the file line of each key and list item (1-based)."""

    def __init__(self, node: yaml.MappingNode, data: dict[str, Any], offset: int):
        self.node = node
        self.data = data
        self.offset = offset
        self.keys: dict[str, yaml.Node] = {}
        self.values: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            self.keys.setdefault(str(key_node.value), key_node)
            self.values.setdefault(str(key_node.value), value_node)

    def line(self, key: str | None = None) -> int:
        node = self.keys.get(key) if key is not None else self.node
        mark = (node or self.node).start_mark
        return int(mark.line) + self.offset

    def item_line(self, key: str, index: int) -> int:
        value = self.values.get(key)
        import yaml

        if isinstance(value, yaml.SequenceNode) and index < len(value.value):
            return int(value.value[index].start_mark.line) + self.offset
        return self.line(key)

    def item_map(self, key: str, index: int) -> _Map | None:
        import yaml

        value = self.values.get(key)
        data = self.data.get(key)
        if (
            isinstance(value, yaml.SequenceNode)
            and isinstance(data, list)
            and isinstance(value.value[index], yaml.MappingNode)
            and isinstance(data[index], dict)
        ):
            return _Map(value.value[index], data[index], self.offset)
        return None

    def duplicate_keys(self) -> Iterator[tuple[str, int]]:
        seen: set[str] = set()
        for key_node, _value in self.node.value:
            name = str(key_node.value)
            if name in seen:
                yield name, int(key_node.start_mark.line) + self.offset
            seen.add(name)


def _load_yaml(text: str, path: Path, offset: int, problems: _Problems, what: str) -> _Map | None:
    """Parse a YAML mapping; ``offset`` turns the YAML's 0-based line into the file's line."""
    import yaml

    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + offset if mark is not None else None
        problems.add(
            path,
            line,
            f"{what} is not valid YAML: {exc.problem or exc.context}",
            "check the indentation and quoting there (quote texts holding ': ' or '#')",
        )
        return None
    except yaml.YAMLError as exc:
        problems.add(path, None, f"{what} is not valid YAML: {exc}")
        return None
    finally:
        loader.dispose()
    if not isinstance(node, yaml.MappingNode) or not isinstance(data, dict):
        problems.add(path, offset, f"{what} must be a mapping of keys to values")
        return None
    fields = _Map(node, data, offset)
    for key, line in fields.duplicate_keys():
        problems.add(path, line, f"duplicate key {key!r}", "keep one of them")
    return fields


# --- Reading the files --------------------------------------------------------------


@dataclass
class Agent:
    name: str
    type: str = "Person"
    url: str | None = None
    note: str | None = None


@dataclass
class Source:
    id: str
    title: str
    creators: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    #: its text in the repository (``text``, ``accessed``, ``posts``), if named
    text: SourceText | None = None


#: A definition is a quotation (glossary.attribution.Quote).
Definition = Quote


@dataclass
class Term:
    id: str
    path: Path
    fields: _Map
    lang: str
    title: str
    body: str
    definitions: list[Definition] = field(default_factory=list)
    scope_notes: list[Quote] = field(default_factory=list)

    def get(self, key: str) -> Any:
        return self.fields.data.get(key)

    def ids(self, key: str) -> list[tuple[str, int]]:
        """The ids listed under ``key`` with the line of each."""
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):  # a single id (anything else is reported as a type error)
            return [(str(value), self.fields.line(key))]
        return [(str(v), self.fields.item_line(key, i)) for i, v in enumerate(value)]


@dataclass
class Glossary:
    base: str
    meta: dict[str, Any]
    sources: dict[str, Source]
    agents: dict[str, Agent]
    terms: dict[str, Term]


def _text_list(fields: _Map, key: str, path: Path, problems: _Problems) -> list[str]:
    value = fields.data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    problems.add(path, fields.line(key), f"{key!r} must be a text or a list of texts")
    return []


def _text(fields: _Map, key: str, path: Path, problems: _Problems) -> str | None:
    value = fields.data.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | datetime.date) and not isinstance(value, bool):
        return str(value)
    problems.add(path, fields.line(key), f"{key!r} must be a text", "quote it")
    return None


def _unknown_keys(
    fields: _Map, allowed: frozenset[str], path: Path, problems: _Problems, what: str
) -> None:
    for key in fields.data:
        if key not in allowed:
            problems.add(
                path,
                fields.line(str(key)),
                f"unknown key {key!r} in {what}",
                _did_you_mean(str(key), allowed)
                or f"the keys understood are: {', '.join(sorted(allowed))}",
            )


def _read_glossary_yaml(path: Path, problems: _Problems) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read the glossary's metadata ({exc.strerror})",
            where=str(path),
            hint="a terms directory needs a glossary.yaml (see docs/term-format.md)",
        ) from None
    fields = _load_yaml(text, path, 1, problems, "glossary.yaml")
    if fields is None:
        return "", {}
    _unknown_keys(fields, GLOSSARY_KEYS, path, problems, "glossary.yaml")
    base = fields.data.get("base")
    if not isinstance(base, str) or not _is_base_uri(base):
        problems.add(
            path,
            fields.line("base" if "base" in fields.data else None),
            "'base' must be an absolute http(s) URI ending with '/'",
            "e.g. base: https://w3id.org/semantic-glossary/community/",
        )
        base = ""
    if not isinstance(fields.data.get("title"), str):
        problems.add(
            path,
            fields.line("title" if "title" in fields.data else None),
            "the glossary needs a 'title'",
        )
    languages = fields.data.get("languages", ["en"])
    if isinstance(languages, str):
        languages = [languages]
    if not (
        isinstance(languages, list)
        and languages
        and all(isinstance(x, str) and _LANG_TAG.match(x) for x in languages)
    ):
        problems.add(path, fields.line("languages"), "'languages' must be a list of language tags",
                     "e.g. languages: [en]")  # fmt: skip
        languages = ["en"]
    fields.data["languages"] = languages
    license_uri = fields.data.get("license")
    if license_uri is not None and not re.match(r"^https?://\S+$", str(license_uri)):
        problems.add(path, fields.line("license"), "'license' must be the URI of a licence",
                     "e.g. license: https://creativecommons.org/licenses/by/4.0/")  # fmt: skip
    return base, fields.data


_LANG_TAG = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")


def _is_base_uri(base: str) -> bool:
    return bool(re.match(r"^https?://[^\s/]+/[^\s<>\"{}|\\^`#?]*$", base)) and base.endswith("/")


def _read_sources_yaml(
    path: Path, problems: _Problems
) -> tuple[dict[str, Source], dict[str, Agent]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(
            f"cannot read the source documents ({exc.strerror})",
            where=str(path),
            hint="a terms directory needs a sources.yaml (see docs/term-format.md)",
        ) from None
    fields = _load_yaml(text, path, 1, problems, "sources.yaml")
    if fields is None:
        return {}, {}
    _unknown_keys(fields, frozenset({"sources", "agents"}), path, problems, "sources.yaml")
    for key in ("sources", "agents"):
        if not isinstance(fields.data.get(key) or [], list):
            problems.add(path, fields.line(key), f"'{key}' must be a list of mappings")
            fields.data[key] = []
    agents: dict[str, Agent] = {}
    for i, _item in enumerate(fields.data.get("agents") or []):
        entry = fields.item_map("agents", i)
        line = fields.item_line("agents", i)
        if entry is None:
            problems.add(path, line, "each agent must be a mapping with a 'name'")
            continue
        _unknown_keys(entry, AGENT_KEYS, path, problems, "an agent")
        name = entry.data.get("name")
        kind = entry.data.get("type", "Person")
        if not isinstance(name, str) or not name.strip():
            problems.add(path, line, "an agent needs a 'name'")
            continue
        if kind not in AGENT_TYPES:
            problems.add(
                path,
                entry.line("type"),
                f"agent type {kind!r} is not one of {', '.join(AGENT_TYPES)}",
            )
            kind = "Person"
        if name in agents:
            problems.add(path, line, f"agent {name!r} is listed twice", "keep one entry")
        same_uri = [a for a in agents if a != name and slugify(a) == slugify(name)]
        if same_uri or not slugify(name):
            problems.add(
                path,
                line,
                f"agent {name!r} would get the same URI as {same_uri[0]!r}"
                if same_uri
                else f"agent name {name!r} has no letters or digits",
                "agents' URIs are made from their names: make the names differ in letters",
            )
        agents[name] = Agent(name, str(kind), entry.data.get("url"), entry.data.get("note"))
    sources: dict[str, Source] = {}
    for i, _item in enumerate(fields.data.get("sources") or []):
        entry = fields.item_map("sources", i)
        line = fields.item_line("sources", i)
        if entry is None:
            problems.add(path, line, "each source must be a mapping with an 'id' and a 'title'")
            continue
        _unknown_keys(entry, SOURCE_KEYS, path, problems, "a source")
        sid, title = entry.data.get("id"), entry.data.get("title")
        if not isinstance(sid, str) or not ID_PATTERN.match(sid):
            problems.add(path, line, f"source id {sid!r} must be lowercase words joined by '-'")
            continue
        if not isinstance(title, str):
            problems.add(path, line, f"source {sid!r} needs a 'title'")
            continue
        if sid in sources:
            problems.add(path, line, f"source id {sid!r} is used twice", "ids must be unique")
        creators = _text_list(entry, "creator", path, problems)
        names = [*creators]
        for key in ("harvester", "publisher"):
            value = _text(entry, key, path, problems)
            if value:
                names.append(value)
        for name in names:
            if name not in agents:
                problems.add(
                    path,
                    line,
                    f"source {sid!r} names {name!r}, who is not an agent",
                    _did_you_mean(name, agents) or "add them under 'agents:'",
                )
        date = entry.data.get("date")
        if date is not None and not (
            isinstance(date, datetime.date) or re.fullmatch(r"\d{4}(-\d{2})?", str(date))
        ):
            problems.add(path, entry.line("date"), f"date {date!r} is not a date",
                         "write 2022, 2022-04 or 2022-04-03")  # fmt: skip
            entry.data.pop("date")
        text_file = read_source_text(entry, sid, path, agents, problems)
        sources[sid] = Source(sid, title, creators, dict(entry.data), text_file)
    return sources, agents


def _split_front_matter(text: str) -> tuple[list[str], list[str], int] | None:
    """(front matter lines, body lines, file line of the body) or None."""
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return lines[1:i], lines[i + 1 :], i + 2
    return None


def _read_term(path: Path, term_id: str, default_lang: str, problems: _Problems) -> Term | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(path, None, f"cannot read the term file ({exc})")
        return None
    split = _split_front_matter(text)
    if split is None:
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        problems.add(
            path,
            1,
            "no front matter: a term file starts with a line '---', then YAML, then '---'"
            if first.rstrip() != "---"
            else "the front matter is not closed by a line '---'",
            "see docs/term-format.md for an example",
        )
        return None
    front, body_lines, _ = split
    # The YAML's line 0 is the file's line 2 (after the opening '---').
    fields = _load_yaml("\n".join(front), path, 2, problems, "the front matter")
    if fields is None:
        return None
    _unknown_keys(fields, TERM_KEYS, path, problems, "the front matter")
    title = _text(fields, "title", path, problems)
    if not title or not title.strip():
        problems.add(
            path,
            fields.line("title" if "title" in fields.data else None),
            "the term has no 'title' (its preferred label)",
            "add e.g. title: Content pillar",
        )
        title = term_id
    lang = _text(fields, "lang", path, problems) or default_lang
    if not _LANG_TAG.match(lang):
        problems.add(path, fields.line("lang"), f"{lang!r} is not a language tag", "e.g. en")
        lang = default_lang
    return Term(term_id, path, fields, lang, title.strip(), "\n".join(body_lines).strip())


# --- Checking a term against the others -------------------------------------------------


def _check_term(term: Term, glossary: Glossary, problems: _Problems) -> None:
    path, fields = term.path, term.fields
    for key in (
        "description",
        "source",
        "author",
        "locator",
        "role",
        "label_inferred",
        "sense_of",
        "history_note",
        "replaced_by",
    ):
        _text(fields, key, path, problems)
    for key in (
        "aliases",
        "tags",
        "broader",
        "related",
        "links",
        "see_also",
        "notes",
        "editorial_note",
        *MATCH_KEYS,
    ):
        _text_list(fields, key, path, problems)
    check_evidence(term, problems)
    for tag, line in term.ids("tags"):
        if not slugify(tag):
            problems.add(path, line, f"tag {tag!r} has no letters or digits")
    if "top" in fields.data and not isinstance(fields.data["top"], bool):
        problems.add(path, fields.line("top"), "'top' must be true or false")
    for key in ("created", "modified"):
        value = fields.data.get(key)
        if value is not None and not isinstance(value, datetime.date):
            problems.add(path, fields.line(key), f"{key!r} must be a date", "e.g. 2024-05-01")

    # References to other terms.
    refs = {k: term.ids(k) for k in ("broader", "related", "links", "sense_of", "replaced_by")}
    for key, items in refs.items():
        for ref, line in items:
            if ref == term.id:
                problems.add(path, line, f"{key!r} names the term itself ({ref!r})")
            elif ref not in glossary.terms:
                problems.add(
                    path,
                    line,
                    f"{key!r} names {ref!r}, but there is no term file {ref}.md",
                    _did_you_mean(ref, glossary.terms) or "create that term file, or fix the id",
                )
    for key in ("see_also", *MATCH_KEYS):
        for uri, line in term.ids(key):
            if not re.match(r"^https?://\S+$", uri):
                problems.add(path, line, f"{key!r} needs absolute http(s) URIs, not {uri!r}")
    has_broader = bool(refs["broader"] or refs["sense_of"])
    if fields.data.get("top") is True and has_broader:
        problems.add(
            path,
            fields.line("top"),
            "'top: true' on a term that has a broader term",
            "a top concept has no broader concept: remove 'top' or 'broader'",
        )

    # The definitions and who said them.
    source = fields.data.get("source")
    source = source if isinstance(source, str) else None  # a wrong type is reported above
    if isinstance(source, str) and source not in glossary.sources:
        problems.add(
            path,
            fields.line("source"),
            f"unknown source {source!r}",
            _did_you_mean(source, glossary.sources) or "add it to sources.yaml, or fix the id",
        )
    default_authors = _authors(term.fields, "author", source, glossary, path, problems)
    own: list[tuple[str, str | None]] = []
    description = fields.data.get("description")
    if isinstance(description, str) and description.strip():
        own.append((description, "short definition"))
    if term.body:
        own.append((term.body, _text(fields, "role", path, problems) or "definition"))
        check_defining_role(own[-1][1], path, fields.line("role"), problems)
    if own and not isinstance(source, str):
        problems.add(
            path,
            fields.line("title"),
            "the term quotes a definition but names no 'source'",
            "add source: <id from sources.yaml>, so the definition is attributed",
        )
    locator = _text(fields, "locator", path, problems)
    for text, role in own:
        term.definitions.append(
            Definition(
                text,
                default_authors,
                source if isinstance(source, str) else None,
                locator,
                role,
                None,
            )
        )
    listed = fields.data.get("definitions") or []
    if not isinstance(listed, list):
        problems.add(path, fields.line("definitions"), "'definitions' must be a list",
                     "write each definition as an entry '- text: ...'")  # fmt: skip
        listed = []
    for i, _item in enumerate(listed):
        entry = fields.item_map("definitions", i)
        line = fields.item_line("definitions", i)
        if entry is None:
            problems.add(path, line, "each entry of 'definitions' must be a mapping with 'text'")
            continue
        quote = read_quote(
            entry,
            line,
            term,
            glossary,
            problems,
            source=source,
            default_authors=default_authors,
            kind="definition",
        )
        if quote is not None:
            term.definitions.append(quote)
    term.scope_notes = read_scope_notes(
        term, glossary, problems, source=source, default_authors=default_authors
    )
    if not term.definitions and not fields.data.get("scope_note"):
        problems.add(
            path,
            body_or_title_line(term),
            "the term says nothing: no body, no description, no definitions, no scope note",
            "quote its definition from a source below the front matter",
        )


def body_or_title_line(term: Term) -> int:
    return term.fields.line("title" if "title" in term.fields.data else None)


def _authors(
    fields: _Map, key: str, source: str | None, glossary: Glossary, path: Path, problems: _Problems
) -> list[str]:
    """Who said it: the ``author`` given (``null`` = unknown), else the source's creators."""
    if key not in fields.data:
        src = glossary.sources.get(source or "")
        return list(src.creators) if src else []
    names = _text_list(fields, key, path, problems)
    for i, name in enumerate(names):
        if name not in glossary.agents:
            problems.add(
                path,
                fields.item_line(key, i)
                if isinstance(fields.data[key], list)
                else fields.line(key),
                f"unknown author {name!r}",
                _did_you_mean(name, glossary.agents)
                or "add them under 'agents:' in sources.yaml (name, type Person or Organization)",
            )
    return names


def _check_cycles(terms: dict[str, Term], problems: _Problems) -> None:
    """A broader (or sense_of) chain that comes back to where it started."""
    edges = {
        tid: [ref for ref, _ in t.ids("broader") + t.ids("sense_of") if ref in terms]
        for tid, t in terms.items()
    }
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    reported: set[frozenset[str]] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in edges[node]:
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    term = terms[node]
                    line = next(
                        (
                            ln
                            for ref, ln in term.ids("broader") + term.ids("sense_of")
                            if ref == nxt
                        ),
                        None,
                    )
                    problems.add(
                        term.path,
                        line,
                        f"broader cycle: {' -> '.join(cycle)}",
                        "a term cannot be (indirectly) broader than itself: "
                        "remove one of these links",
                    )
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for tid in sorted(edges):
        if tid not in state:
            visit(tid, [])


def _check_tag_spellings(terms: dict[str, Term], problems: _Problems) -> None:
    """Two spellings of one tag ("Greek letters", "greek-letters") would be one
    collection with two preferred labels in one language."""
    first: dict[str, str] = {}
    for tid in sorted(terms):
        term = terms[tid]
        for tag, line in term.ids("tags"):
            seen = first.setdefault(slugify(tag), tag)
            if seen != tag:
                problems.add(
                    term.path,
                    line,
                    f"tag {tag!r} is the same tag as {seen!r}, spelt differently",
                    f"write it {seen!r} everywhere",
                )


def read_glossary(terms_dir: Path | None = None, *, base: str | None = None) -> Glossary:
    """Read and check every file of a terms directory (no RDF yet)."""
    from glossary.config import terms_dir as bundled_terms_dir

    directory = Path(terms_dir) if terms_dir is not None else bundled_terms_dir()
    if not directory.is_dir():
        raise InputError(
            "no such terms directory",
            where=str(directory),
            hint="pass --terms DIR, a directory holding glossary.yaml, sources.yaml and *.md",
        )
    problems = _Problems()
    file_base, meta = _read_glossary_yaml(directory / "glossary.yaml", problems)
    if base is not None and not _is_base_uri(base):
        raise InputError(
            f"the base URI {base!r} is not an absolute http(s) URI ending with '/'",
            hint="e.g. --base https://example.org/glossary/",
        )
    sources, agents = _read_sources_yaml(directory / "sources.yaml", problems)
    default_lang = str(meta.get("languages", ["en"])[0])
    glossary = Glossary(base or file_base, meta, sources, agents, {})
    seen: dict[str, Path] = {}
    for path in sorted(directory.rglob("*.md")):
        if path.name in NOT_TERMS or path.name.startswith(("_", ".")):
            continue
        term_id = path.stem
        if not ID_PATTERN.match(term_id):
            problems.add(
                path,
                1,
                f"file name {path.name!r} is not a valid term id",
                f"rename it to {slugify(term_id) or 'some-term'}.md: lowercase words "
                "joined by '-' (the id is the last segment of the concept URI)",
            )
            continue
        if term_id in seen:
            problems.add(
                path,
                1,
                f"duplicate id {term_id!r}: also {seen[term_id]}",
                "two term files cannot share a name, even in different folders",
            )
            continue
        seen[term_id] = path
        term = _read_term(path, term_id, default_lang, problems)
        if term is not None:
            glossary.terms[term_id] = term
    if not seen and not problems.items:
        raise InputError("no term files (*.md) in the terms directory", where=str(directory))
    for term in glossary.terms.values():
        _check_term(term, glossary, problems)
    _check_cycles(glossary.terms, problems)
    _check_tag_spellings(glossary.terms, problems)
    problems.raise_if_any()
    return glossary


# --- Building the graph ------------------------------------------------------------------


def compile_terms(terms_dir: Path | None = None, *, base: str | None = None) -> rdflib.Graph:
    """The SKOS graph of a terms directory (default: the bundled community glossary).

    ``base`` overrides the base URI of ``glossary.yaml``. Raises
    :class:`~glossary.errors.TermFileError` listing every malformed file with its line.
    """
    return build_graph(read_glossary(terms_dir, base=base))


def build_graph(glossary: Glossary) -> rdflib.Graph:
    import rdflib
    from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

    GL = rdflib.Namespace(GL_NS)
    SDO = rdflib.Namespace(SCHEMA_NS)
    Literal, URIRef = rdflib.Literal, rdflib.URIRef
    base = glossary.base
    meta = glossary.meta
    languages = meta.get("languages") or ["en"]
    lang = str(languages[0])

    g = rdflib.Graph()
    for prefix, ns in (
        ("skos", SKOS),
        ("dct", DCTERMS),
        ("gl", GL),
        ("schema", SDO),
        ("prov", PROV),
        ("foaf", FOAF),
        ("owl", OWL),
        ("rdfs", RDFS),
        ("xsd", XSD),
    ):
        g.bind(prefix, ns, override=True)
    g.bind("term", rdflib.Namespace(base), override=True)

    scheme = URIRef(base.rstrip("/"))

    def concept(tid: str) -> rdflib.URIRef:
        return URIRef(base + tid)

    def agent(name: str) -> rdflib.URIRef:
        return URIRef(f"{base}_agent/{slugify(name)}")

    def source_uri(sid: str) -> rdflib.URIRef:
        return URIRef(f"{base}_source/{sid}")

    def text(value: str, language: str) -> rdflib.Literal:
        return Literal(md_to_text(value), lang=language)

    # The scheme.
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    # Compiled term files are a glossary: ask for the strict profile by declaration.
    g.add((scheme, DCTERMS.conformsTo, URIRef(GLOSSARY_PROFILE)))
    g.add((scheme, DCTERMS.title, Literal(str(meta["title"]), lang=lang)))
    g.add((scheme, RDFS.label, Literal(str(meta["title"]), lang=lang)))
    if meta.get("description"):
        g.add((scheme, DCTERMS.description, text(str(meta["description"]), lang)))
    if meta.get("creator"):
        g.add((scheme, DCTERMS.creator, Literal(str(meta["creator"]))))
    if meta.get("license"):
        g.add((scheme, DCTERMS.license, URIRef(str(meta["license"]))))
    if meta.get("rights"):
        g.add((scheme, DCTERMS.rights, text(str(meta["rights"]), lang)))
    for language in languages:
        g.add((scheme, DCTERMS.language, Literal(str(language))))

    # Agents (only those somebody refers to).
    used_agents: set[str] = set()
    for src in glossary.sources.values():
        used_agents.update(src.creators)
        for key in ("harvester", "publisher"):
            if src.fields.get(key):
                used_agents.add(str(src.fields[key]))
    for term in glossary.terms.values():
        for d in [*term.definitions, *term.scope_notes]:
            used_agents.update(d.authors)
    for name in sorted(used_agents):
        a = glossary.agents[name]
        node = agent(name)
        g.add((node, RDF.type, SDO[a.type]))
        g.add((node, RDF.type, FOAF[a.type]))
        g.add((node, RDF.type, PROV.Agent))
        g.add((node, SDO.name, Literal(a.name)))
        g.add((node, FOAF.name, Literal(a.name)))
        if a.url:
            g.add((node, SDO.url, URIRef(a.url)))
        if a.note:
            g.add((node, SKOS.note, Literal(a.note, lang=lang)))

    # Source documents and their collections.
    collection_label = str(meta.get("source_collection_label") or "Terms quoted from: {title}")
    for sid, src in sorted(glossary.sources.items()):
        node = source_uri(sid)
        slang = str(src.fields.get("lang") or lang)
        f = src.fields
        g.add((node, RDF.type, GL.SourceDocument))
        g.add((node, DCTERMS.title, Literal(src.title, lang=slang)))
        g.add((scheme, DCTERMS.source, node))
        for name in src.creators:
            g.add((node, DCTERMS.creator, agent(name)))
        if f.get("publisher"):
            g.add((node, DCTERMS.publisher, agent(str(f["publisher"]))))
        if f.get("harvester"):
            g.add((node, PROV.wasAttributedTo, agent(str(f["harvester"]))))
        if f.get("date") is not None:
            g.add((node, DCTERMS.date, _date_literal(f["date"])))
        if f.get("url"):
            g.add((node, SDO.url, URIRef(str(f["url"]))))
        if f.get("doi"):
            g.add((node, DCTERMS.identifier, Literal(f"doi:{f['doi']}")))
            g.add((node, OWL.sameAs, URIRef(f"https://doi.org/{f['doi']}")))
        if f.get("citation"):
            g.add((node, DCTERMS.bibliographicCitation, Literal(str(f["citation"]), lang=slang)))
        if f.get("description"):
            g.add((node, DCTERMS.description, text(str(f["description"]), lang)))
        if f.get("license"):
            g.add((node, DCTERMS.license, URIRef(str(f["license"]))))
        coll = URIRef(f"{base}_collection/{sid}")
        g.add((coll, RDF.type, GL.SourceCollection))
        g.add((coll, RDF.type, SKOS.Collection))
        g.add((coll, SKOS.prefLabel, Literal(collection_label.format(title=src.title), lang=lang)))
        g.add((coll, DCTERMS.source, node))

    # Concepts.
    related: set[tuple[str, str]] = set()
    for tid, term in sorted(glossary.terms.items()):
        node = concept(tid)
        tl = term.lang
        g.add((node, RDF.type, SKOS.Concept))
        g.add((node, SKOS.prefLabel, Literal(term.title, lang=tl)))
        g.add((node, SKOS.inScheme, scheme))
        for alias in _strings(term.get("aliases")):
            prop = SKOS.hiddenLabel if alias.startswith("#") else SKOS.altLabel
            g.add((node, prop, Literal(alias, lang=tl)))
        broader = [ref for ref, _ in term.ids("broader")]
        sense_of = term.get("sense_of")
        if isinstance(sense_of, str):
            g.add((node, RDF.type, GL.Sense))
            g.add((node, GL.senseOf, concept(sense_of)))
            broader.append(sense_of)
        for ref in broader:
            g.add((node, SKOS.broader, concept(ref)))
            g.add((concept(ref), SKOS.narrower, node))
        if not broader and term.get("top") is not False:
            g.add((node, SKOS.topConceptOf, scheme))
            g.add((scheme, SKOS.hasTopConcept, node))
        for ref, _ in term.ids("related"):
            related.add((tid, ref))
            related.add((ref, tid))
        for ref, _ in term.ids("links"):
            g.add((node, RDFS.seeAlso, concept(ref)))
        for link in _strings(term.get("see_also")):
            g.add((node, RDFS.seeAlso, URIRef(link)))
        for key, skos_name in MATCH_KEYS.items():
            for link in _strings(term.get(key)):
                g.add((node, SKOS[skos_name], URIRef(link)))
        sources_used: set[str] = set()
        if isinstance(term.get("source"), str):
            sources_used.add(term.get("source"))
        for kind, quotes in (("definition", term.definitions), ("scope-note", term.scope_notes)):
            sources_used |= add_quotes(
                g,
                node,
                quotes,
                kind=kind,
                lang=tl,
                agent=agent,
                source_uri=source_uri,
                text=text,
            )
        for sid in sorted(sources_used):
            g.add((node, DCTERMS.source, source_uri(sid)))
            g.add((URIRef(f"{base}_collection/{sid}"), SKOS.member, node))
        for key, prop in (
            ("notes", SKOS.note),
            ("editorial_note", SKOS.editorialNote),
            ("history_note", SKOS.historyNote),
        ):
            for note in _strings(term.get(key)):
                g.add((node, prop, text(note, tl)))
        evidence = term.get("label_inferred")
        if isinstance(evidence, str):
            g.add((node, GL.labelInferred, Literal(True)))
            g.add((node, GL.labelEvidence, text(evidence, tl)))
        for key, prop in (("created", DCTERMS.created), ("modified", DCTERMS.modified)):
            if isinstance(term.get(key), datetime.date):
                g.add((node, prop, _date_literal(term.get(key))))
        replaced_by = term.get("replaced_by")
        if isinstance(replaced_by, str):
            g.add((node, DCTERMS.isReplacedBy, concept(replaced_by)))
            g.add((node, OWL.deprecated, Literal(True)))
        for tag in _strings(term.get("tags")):
            tag_node = URIRef(f"{base}_tag/{slugify(tag)}")
            g.add((tag_node, RDF.type, GL.TagCollection))
            g.add((tag_node, RDF.type, SKOS.Collection))
            g.add((tag_node, SKOS.prefLabel, Literal(tag, lang=lang)))
            g.add((tag_node, SKOS.member, node))
    for one, other in sorted(related):
        g.add((concept(one), SKOS.related, concept(other)))
    return g


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _date_literal(value: Any) -> rdflib.Literal:
    """A date as xsd:date, xsd:gYearMonth or xsd:gYear, as precise as it was written."""
    from rdflib import Literal
    from rdflib.namespace import XSD

    if isinstance(value, datetime.date):
        return Literal(value.isoformat()[:10], datatype=XSD.date)
    text = str(value)
    if re.fullmatch(r"\d{4}", text):
        return Literal(text, datatype=XSD.gYear)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return Literal(text, datatype=XSD.gYearMonth)
    return Literal(text, datatype=XSD.date)


def to_turtle(graph: rdflib.Graph) -> str:
    """The graph as Turtle; the same graph always gives the same text (sorted)."""
    return graph.serialize(format="turtle")
