"""``glossary validate FILE... [--format text|json|turtle] [--profile skos|glossary]``:
SHACL validation.

Exit status: 0 conforms (warnings allowed), 1 violations, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from glossary.progress import Progress
from glossary.shapes import PROFILES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="RDF files: Turtle, RDF/XML, JSON-LD, N-Triples, TriG, N-Quads, each may be gzipped",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "turtle"),
        default="text",
        help="report format: text (summary and first results per shape), json "
        '({"conforms", "results"}, as POST /api/validate), turtle (a sh:ValidationReport)',
    )
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--limit",
        type=int,
        default=10,
        metavar="N",
        help="text format: show the first N results of each shape (default 10)",
    )
    limits.add_argument("--all", action="store_true", help="text format: show every result")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        default=None,
        help="skos: any SKOS vocabulary (the SKOS Reference's conditions are violations, "
        "qSKOS issues such as a missing prefLabel or a broader cycle are warnings); "
        "glossary: also the glossary's own rules, strictly. Default: the data's choice "
        "(glossary when a scheme declares dct:conformsTo gls:GlossaryProfile or a concept "
        "has gl:hasDefinition, else skos); the report names the profile that applied",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="validate the files together as one graph (default: each file on its own, "
        "as `glossary load` loads each file as one vocabulary)",
    )


def run(args: argparse.Namespace) -> int:
    from glossary.validate import validate_files, validation_steps

    if args.limit < 0:
        print("glossary validate: error: --limit must be 0 or more", file=sys.stderr)
        return 2
    files: list[Path] = args.files
    graphs = 1 if args.merge else len(files)
    total = len(files) + graphs * validation_steps()
    with Progress("validating", total=total) as progress:

        def step(name: str) -> None:
            progress.label = f"validating: {name}"
            progress.advance()

        report = validate_files(files, merge=args.merge, profile=args.profile, on_step=step)
    if args.format == "json":
        json.dump(report.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif args.format == "turtle":
        sys.stdout.write(report.to_turtle())
    else:
        sys.stdout.write(report.to_text(limit=None if args.all else args.limit))
    return 0 if report.conforms else 1
