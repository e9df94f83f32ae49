"""``glossary build``: compile the Markdown term files to SKOS (Turtle), then validate.

Exit 0 built (warnings allowed, their count on stderr); 1 the result violates the
shapes (the report on stderr, nothing written); 2 a term file or the output cannot be
read or written (file and line named).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from glossary.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--terms",
        type=Path,
        metavar="DIR",
        help="directory of term files, glossary.yaml and sources.yaml "
        "(default: the bundled community glossary)",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write the Turtle here (default: standard output)"
    )
    parser.add_argument(
        "--base",
        metavar="URI",
        help="base URI of the concepts, ending with '/' (default: 'base' in glossary.yaml)",
    )
    parser.add_argument(
        "--show-warnings", action="store_true", help="list the validation warnings on stderr"
    )


def run(args: argparse.Namespace) -> int:
    from glossary.compile import compile_terms, to_turtle
    from glossary.validate import validate_graph

    graph = compile_terms(args.terms, base=args.base)
    report = validate_graph(graph)
    violations = [r for r in report.results if r.severity == "Violation"]
    warnings = [r for r in report.results if r.severity != "Violation"]
    if not report.conforms:
        print(report.to_text(), file=sys.stderr)
        print(
            f"glossary build: {len(violations)} violation(s) of the shapes; nothing written",
            file=sys.stderr,
        )
        return 1
    turtle = to_turtle(graph)
    if args.out is None:
        sys.stdout.write(turtle)
        sys.stdout.flush()
        target = "standard output"
    else:
        _write_atomically(args.out, turtle)
        target = str(args.out)
    if args.show_warnings and warnings:
        for result in warnings:
            print(f"{result.severity}: {result.focus_node}: {result.message}", file=sys.stderr)
    concepts = _count_concepts(graph)
    print(
        f"glossary build: {concepts} concepts, {len(graph)} triples, {len(warnings)} warning(s)"
        f"{'' if args.show_warnings or not warnings else ' (--show-warnings lists them)'}"
        f" -> {target}",
        file=sys.stderr,
    )
    return 0


def _count_concepts(graph: object) -> int:
    from rdflib import Graph
    from rdflib.namespace import RDF, SKOS

    assert isinstance(graph, Graph)
    return len(set(graph.subjects(RDF.type, SKOS.Concept)))


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: a failed build never leaves half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(
            f"cannot write the output ({exc.strerror})",
            where=str(path),
            hint="check that the directory exists and is writable",
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write the output ({exc.strerror})", where=str(path)) from None
