"""The ``glossary`` command line.

Each subcommand lives in its own module of this package, exposing
``add_arguments(parser)`` and ``run(args) -> int``; modules are imported only when
their command runs, so ``glossary --help`` stays fast (no torch, no Flask).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from glossary import __version__
from glossary.errors import GlossaryError

#: name -> one-line help. The module ``glossary.cli.<name>`` implements it (``-`` in a
#: name is ``_`` in the module's).
COMMANDS: dict[str, str] = {
    "build": "compile the Markdown term files to SKOS (Turtle)",
    "validate": "check RDF files against the project's SHACL shapes",
    "load": "validate, then load vocabularies into the store",
    "serve": "run the HTTP service (gunicorn)",
    "query": "run a SPARQL query against the store",
    "search": "search concepts by label, or by meaning with --semantic",
    "export": "write a vocabulary from the store to standard output",
    "suggest-mappings": "suggest SKOS mappings between two loaded vocabularies (SSSOM TSV)",
}


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """``--store DIR``, the same for every command that uses the store."""
    parser.add_argument(
        "--store",
        type=Path,
        default=None,
        metavar="DIR",
        help="store directory (default: $GLOSSARY_STORE, else a per-user data directory)",
    )


def chosen_store(args: argparse.Namespace) -> Path:
    """The store directory the user chose, or the default one."""
    from glossary.config import default_store_dir

    return Path(args.store or default_store_dir()).expanduser()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glossary",
        description="Publish, validate and search glossaries and SKOS vocabularies.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        sub.add_parser(name, help=help_text, description=help_text, add_help=False)
    return parser


def _command_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module = importlib.import_module(f"glossary.cli.{name.replace('-', '_')}")
    parser = argparse.ArgumentParser(prog=f"glossary {name}", description=COMMANDS[name])
    module.add_arguments(parser)
    return parser, module


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _parser()
    if not argv or argv[0] not in COMMANDS:
        top.parse_args(argv or ["--help"])  # prints help, version or the error; exits
        return 2
    name, rest = argv[0], argv[1:]
    parser, module = _command_parser(name)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args))  # type: ignore[attr-defined]
    except GlossaryError as exc:
        print(f"glossary {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"glossary {name}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
