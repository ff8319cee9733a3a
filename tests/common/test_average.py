"""Checkpoint averaging (common/average.py) and the per-epoch weights it averages."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import common.training as training
from common.alphabet import Alphabet, TextNormalizerConfig
from common.average import average_checkpoints, main
from common.checkpoint import CheckpointError, load_checkpoint, model_payload, save_atomic
from common.config import ModelConfig, OptimConfig, TrainConfig, TrainerConfig
from common.data import Example
from common.encoder import Encoder
from common.modality import Modality

CHARS = " ab"
MODEL = ModelConfig(conv_channels=8, hidden=8, layers=1, dropout=0.0)


def payload(seed: int, model: ModelConfig = MODEL) -> dict:
    torch.manual_seed(seed)
    encoder = Encoder(4, len(CHARS) + 1, model)
    alphabet = Alphabet.from_chars(CHARS)
    return model_payload("toy", encoder, alphabet, model, {"kind": "toy"}, TextNormalizerConfig())


def test_average_is_the_elementwise_mean(tmp_path):
    paths = []
    for seed in range(3):
        paths.append(tmp_path / f"{seed}.pt")
        save_atomic(payload(seed), paths[-1])
    out = average_checkpoints(paths)
    states = [payload(seed)["state_dict"] for seed in range(3)]
    assert out["model"] == payload(0)["model"] and out["features"] == {"kind": "toy"}
    for key, value in out["state_dict"].items():
        if not value.is_floating_point():  # counters: the last checkpoint's
            assert torch.equal(value, states[2][key])
            continue
        expected = (states[0][key] + states[1][key] + states[2][key]) / 3
        torch.testing.assert_close(value, expected)
    assert main([str(tmp_path / "avg.pt"), *map(str, paths)]) == 0
    loaded = load_checkpoint(tmp_path / "avg.pt")["state_dict"]
    assert all(torch.equal(loaded[k], v) for k, v in out["state_dict"].items())


def test_different_models_are_refused_in_one_line(tmp_path, capsys):
    save_atomic(payload(0), tmp_path / "a.pt")
    save_atomic(payload(0, ModelConfig(conv_channels=8, hidden=16, layers=1)), tmp_path / "b.pt")
    with pytest.raises(CheckpointError, match="model config differs"):
        average_checkpoints([tmp_path / "a.pt", tmp_path / "b.pt"])
    assert main([str(tmp_path / "c.pt"), str(tmp_path / "a.pt"), str(tmp_path / "x.pt")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: checkpoint not found") and err.count("\n") == 1


def toy_features(text: str, cfg: dict, train: bool, rng: np.random.Generator) -> torch.Tensor:
    """Two frames per character: one-hot of the character, plus noise when training."""
    x = np.repeat(np.eye(4)[[CHARS.index(c) + 1 for c in text]], 2, axis=0)
    return torch.tensor(
        x + rng.normal(scale=0.1 if train else 0.0, size=x.shape), dtype=torch.float32
    )


TOY = Modality(
    name="toy",
    load_examples=lambda data, split: [Example(f"u{i}", t, t, len(t)) for i, t in
                                       enumerate(["ab a", "b", "ba ab", "a b", "aa", "bb b"])],
    load_input=lambda ex, cfg: ex.path,
    featurize=toy_features,
    feature_dim=lambda cfg: 4,
    feature_config=dict,
)  # fmt: skip


def test_keep_epochs_keeps_the_last_epochs_weights(tmp_path):
    cfg = TrainConfig(
        model=MODEL,
        optim=OptimConfig(lr=1e-2, warmup_steps=1),
        trainer=TrainerConfig(batch_size=3, max_epochs=4, keep_epochs=2, progress=False),
        alphabet=CHARS,
        run_dir=str(tmp_path),
    )
    cfg.features, cfg.data = {"kind": "toy"}, None
    training.train(cfg, TOY)
    assert sorted(p.name for p in tmp_path.glob("epoch-*.pt")) == ["epoch-003.pt", "epoch-004.pt"]
    last = load_checkpoint(tmp_path / "last.pt")["state_dict"]
    kept = load_checkpoint(tmp_path / "epoch-004.pt")["state_dict"]
    assert all(torch.equal(last[k], v) for k, v in kept.items())
