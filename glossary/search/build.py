"""Building a vocabulary's search indexes at load time, and their layout on disk.

::

    index_dir/search/<vocab>.json          manifest: which build is live, model, counts
    index_dir/search/<vocab>.<generation>/ concepts.json, label_keys.txt,
                                           label_entries.npy, vectors.npy,
                                           vector_hashes.npy, vector_concepts.npy,
                                           vector_context.npy,
                                           vectors.hnsw (large vocabularies only)

A build writes a new generation directory, then swaps the manifest atomically
(temporary file + ``os.replace``): readers see the old build or the new one, never
half of one. The previous generation is kept (its vectors are the cache for the
next build, and a reader may still be opening it); older ones are removed.
No pickle anywhere: JSON, text and ``.npy`` read with ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from glossary.errors import InputError, StoreError
from glossary.search.compose import (
    DEFAULT_SCHEME,
    SCHEMES,
    Composer,
    concept_texts,
    context_texts,
)
from glossary.search.embeddings import Encoder, get_encoder
from glossary.search.labels import write_label_files
from glossary.search.records import extract_records
from glossary.search.vectors import (
    CONCEPTS_FILE,
    CONTEXT_FILE,
    HASHES_FILE,
    HNSW_FILE,
    VECTORS_FILE,
    VectorIndex,
    encode_cached,
    hnsw_threshold,
)

if TYPE_CHECKING:
    from glossary.search.expansion import WordNet

FORMAT = 1
SUBDIR = "search"
CONCEPTS_JSON = "concepts.json"
_VOCAB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class BuildStats:
    vocab: str
    concepts: int
    deprecated: int
    labels: int
    texts: int
    encoded: int  # texts that had to be encoded (0 when nothing changed)
    index: str  # "flat" or "hnsw"
    model: str
    seconds: float
    encode_seconds: float


def check_vocab_id(vocab_id: str) -> str:
    if not _VOCAB_ID.match(vocab_id) or ".." in vocab_id:
        raise InputError(
            f"invalid vocabulary id {vocab_id!r}",
            hint="use letters, digits, '.', '_' and '-' (starting with a letter or digit)",
        )
    return vocab_id


def search_dir(index_dir: Path) -> Path:
    return Path(index_dir) / SUBDIR


def read_manifest(index_dir: Path, vocab_id: str) -> dict[str, Any] | None:
    path = search_dir(index_dir) / f"{vocab_id}.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StoreError(f"unreadable search index manifest ({exc})", where=str(path),
                         hint="rebuild it: glossary load FILE --replace") from None  # fmt: skip
    return data


#: Each prefLabel's WordNet expansion, kept for the next build (_read_expansions).
EXPANSIONS_FILE = "wordnet_expansions.json"


def _write_json_atomic(path: Path, data: object) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def build_indexes(
    ox: Any,
    graph: str,
    vocab_id: str,
    index_dir: Path,
    *,
    encoder: Encoder | None = None,
    scheme: str = DEFAULT_SCHEME,
    hnsw_threshold: int | None = None,
    progress: bool = True,
    wordnet: WordNet | Literal["auto"] | None = "auto",
) -> BuildStats:
    """(Re)build the label and embedding indexes of one vocabulary.

    ``ox`` is a ``pyoxigraph.Store`` holding the vocabulary in the named graph
    ``graph``. Vectors of texts embedded by the previous build (same model) are reused.
    ``wordnet`` expands concepts for a ``+wordnet`` scheme (compose.py); ``"auto"``:
    the one queries get with this encoder (expansion.expander_for).
    """
    start = time.perf_counter()
    check_vocab_id(vocab_id)
    if scheme not in SCHEMES:
        raise InputError(f"unknown concept text scheme {scheme!r}; one of {sorted(SCHEMES)}")
    encoder = encoder or get_encoder()
    base = search_dir(index_dir)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the index directory ({exc})", where=str(base)) from None

    all_records = extract_records(ox, graph)
    records = [r for r in all_records if not r.deprecated and r.labels]
    deprecated = sorted(r.uri for r in all_records if r.deprecated)

    generation = f"{time.time_ns():x}{uuid.uuid4().hex[:6]}"
    final = base / f"{vocab_id}.{generation}"
    tmp = base / f".{vocab_id}.{generation}.tmp"
    tmp.mkdir()
    try:
        labels = [[n, text, lang, kind] for n, rec in enumerate(records)
                  for text, lang, kind in rec.labels]  # fmt: skip
        concepts_doc = {"format": FORMAT, "vocab": vocab_id, "graph": graph,
                        "uris": [r.uri for r in records], "labels": labels,
                        "deprecated": deprecated}  # fmt: skip
        (tmp / CONCEPTS_JSON).write_text(json.dumps(concepts_doc, ensure_ascii=False), "utf-8")
        write_label_files(records, tmp)

        if isinstance(wordnet, str):  # "auto"
            from glossary.search.expansion import expander_for

            wordnet = expander_for(encoder.model_id)
        previous = read_manifest(index_dir, vocab_id)
        last = base / str(previous["dir"]) if previous else None
        expander = None
        if wordnet is not None:
            from glossary.search.expansion import ExpansionCache, wordnet_identity

            identity = wordnet_identity(wordnet.directory)
            expander = ExpansionCache(wordnet, _read_expansions(last, identity))
        composer = Composer(records)
        pairs = concept_texts(records, scheme, wordnet=expander, composer=composer)
        if expander is not None and expander.used:
            _write_json_atomic(tmp / EXPANSIONS_FILE, {"wordnet": identity,
                                                       "expansions": expander.used})  # fmt: skip
        texts = [t for _, t in pairs]
        prev_dir = None
        if previous and previous.get("model") == encoder.model_id:
            prev_dir = last
        t0 = time.perf_counter()
        label = f"embedding {vocab_id}" if progress else None
        vectors, hashes, encoded = encode_cached(encoder, texts, prev_dir, progress=label)
        encode_seconds = time.perf_counter() - t0
        np.save(tmp / VECTORS_FILE, vectors, allow_pickle=False)
        np.save(tmp / HASHES_FILE, hashes, allow_pickle=False)
        np.save(tmp / CONCEPTS_FILE, np.asarray([n for n, _ in pairs], np.int32),
                allow_pickle=False)  # fmt: skip
        np.save(tmp / CONTEXT_FILE, context_rows(pairs, context_texts(records, composer=composer)),
                allow_pickle=False)  # fmt: skip
        vindex = _reuse_hnsw(prev_dir, hashes, tmp, hnsw_threshold)
        if vindex is None:
            vindex = VectorIndex.build(vectors, threshold=hnsw_threshold)
            vindex.save(tmp)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    stats = BuildStats(vocab=vocab_id, concepts=len(records), deprecated=len(deprecated),
                       labels=len(labels), texts=len(texts), encoded=encoded,
                       index=vindex.kind, model=encoder.model_id,
                       seconds=round(time.perf_counter() - start, 3),
                       encode_seconds=round(encode_seconds, 3))  # fmt: skip
    manifest = {"format": FORMAT, "vocab": vocab_id, "graph": graph, "dir": final.name,
                "model": encoder.model_id, "scheme": scheme, "dim": int(vectors.shape[1]),
                "concept_expansion": wordnet is not None,
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "stats": asdict(stats)}  # fmt: skip
    _write_json_atomic(base / f"{vocab_id}.json", manifest)
    keep = {final.name, previous["dir"]} if previous else {final.name}
    _remove_old_generations(base, vocab_id, keep)
    return stats


def _read_expansions(prev_dir: Path | None, identity: str) -> dict[str, str | None]:
    """The previous build's WordNet expansions, if made from the same WordNet files
    (a cache: an unreadable or stale file is ignored and the expansions looked up)."""
    if prev_dir is None:
        return {}
    try:
        doc = json.loads((prev_dir / EXPANSIONS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("wordnet") != identity:
        return {}
    found = doc.get("expansions")
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items()
            if isinstance(k, str) and (v is None or isinstance(v, str))}  # fmt: skip


def context_rows(pairs: list[tuple[int, str]], context: list[str | None]) -> np.ndarray:
    """Per concept, the row of ``pairs`` that holds its context text, or -1."""
    where: dict[tuple[int, str], int] = {}
    for row, pair in enumerate(pairs):
        where.setdefault(pair, row)
    return np.asarray([where.get((n, text), -1) if text else -1
                       for n, text in enumerate(context)], np.int32)  # fmt: skip


def _reuse_hnsw(
    prev_dir: Path | None, hashes: np.ndarray, out_dir: Path, threshold: int | None
) -> VectorIndex | None:
    """The previous build's HNSW graph, when it indexed exactly these vectors (building
    one takes tens of seconds; a reload of an unchanged vocabulary should not)."""
    if prev_dir is None or not (prev_dir / HNSW_FILE).is_file():
        return None
    limit = hnsw_threshold() if threshold is None else threshold
    if len(hashes) < limit:
        return None
    old = np.load(prev_dir / HASHES_FILE, allow_pickle=False)
    if old.shape != hashes.shape or not np.array_equal(old, hashes):
        return None
    try:  # a hard link: files are never modified in place, only replaced
        os.link(prev_dir / HNSW_FILE, out_dir / HNSW_FILE)
    except OSError:
        shutil.copyfile(prev_dir / HNSW_FILE, out_dir / HNSW_FILE)
    return VectorIndex.load(out_dir, np.zeros((0, 0), np.float32))


def _remove_old_generations(base: Path, vocab_id: str, keep: set[str]) -> None:
    prefix = f"{vocab_id}."
    for path in base.iterdir():
        name = path.name
        if path.is_dir() and name.startswith(prefix) and name not in keep:
            rest = name[len(prefix) :]
            if rest and "." not in rest:  # exactly "<vocab>.<generation>", not "<vocab>.x.y"
                shutil.rmtree(path, ignore_errors=True)


def drop_indexes(index_dir: Path, vocab_id: str) -> bool:
    """Remove a vocabulary's search indexes (when it leaves the store)."""
    check_vocab_id(vocab_id)
    base = search_dir(index_dir)
    manifest = base / f"{vocab_id}.json"
    if not manifest.exists():
        return False
    manifest.unlink()
    _remove_old_generations(base, vocab_id, set())
    return True
