"""``glossary search``: label and semantic search from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_search import E1, VOCAB1, build_all, make_store

from glossary.cli import main


@pytest.fixture
def index_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    build_all(make_store({"v1": VOCAB1}), ["v1"], tmp_path)
    return tmp_path


def test_label_search_text(index_dir: Path, capsys) -> None:
    assert main(["search", "para", "--index-dir", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "Déjà vu" in out and "altLabel 'paramnesia'@en" in out and f"<{E1}deja>" in out


def test_label_search_json(index_dir: Path, capsys) -> None:
    assert main(["search", "econ", "--lang", "en-GB", "--format", "json",
                 "--index-dir", str(index_dir)]) == 0  # fmt: skip
    body = json.loads(capsys.readouterr().out)
    assert [r["uri"] for r in body["results"]] == [E1 + "economics"]


def test_semantic(index_dir: Path, capsys) -> None:
    assert main(["search", "Social policy", "--semantic", "--limit", "2",
                 "--index-dir", str(index_dir)]) == 0  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("1.000  Social policy")


def test_errors_exit_2(index_dir: Path, tmp_path: Path, capsys) -> None:
    assert main(["search", "x", "--limit", "500", "--index-dir", str(index_dir)]) == 2
    assert "limit must be between 1 and 100" in capsys.readouterr().err
    assert main(["search", "x", "--store", str(tmp_path / "missing")]) == 2
    assert "glossary load" in capsys.readouterr().err
    assert main(["search", "x", "--index-dir", str(tmp_path / "empty")]) == 2
    assert "no search index" in capsys.readouterr().err


def test_search_after_glossary_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Through the real store: `Store.load` builds the indexes, `--store` finds them."""
    from glossary.store import Store

    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    ttl = tmp_path / "tiny.ttl"
    ttl.write_text(VOCAB1, encoding="utf-8")
    store_dir = tmp_path / "store"
    Store.open(store_dir, read_only=False).load([ttl], vocab_id="tiny", allow_invalid=True)
    assert main(["search", "deja", "--store", str(store_dir), "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [(r["uri"], r["vocab"]) for r in body["results"]] == [(E1 + "deja", "tiny")]
