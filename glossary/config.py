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


#: Request threads per gunicorn worker process (GLOSSARY_THREADS, --threads).
DEFAULT_THREADS = 32


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    meaning: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "GLOSSARY_STORE", "~/.local/share/semantic-glossary/store",
            "directory of the embedded store and its indexes (--store wins)"),
    Setting("workers", "GLOSSARY_WORKERS", "2", "gunicorn worker processes of `glossary serve`"),
    Setting("threads", "GLOSSARY_THREADS", str(DEFAULT_THREADS),
            "request threads per worker process (--threads wins)"),
    Setting("bind", "GLOSSARY_BIND", "127.0.0.1:8000",
            "address gunicorn binds when run without `glossary serve` (--host/--port win)"),
    Setting("log level", "GLOSSARY_LOG_LEVEL", "info", "gunicorn's log level"),
    Setting("public base URL", "GLOSSARY_PUBLIC_BASE_URL", "https://w3id.org/semantic-glossary/",
            "URIs under this base dereference at their own path on the service"),
    Setting("store check interval", "GLOSSARY_STORE_CHECK_INTERVAL", "0.2",
            "seconds between a worker's checks for a new store version"),
    Setting("validate max bytes", "GLOSSARY_VALIDATE_MAX_BYTES", "20971520",
            "largest body POST /api/validate accepts (413 above)"),
    Setting("SPARQL endpoint", "GLOSSARY_SPARQL_ENDPOINT", "(unset: embedded store)",
            "remote mode: every surface reads this SPARQL 1.1 endpoint; the store "
            "directory is then only a cache"),
    Setting("remote check interval", "GLOSSARY_REMOTE_CHECK_INTERVAL", "30",
            "remote mode: seconds between a worker's checks for changed remote data"),
    Setting("SPARQL timeout", "GLOSSARY_SPARQL_TIMEOUT", "10",
            "seconds a SPARQL query may run before it is stopped (503)"),
    Setting("SPARQL row limit", "GLOSSARY_SPARQL_ROW_LIMIT", "10000",
            "rows (or triples) in a SPARQL answer before it is cut (X-Result-Truncated)"),
    Setting("SPARQL workers", "GLOSSARY_SPARQL_WORKERS", "2",
            "executor subprocesses per service process for user queries"),
    Setting("SPARQL queue", "GLOSSARY_SPARQL_QUEUE", "24",
            "queries that may wait for a busy executor, per service process; more get "
            "503 with Retry-After at once"),
    Setting("SPARQL memory triples", "GLOSSARY_SPARQL_MEMORY_TRIPLES", "1000000",
            "a store of at most this many triples is queried from memory (0: on disk)"),
    Setting("embedding model", "GLOSSARY_EMBEDDING_MODEL", "all-MiniLM-L6-v2 (bundled)",
            "a local sentence-transformers model path; `hash` is a test-only stand-in"),
    Setting("embedding tuning", "GLOSSARY_EMBEDDING_TUNING", "wordnet",
            "the default model with its shipped WordNet tuning (a weight delta); "
            "`off` for the plain model"),
    Setting("HNSW threshold", "GLOSSARY_HNSW_THRESHOLD", "15000",
            "vectors above which a vocabulary's FAISS index is HNSW instead of exact"),
    Setting("HNSW efSearch", "GLOSSARY_HNSW_EF_SEARCH", "256", "HNSW search breadth"),
    Setting("query expansion", "GLOSSARY_QUERY_EXPANSION", "wordnet",
            "related terms: expand queries and concepts' prefLabels that WordNet "
            "holds (all-MiniLM-L6-v2 only); `off` to disable"),
    Setting("dumps directory", "GLOSSARY_DUMPS_DIR", "<store>/dumps",
            "where full vocabulary dumps are written once per store version"),
    Setting("warm caches", "GLOSSARY_WARM_CACHES", "1",
            "at start, build whole-vocabulary lists and ready the SPARQL executors in the "
            "background (0: on first use)"),
)  # fmt: skip

#: Environment variables read by the code that are not user settings.
INTERNAL_ENV: frozenset[str] = frozenset({"GLOSSARY_TEST_PAUSE_AT", "GLOSSARY_VOCABULARIES"})
