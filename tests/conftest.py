from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
#: The shared real vocabularies (../shared/vocabularies beside the checkout).
VOCABULARIES = Path(
    os.environ.get("GLOSSARY_VOCABULARIES", ROOT.parent / "shared" / "vocabularies")
)


@pytest.fixture
def vocabularies() -> Path:
    if not VOCABULARIES.is_dir():
        pytest.fail(f"the shared vocabularies are missing at {VOCABULARIES}")
    return VOCABULARIES


# --------------------------------------------------------------------------- store, app
#: Small hand-written fixtures for the store (see the header of each file).
STORE_DATA = DATA / "store"


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store directory holding one vocabulary, ``mini`` (tests/data/store/mini.ttl),
    loaded once per session through the real load path (validation, counts, indexes;
    search vectors from the light ``hash`` encoder). Treat it as read-only: tests that
    load use their own ``tmp_path``."""
    from glossary.store import Store

    path = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            store.load([STORE_DATA / "mini.ttl"])
    return path


@pytest.fixture
def store(store_path: Path):  # type: ignore[no-untyped-def]
    """The session store, opened read-only (as a service worker opens it)."""
    from glossary.store import Store

    with Store.open(store_path, read_only=True, check_interval=0) as opened:
        yield opened


@pytest.fixture
def app(store_path: Path):  # type: ignore[no-untyped-def]
    """The Flask app over the session store."""
    from service import create_app

    return create_app({"TESTING": True, "GLOSSARY_STORE": str(store_path)})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()
