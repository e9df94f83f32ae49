"""The linked-data test store: tests/data/ld/*.ttl, each loaded as its own vocabulary
through the real load path (validation, counts, indexes with the light ``hash``
encoder), so that the pages, the API and the dumps read what production reads."""

from __future__ import annotations

from pathlib import Path

import pytest

LD_DATA = Path(__file__).resolve().parent.parent / "data" / "ld"
BASE = "https://w3id.org/semantic-glossary/"
LD = BASE + "ldtest/"


def build_ld_store(path: Path) -> Path:
    from glossary.store import Store

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
        with Store.open(path, read_only=False) as store:
            for ttl in sorted(LD_DATA.glob("*.ttl")):
                # The fixture breaks the glossary profile on purpose (a deprecated
                # concept without a scheme's top, markup in a label): load it anyway.
                store.load([ttl], vocab_id=ttl.stem, allow_invalid=True)
    return path


def make_app(store_path: Path, **config: object):  # type: ignore[no-untyped-def]
    from service import create_app

    # No background warm-up in unit tests: each test sees exactly the queries it causes.
    settings: dict[str, object] = {
        "GLOSSARY_WARM_CACHES": False,
        "TESTING": True,
        "GLOSSARY_STORE": str(store_path),
        "DUMPS_DIR": str(store_path / "dumps-test"),
    }
    settings.update(config)
    return create_app(settings)
