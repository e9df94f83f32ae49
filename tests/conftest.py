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
