"""Vectors: a per-text-hash cache, and the FAISS index over them.

Each vocabulary's vectors are stored as ``vectors.npy`` (float32, one row per
embedded text) with ``vector_hashes.npy`` (16-byte BLAKE2b of model id + text, one
row each) and ``vector_concepts.npy`` (the concept number of each row). A rebuild
reuses every row whose hash it finds in the previous build, so reloading an
unchanged vocabulary encodes nothing and a changed one encodes only new texts.

Search is exact inner product (``IndexFlatIP`` on unit vectors: cosine) below
``GLOSSARY_HNSW_THRESHOLD`` vectors (default 15 000), HNSW above it
(``IndexHNSWFlat``, inner product), persisted as ``vectors.hnsw``; its ``efSearch``
(``GLOSSARY_HNSW_EF_SEARCH``, default 256) was chosen in scripts/bench_search.py for
recall@10 >= 0.98 against exact search. faiss is imported lazily.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from glossary.search.embeddings import Encoder

VECTORS_FILE = "vectors.npy"
HASHES_FILE = "vector_hashes.npy"
CONCEPTS_FILE = "vector_concepts.npy"
#: Per concept, the row of its context text (compose.context_texts), -1 for none.
CONTEXT_FILE = "vector_context.npy"
HNSW_FILE = "vectors.hnsw"

DEFAULT_HNSW_THRESHOLD = 15_000
DEFAULT_EF_SEARCH = 256
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 80


def _env_int(name: str, default: int) -> int:
    from glossary.errors import InputError

    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise InputError(f"{name} must be at least 1, not {value}")
    return value


def hnsw_threshold() -> int:
    return _env_int("GLOSSARY_HNSW_THRESHOLD", DEFAULT_HNSW_THRESHOLD)


def ef_search() -> int:
    return _env_int("GLOSSARY_HNSW_EF_SEARCH", DEFAULT_EF_SEARCH)


def text_hashes(model_id: str, texts: Sequence[str]) -> np.ndarray:
    out = np.empty((len(texts), 16), dtype=np.uint8)
    prefix = model_id.encode("utf-8") + b"\x00"
    for i, text in enumerate(texts):
        digest = hashlib.blake2b(prefix + text.encode("utf-8"), digest_size=16).digest()
        out[i] = np.frombuffer(digest, dtype=np.uint8)
    return out


def encode_cached(
    encoder: Encoder, texts: Sequence[str], previous: Path | None, *, progress: str | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Vectors and hashes for ``texts``, reusing rows of the build in ``previous``.

    Returns ``(vectors, hashes, encoded)``, ``encoded`` being how many texts had to be
    encoded (0 when nothing changed).
    """
    hashes = text_hashes(encoder.model_id, texts)
    vectors: np.ndarray | None = None
    missing = list(range(len(texts)))
    if previous is not None and (previous / HASHES_FILE).is_file():
        old_hashes = np.load(previous / HASHES_FILE, allow_pickle=False)
        old_vectors = np.load(previous / VECTORS_FILE, allow_pickle=False, mmap_mode="r")
        if len(old_hashes) and old_vectors.shape[0] == len(old_hashes):
            known = {old_hashes[i].tobytes(): i for i in range(len(old_hashes))}
            rows = [known.get(h.tobytes(), -1) for h in hashes]
            vectors = np.empty((len(texts), old_vectors.shape[1]), dtype=np.float32)
            hit = [i for i, r in enumerate(rows) if r >= 0]
            if hit:
                vectors[hit] = old_vectors[[rows[i] for i in hit]]
            missing = [i for i, r in enumerate(rows) if r < 0]
    if vectors is None:
        vectors = np.empty((len(texts), encoder.dim if texts else 0), dtype=np.float32)
    if missing:
        new = encoder.encode([texts[i] for i in missing], progress=progress)
        if vectors.shape[1] != new.shape[1]:  # the previous build had another dimension
            vectors = np.empty((len(texts), new.shape[1]), dtype=np.float32)
            missing = list(range(len(texts)))
            new = encoder.encode(list(texts), progress=progress)
        vectors[missing] = new
    return vectors, hashes, len(missing)


class VectorIndex:
    """Inner-product search over unit vectors: exact (flat) or HNSW."""

    def __init__(self, index: Any, kind: str, size: int) -> None:
        self.index = index
        self.kind = kind
        self.size = size

    @classmethod
    def build(cls, vectors: np.ndarray, *, threshold: int | None = None) -> VectorIndex:
        import faiss

        index: Any
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
        threshold = hnsw_threshold() if threshold is None else threshold
        if len(vectors) >= threshold:
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.add(vectors)
            index.hnsw.efSearch = ef_search()
            return cls(index, "hnsw", len(vectors))
        index = faiss.IndexFlatIP(dim)
        if len(vectors):
            index.add(vectors)
        return cls(index, "flat", len(vectors))

    def save(self, out_dir: Path) -> None:
        """Only HNSW graphs are written; a flat index is rebuilt from vectors.npy."""
        import faiss

        if self.kind == "hnsw":
            faiss.write_index(self.index, str(out_dir / HNSW_FILE))

    @classmethod
    def load(cls, in_dir: Path, vectors: np.ndarray) -> VectorIndex:
        import faiss

        path = in_dir / HNSW_FILE
        if path.is_file():
            index: Any = faiss.read_index(str(path))
            index.hnsw.efSearch = ef_search()
            return cls(index, "hnsw", index.ntotal)
        return cls.build(vectors, threshold=len(vectors) + 1)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(scores, rows)``, each ``len(queries) x k``; missing rows are -1."""
        k = max(1, min(k, self.size)) if self.size else 1
        if self.size == 0:
            n = len(queries)
            return np.zeros((n, 1), np.float32), -np.ones((n, 1), np.int64)
        scores, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, rows
