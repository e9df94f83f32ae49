"""The default model's shipped WordNet tuning: the delta file, applying it, the setting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from glossary.search.embeddings import DEFAULT_MODEL, EncoderError, get_encoder
from glossary.search.expansion import expander_for
from glossary.search.tuning import (
    DELTA_FILE,
    Delta,
    TuningError,
    configured_tuning,
    shipped_delta,
)


def _write(path: Path, meta: dict | None = None, **arrays: np.ndarray) -> Path:
    extra = {} if meta is None else {"meta": np.array(json.dumps(meta))}
    with open(path, "wb") as f:
        np.savez(f, **extra, **arrays)
    return path


def _module():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LayerNorm(3))


def test_a_low_rank_delta_adds_u_times_v_and_vectors_in_full(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    u, v = rng.normal(size=(3, 2)), rng.normal(size=(2, 4))
    d = rng.normal(size=3)
    path = _write(tmp_path / "d.npz", {"name": "wordnet", "base": "toy"},
                  **{"0.weight::u": u, "0.weight::v": v, "1.bias::d": d})  # fmt: skip
    delta = Delta.load(path)
    assert delta.tag.startswith("wordnet.") and len(delta.tag) == len("wordnet.") + 12
    module = _module()
    before = {k: p.detach().numpy().copy() for k, p in module.named_parameters()}
    delta.apply(module)
    after = {k: p.detach().numpy() for k, p in module.named_parameters()}
    assert np.allclose(after["0.weight"], before["0.weight"] + u @ v, atol=1e-6)
    assert np.allclose(after["1.bias"], before["1.bias"] + d, atol=1e-6)
    for untouched in ("0.bias", "1.weight"):
        assert np.array_equal(after[untouched], before[untouched])


def test_a_delta_that_does_not_fit_changes_nothing(tmp_path: Path) -> None:
    good = np.ones((3, 4))
    path = _write(tmp_path / "d.npz", {"name": "wordnet", "base": "toy"},
                  **{"0.weight::d": good, "1.bias::d": np.ones(5)})  # fmt: skip
    module = _module()
    before = module[0].weight.detach().numpy().copy()
    with pytest.raises(TuningError, match=r"'1.bias' is shape \(3,\) in the model, \(5,\)") as e:
        Delta.load(path).apply(module)
    assert e.value.where == str(path) and "GLOSSARY_EMBEDDING_TUNING=off" in (e.value.hint or "")
    assert np.array_equal(module[0].weight.detach().numpy(), before)  # checked before any change
    absent = _write(tmp_path / "a.npz", {"name": "x"}, **{"2.weight::d": np.ones(3)})
    with pytest.raises(TuningError, match=r"'2\.weight' is absent in the model"):
        Delta.load(absent).apply(_module())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a zip file", "cannot read the embedding model's weight delta"),
        (None, "no readable 'meta' entry"),
        ({"0.weight::x": np.ones(2)}, "unexpected entry '0.weight::x'"),
        ({"0.weight::v": np.ones((2, 2))}, r"unexpected entry '0.weight::v'"),
    ],
)
def test_unreadable_deltas_are_clear_errors(tmp_path: Path, content, message: str) -> None:
    path = tmp_path / "bad.npz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is None:
        _write(path, None, x=np.ones(1))
    else:
        _write(path, {"name": "x"}, **content)
    with pytest.raises(TuningError, match=message) as e:
        Delta.load(path)
    assert e.value.where == str(path) and isinstance(e.value, EncoderError)  # a 503, exit 2


def test_missing_delta_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TuningError, match="cannot read") as e:
        Delta.load(tmp_path / "absent.npz")
    assert "reinstall" in (e.value.hint or "")


def test_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLOSSARY_EMBEDDING_TUNING", raising=False)
    assert configured_tuning() == "wordnet"
    for off in ("off", "OFF", "0", "none"):
        monkeypatch.setenv("GLOSSARY_EMBEDDING_TUNING", off)
        assert configured_tuning() == "off"
    monkeypatch.setenv("GLOSSARY_EMBEDDING_TUNING", "wordnett")
    with pytest.raises(TuningError, match="not a known tuning") as e:
        configured_tuning()
    assert "wordnet, off" in (e.value.hint or "")


def test_the_shipped_delta_is_for_the_default_model_and_low_rank() -> None:
    delta = shipped_delta()
    assert delta.path == DELTA_FILE and delta.meta["base"] == DEFAULT_MODEL
    assert DELTA_FILE.stat().st_size < 6_000_000  # a few megabytes in the repository
    rank = delta.meta["rank"]
    matrices = {n: (u, v) for n, (u, v) in delta.parts.items() if v is not None}
    # every linear layer of the 6 transformer blocks, none of the token embeddings
    assert len([n for n in matrices if n.startswith("encoder.layer.")]) == 6 * 6
    assert not any("embeddings" in n for n in delta.parts)
    for u, v in matrices.values():
        assert u.shape[1] == v.shape[0] == rank and {u.shape[0], v.shape[1]} <= {384, 1536}
    # WordNet and the training thesauri; never the two evaluated vocabularies
    assert delta.meta["pairs"]["wordnet"] > 10_000
    assert not {"unesco-thesaurus", "stw-9"} & set(delta.meta["pairs"])


def test_identifiers_keep_tuned_and_plain_vectors_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GLOSSARY_EMBEDDING_TUNING", raising=False)
    tuned = get_encoder(DEFAULT_MODEL)
    assert tuned.model_id == f"{DEFAULT_MODEL}+{shipped_delta().tag}"
    monkeypatch.setenv("GLOSSARY_EMBEDDING_TUNING", "off")
    plain = get_encoder(DEFAULT_MODEL)
    assert plain is not tuned and plain.model_id == DEFAULT_MODEL
    # the query expansion was measured with both
    monkeypatch.delenv("GLOSSARY_QUERY_EXPANSION", raising=False)
    if expander_for(DEFAULT_MODEL) is not None:
        assert expander_for(tuned.model_id) is not None
    assert expander_for(f"other-model+{shipped_delta().tag}") is None


@pytest.mark.slow
def test_the_real_tuned_model_knows_what_the_plain_one_did_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GLOSSARY_EMBEDDING_TUNING", raising=False)
    tuned = get_encoder(DEFAULT_MODEL)
    monkeypatch.setenv("GLOSSARY_EMBEDDING_TUNING", "off")
    plain = get_encoder(DEFAULT_MODEL)
    # A term moves toward its dictionary sense (WordNet's gloss), not toward whatever
    # shares a word with it.
    texts = ["permafrost", "ground that is permanently frozen", "a frozen dessert"]
    t, p = tuned.encode(texts), plain.encode(texts)
    toward_sense = float(t[0] @ t[1] - p[0] @ p[1])
    toward_other = float(t[0] @ t[2] - p[0] @ p[2])
    assert toward_sense > 0.05 and toward_sense > toward_other + 0.05, (toward_sense, toward_other)
    # sentences stay where they were (the distillation term): a usage example
    s = ["the oceans are teeming with life"]
    assert float(tuned.encode(s)[0] @ plain.encode(s)[0]) > 0.9
