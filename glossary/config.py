"""Settings that live in one place: paths to bundled data and defaults.

Every setting a user can change is listed in :data:`SETTINGS` (name, environment
variable, default, meaning); the README's settings table is checked against it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled_base_uri() -> str:
    """The ``base`` of ``terms/glossary.yaml``, the one place it is written."""
    import yaml

    with open(PACKAGE_DIR / "terms" / "glossary.yaml", encoding="utf-8") as f:
        return str(yaml.safe_load(f)["base"])


#: The base URI the community glossary's concepts are minted under. Persistent
#: (w3id.org style), so that URIs stay the same when the service moves host.
#: Read from ``glossary/terms/glossary.yaml``; ``glossary build --base`` overrides it.
DEFAULT_BASE_URI = _bundled_base_uri()


def ontology_dir() -> Path:
    """``ontology/``: beside the package in a checkout, inside it in a wheel."""
    installed = PACKAGE_DIR / "_ontology"
    if installed.is_dir():
        return installed
    return PACKAGE_DIR.parent / "ontology"


def shapes_dir() -> Path:
    return ontology_dir() / "shapes"


def queries_dir() -> Path:
    return ontology_dir() / "queries"


def terms_dir() -> Path:
    """The bundled community glossary's Markdown term files."""
    return PACKAGE_DIR / "terms"


def default_store_dir() -> Path:
    """``$GLOSSARY_STORE``, else a per-user data directory (XDG)."""
    env = os.environ.get("GLOSSARY_STORE")
    if env:
        return Path(env).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "semantic-glossary" / "store"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "GLOSSARY_STORE", "~/.local/share/semantic-glossary/store",
            "directory of the embedded store and its indexes"),
)  # fmt: skip
