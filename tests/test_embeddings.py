"""Encoders: the deterministic test stand-in, and the real sentence-transformers model."""

from __future__ import annotations

import numpy as np
import pytest

from glossary.search.embeddings import (
    DEFAULT_MODEL,
    EncoderError,
    HashEncoder,
    SentenceTransformerEncoder,
    configured_model,
    get_encoder,
)


def test_hash_encoder_is_deterministic_and_normalised() -> None:
    texts = ["Community-led", "community led", "Tax law", ""]
    a, b = HashEncoder().encode(texts), HashEncoder().encode(texts)
    assert a.shape == (4, 256) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert a[0] @ a[1] > 0.99  # same folded text
    assert a[0] @ a[2] < 0.5
    assert HashEncoder().encode([]).shape == (0, 256)


def test_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLOSSARY_EMBEDDING_MODEL", raising=False)
    assert configured_model() == DEFAULT_MODEL
    monkeypatch.setenv("GLOSSARY_EMBEDDING_MODEL", "hash")
    assert isinstance(get_encoder(), HashEncoder) and get_encoder() is get_encoder("hash")


@pytest.mark.slow
def test_missing_model_is_a_clear_error_not_a_download(tmp_path) -> None:
    enc = SentenceTransformerEncoder(str(tmp_path / "no-such-model"))
    with pytest.raises(EncoderError, match="cannot load the embedding model"):
        enc.encode(["x"])


@pytest.mark.slow
def test_real_model_offline_meaningful_and_batch_consistent() -> None:
    enc = get_encoder(DEFAULT_MODEL)
    texts = ["community-led", "community-driven", "tax law", "a plan of events for members"]
    batch = enc.encode(texts)
    assert batch.shape == (4, enc.dim) and enc.dim == 384
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    assert batch[0] @ batch[1] > batch[0] @ batch[2] + 0.2
    # Sorting by length and chunking for batches must not mix up the rows.
    for i, text in enumerate(texts):
        assert np.allclose(enc.encode([text])[0], batch[i], atol=1e-4)


@pytest.mark.slow
def test_loading_the_real_model_draws_no_progress_bar(capfd: pytest.CaptureFixture[str]) -> None:
    from glossary.search.embeddings import SentenceTransformerEncoder

    capfd.readouterr()
    SentenceTransformerEncoder(DEFAULT_MODEL).encode(["hello"])  # a fresh load
    err = capfd.readouterr().err
    assert "Loading weights" not in err and "it/s" not in err, err[:300]
