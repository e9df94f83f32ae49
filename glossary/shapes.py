"""The project's SHACL shapes (``ontology/shapes/*.ttl``), read once per profile.

**Profiles.** ``ontology/shapes/profiles.ttl`` defines two ways to apply the same
shapes, as data:

* ``glossary`` (``gls:GlossaryProfile``): every shape at the severity its file states.
  The project's own rules are Violations: a concept without ``skos:prefLabel``, a cycle
  in ``skos:broader``, a glossary term without a definition.
* ``skos`` (``gls:SkosProfile``): for any SKOS vocabulary. The SKOS Reference's
  integrity conditions stay Violations; what SKOS allows never is one: the shapes the
  profile ``gls:relaxes`` become Warnings (qSKOS issues), the shapes it ``gls:leavesOut``
  (the glossary's own rules) do not run.

The default follows the data (:func:`profile_for`, the ``gls:chosenWhen`` query of
profiles.ttl): the glossary profile when a scheme declares ``dct:conformsTo
gls:GlossaryProfile`` or a concept has an attributed definition (``gl:hasDefinition``),
the skos profile otherwise. A profile's shapes graph
is the files' graph with ``sh:deactivated true`` on the shapes it leaves out and
``sh:severity sh:Warning`` on those it relaxes, so pySHACL (the reference engine) reads
exactly what the fast engine runs.

**Kinds of shape.** Per-node shapes (SHACL Core, with targets) are translated to one
query each (:mod:`glossary.shacl_sparql`). A shape with one ``sh:sparql`` constraint
runs once over the whole graph: without a target ("global": its query selects
``$this`` itself), or with targets, joined with them (``targeted``: standard
SHACL-SPARQL, which pySHACL also runs, focus node by focus node, as the reference).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glossary.config import shapes_dir
from glossary.validation_report import GLS, SH

if TYPE_CHECKING:
    import pyoxigraph
    import rdflib

    from glossary.shacl_sparql import CoreQuery

#: The profiles, strictest last; ``gls:profileName`` in ontology/shapes/profiles.ttl.
PROFILES = ("skos", "glossary")


@dataclass(frozen=True)
class GlobalShape:
    iri: str
    query: str  # with PREFIX lines; joined with the targets for a targeted shape
    severity: str
    message: str
    on_tagged_literals: bool  # gls:evaluatedOn gls:LanguageTaggedTriples
    targeted: bool = False  # standard SHACL-SPARQL with targets: pySHACL runs it too


@dataclass(frozen=True)
class Shapes:
    graph: rdflib.Graph  # the profile's shapes graph
    files: tuple[Path, ...]
    profile: str
    core: tuple[str, ...]  # IRIs of the per-node shapes (SHACL Core, with targets)
    global_shapes: tuple[GlobalShape, ...]
    translated: tuple[CoreQuery, ...]  # the per-node shapes as global queries
    untranslated: tuple[str, ...]  # per-node shapes the translation cannot take (pySHACL)
    messages: dict[str, str]  # shape IRI -> its sh:message
    severities: dict[str, str]  # shape IRI -> "Violation" | "Warning" | "Info"
    left_out: tuple[str, ...] = ()  # shapes this profile does not run

    @property
    def names(self) -> list[str]:
        """Every named shape this profile runs, per-node and global."""
        return sorted([*self.core, *(s.iri for s in self.global_shapes)])

    @property
    def targeted(self) -> list[str]:
        """The SHACL-SPARQL shapes with targets (pySHACL runs them as the reference)."""
        return [s.iri for s in self.global_shapes if s.targeted]


def pick_message(graph: rdflib.Graph, shape: Any) -> str:
    import rdflib

    messages = list(graph.objects(shape, rdflib.URIRef(SH + "message")))
    for m in messages:
        if getattr(m, "language", None) in (None, "en"):
            return str(m)
    return str(messages[0]) if messages else ""


@functools.lru_cache(maxsize=4)
def _files_graph(directory: Path) -> tuple[rdflib.Graph, tuple[Path, ...]]:
    import rdflib

    files = tuple(sorted(directory.glob("*.ttl")))
    g = rdflib.Graph()
    g.bind("sh", SH)
    for f in files:
        g.parse(f, format="turtle")
    return g, files


def _profile_node(g: rdflib.Graph, profile: str) -> Any:
    import rdflib

    nodes = list(g.subjects(rdflib.URIRef(GLS + "profileName"), rdflib.Literal(profile)))
    if len(nodes) != 1:
        raise ValueError(f"unknown validation profile {profile!r}: use one of {PROFILES}")
    return nodes[0]


def profile_graph(base: rdflib.Graph, profile: str) -> tuple[rdflib.Graph, list[str]]:
    """The shapes graph of one profile, and the shapes it leaves out."""
    import rdflib

    sh = rdflib.Namespace(SH)
    node = _profile_node(base, profile)
    g = rdflib.Graph()
    for prefix, ns in base.namespaces():
        g.bind(prefix, ns)
    for triple in base:
        g.add(triple)
    left_out = sorted(str(s) for s in base.objects(node, rdflib.URIRef(GLS + "leavesOut")))
    for iri in left_out:
        g.add((rdflib.URIRef(iri), sh.deactivated, rdflib.Literal(True)))
    for relaxed in base.objects(node, rdflib.URIRef(GLS + "relaxes")):
        g.set((relaxed, sh.severity, sh.Warning))
    return g, left_out


@functools.lru_cache(maxsize=8)
def load_shapes(directory: Path | None = None, profile: str = "glossary") -> Shapes:
    """The shapes of one profile, read from every ``*.ttl`` in the directory (cached)."""
    import rdflib

    from glossary.shacl_sparql import (
        NotTranslatable,
        class_targets_pattern,
        targets_query,
        translate,
    )

    base, files = _files_graph(directory or shapes_dir())
    g, left_out = profile_graph(base, profile)
    sh = rdflib.Namespace(SH)
    targets = (sh.targetClass, sh.targetNode, sh.targetSubjectsOf, sh.targetObjectsOf, sh.target)
    shapes: set[Any] = set()
    for kind in (sh.NodeShape, sh.PropertyShape):
        shapes.update(s for s in g.subjects(rdflib.RDF.type, kind) if isinstance(s, rdflib.URIRef))
    core: list[str] = []
    global_shapes: list[GlobalShape] = []
    for shape in sorted(shapes):
        if str(shape) in left_out:
            continue
        has_target = any(g.value(shape, t) is not None for t in targets)
        constraints = list(g.objects(shape, sh.sparql))
        if not constraints:
            core.append(str(shape))
            continue
        if len(constraints) != 1:
            raise ValueError(f"SPARQL shape {shape} must have exactly one sh:sparql constraint")
        constraint = constraints[0]
        select = str(g.value(constraint, sh.select))
        prefixes = []
        for ontology in g.objects(constraint, sh.prefixes):
            for decl in g.objects(ontology, sh.declare):
                prefixes.append(
                    f"PREFIX {g.value(decl, sh.prefix)}: <{g.value(decl, sh.namespace)}>"
                )
        if has_target:
            inline = class_targets_pattern(g, shape)
            distinct = re.match(r"\s*SELECT\s+DISTINCT\b", select, re.IGNORECASE)
            select = with_focus_nodes(
                select, inline if inline and distinct else targets_query(g, shape)
            )
        severity = g.value(shape, sh.severity) or sh.Violation
        global_shapes.append(
            GlobalShape(
                iri=str(shape),
                query="\n".join(sorted(prefixes)) + "\n" + select,
                severity=str(severity).removeprefix(SH),
                message=pick_message(g, shape),
                on_tagged_literals=(
                    shape,
                    rdflib.URIRef(GLS + "evaluatedOn"),
                    rdflib.URIRef(GLS + "LanguageTaggedTriples"),
                )
                in g,
                targeted=has_target,
            )
        )
    translated: list[CoreQuery] = []
    untranslated: list[str] = []
    for iri in core:
        try:
            translated += translate(g, rdflib.URIRef(iri))
        except NotTranslatable:
            untranslated.append(iri)
    return Shapes(
        graph=g,
        files=files,
        profile=profile,
        core=tuple(core),
        global_shapes=tuple(global_shapes),
        translated=tuple(translated),
        untranslated=tuple(untranslated),
        messages={iri: pick_message(g, rdflib.URIRef(iri)) for iri in core},
        severities={
            iri: str(g.value(rdflib.URIRef(iri), sh.severity) or sh.Violation).removeprefix(SH)
            for iri in core
        },
        left_out=tuple(left_out),
    )


def with_focus_nodes(select: str, targets: str) -> str:
    """A SHACL-SPARQL ``SELECT`` run once for all focus nodes: SHACL binds ``$this`` to
    each focus node in turn; the same results come from joining the query's pattern with
    the focus nodes first (``targets`` selects ``?this``, the same variable as ``$this``),
    which also lets the store start from the few focus nodes."""
    match = _WHERE.search(select)
    if match is None:
        raise ValueError(f"a SPARQL constraint without WHERE {{: {select[:80]!r}")
    return f"{select[: match.end()]} {targets} {select[match.end() :]}"


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def profile_for(store: pyoxigraph.Store, directory: Path | None = None) -> str:
    """The profile the data asks for: ``glossary`` when the ``gls:chosenWhen`` query of
    ``gls:GlossaryProfile`` (profiles.ttl: a scheme declares ``dct:conformsTo
    gls:GlossaryProfile``, or a concept has an attributed definition) is true of it, else
    ``skos``."""
    return "glossary" if bool(store.query(_glossary_profile_query(directory))) else "skos"


@functools.lru_cache(maxsize=4)
def _glossary_profile_query(directory: Path | None) -> str:
    import rdflib

    base, _ = _files_graph(directory or shapes_dir())
    query = base.value(_profile_node(base, "glossary"), rdflib.URIRef(GLS + "chosenWhen"))
    if query is None:
        raise ValueError("profiles.ttl: gls:GlossaryProfile has no gls:chosenWhen query")
    return str(query)


def check_profile(profile: str | None) -> str | None:
    """``None`` (follow the data) or one of :data:`PROFILES`; ValueError otherwise."""
    if profile is not None and profile not in PROFILES:
        raise ValueError(f"unknown validation profile {profile!r}: use one of {PROFILES}")
    return profile
