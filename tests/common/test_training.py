"""The shared loop on a synthetic modality: overfits, logs, checkpoints, resumes exactly."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

import common.training as training
from common.checkpoint import CheckpointError, load_checkpoint, load_model
from common.config import ModelConfig, OptimConfig, TrainConfig, TrainerConfig
from common.data import Example
from common.decoding import greedy_decode
from common.inference import emissions
from common.metrics import cer
from common.modality import Modality
from common.resume import TrainingError, config_record

CHARS = " abcdefgh"
WORDS = ["abc", "bad", "cafe", "dead", "bead", "face", "hag", "gab", "fed", "head"]
PROTOTYPES = np.random.default_rng(42).normal(size=(len(CHARS) + 1, 6))


def synthetic_features(text: str, cfg: dict, train: bool, rng: np.random.Generator) -> torch.Tensor:
    """Each character is 3 noisy frames of its prototype vector, separated by a silence frame."""
    frames = []
    for c in text:
        frames += [PROTOTYPES[CHARS.index(c) + 1]] * 3 + [PROTOTYPES[0]]
    x = np.array(frames) + rng.normal(scale=0.3 if train else 0.0, size=(len(frames), 6))
    return torch.tensor(x, dtype=torch.float32)


def make_examples(n: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, size=rng.integers(1, 4))) for _ in range(n)]
    return [Example(f"u{i}", t, t, float(len(t))) for i, t in enumerate(texts)]


TOY = Modality(
    name="toy",
    load_examples=lambda data, split: make_examples(
        48 if split == "train" else 8, 0 if split == "train" else 1
    ),
    load_input=lambda ex, cfg: ex.path,
    featurize=synthetic_features,
    feature_dim=lambda cfg: 6,
    feature_config=dict,
)


def toy_config(run_dir, **trainer) -> TrainConfig:
    cfg = TrainConfig(
        model=ModelConfig(conv_channels=16, hidden=32, layers=2, dropout=0.1),
        optim=OptimConfig(lr=5e-3, warmup_steps=5),
        trainer=TrainerConfig(batch_size=8, progress=False, **trainer),
        alphabet=CHARS,
        run_dir=str(run_dir),
    )
    cfg.features = {"kind": "toy"}
    cfg.data = None
    return cfg


@pytest.mark.slow
def test_overfits_tiny_set(tmp_path):
    metrics = training.train(toy_config(tmp_path, max_epochs=40), TOY)
    assert metrics["cer"] < 0.05, metrics
    history = [
        row["train_loss"] for row in load_checkpoint(tmp_path / "last.pt")["train_state"]["history"]
    ]
    assert history[-1] < 0.2 * history[0]
    assert (tmp_path / "metrics.csv").read_text().count("\n") == 41
    # best.pt alone is enough for inference.
    loaded = load_model(tmp_path / "best.pt")
    examples = make_examples(8, 1)
    feats = [synthetic_features(e.text, {}, False, np.random.default_rng(0)) for e in examples]
    hyps = [greedy_decode(lp, loaded.alphabet).text for lp in emissions(loaded, feats)]
    assert cer([e.text for e in examples], hyps) < 0.05


def _kill_at_call(monkeypatch, n: int) -> None:
    real = training.train_step
    calls = {"n": 0}

    def step(run, batch):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt("killed")
        return real(run, batch)

    monkeypatch.setattr(training, "train_step", step)


@pytest.mark.parametrize(
    "kill_at,every,ema", [(7, 0, 0.0), (9, 2, 0.0), (9, 2, 0.9)]
)  # epoch boundary (6 steps/epoch), mid-epoch, mid-epoch with weight averaging
def test_resume_is_exact(tmp_path, monkeypatch, kill_at, every, ema):
    def config(run_dir, **extra):
        return toy_config(
            run_dir, max_epochs=2, checkpoint_every_steps=every, ema_decay=ema, **extra
        )

    straight = tmp_path / "straight"
    training.train(config(straight), TOY)
    resumed = tmp_path / "resumed"
    with monkeypatch.context() as m:
        _kill_at_call(m, kill_at)
        with pytest.raises(KeyboardInterrupt):
            training.train(config(resumed), TOY)
    state = load_checkpoint(resumed / "last.pt")["train_state"]
    assert not state["finished"]
    training.train(config(resumed, resume="auto"), TOY)
    a = load_checkpoint(straight / "last.pt")
    b = load_checkpoint(resumed / "last.pt")
    assert a["train_state"]["step"] == b["train_state"]["step"] == 12
    for weights in ("state_dict", "trained_state_dict") if ema else ("state_dict",):
        for key, value in a[weights].items():
            assert torch.equal(value, b[weights][key]), key


def test_weight_averaging_is_what_gets_validated_and_saved(tmp_path):
    run = training.build_run(toy_config(tmp_path, ema_decay=0.5), TOY)
    batches = training._epoch_batches(run.train_set, run.cfg.trainer, 0)
    loader = training._loader(run.train_set, batches, 0)
    before = {k: v.clone() for k, v in run.model.state_dict().items()}
    for _, batch in zip(range(3), loader, strict=False):
        previous_avg = {k: v.clone() for k, v in run.eval_model.state_dict().items()}
        training.train_step(run, batch)
    # After three steps the ramped decay is min(0.5, 3/12): avg = 0.25 avg + 0.75 new.
    key = "output.weight"
    trained, averaged = run.model.state_dict()[key], run.eval_model.state_dict()[key]
    assert torch.allclose(averaged, 0.25 * previous_avg[key] + 0.75 * trained, atol=1e-6)
    assert not torch.equal(trained, before[key]) and not torch.equal(averaged, trained)
    assert torch.equal(training.inference_payload(run)["state_dict"][key].float(), averaged)
    with pytest.raises(ValueError, match="ema_decay"):
        training.build_run(toy_config(tmp_path / "bad", ema_decay=1.0), TOY)


def test_auto_resume_finds_killed_sibling_run_with_the_same_settings(tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        _kill_at_call(m, 8)
        with pytest.raises(KeyboardInterrupt):
            training.train(toy_config(tmp_path / "run1", max_epochs=2), TOY)
    same = config_record(toy_config(tmp_path / "run2", max_epochs=2, resume="auto", threads=1))
    found = training.find_resume(tmp_path / "run2", "auto", same)
    assert found == tmp_path / "run1" / "last.pt"
    assert training.find_resume(tmp_path / "run2", "none", same) is None
    other = toy_config(tmp_path / "run3", max_epochs=2, resume="auto")
    other.optim.lr = 0.01
    assert training.find_resume(tmp_path / "run3", "auto", config_record(other)) is None


def test_init_from_and_sortagrad(tmp_path):
    training.train(toy_config(tmp_path / "a", max_epochs=12), TOY)
    fresh = training.train(toy_config(tmp_path / "f", max_epochs=1), TOY)
    second = toy_config(
        tmp_path / "b", max_epochs=1, sortagrad=True, init_from=str(tmp_path / "a" / "best.pt")
    )
    continued = training.train(second, TOY)
    assert continued["train_loss"] < 0.5 * fresh["train_loss"]
    run = training.build_run(toy_config(tmp_path / "c", sortagrad=True), TOY)
    first_epoch = training._epoch_batches(run.train_set, run.cfg.trainer, 0)
    lengths = [run.train_set.examples[b[0]].length for b in first_epoch]
    assert lengths == sorted(lengths)
    mismatch = toy_config(tmp_path / "d", init_from=str(tmp_path / "a" / "best.pt"))
    mismatch.model.hidden = 8
    with pytest.raises(ValueError, match="model shape"):
        training.train(mismatch, TOY)


def test_fp16_export_gives_the_same_decisions(tmp_path):
    from common.checkpoint import export_inference

    training.train(toy_config(tmp_path, max_epochs=6), TOY)
    export_inference(tmp_path / "last.pt", tmp_path / "small.pt")
    assert (tmp_path / "small.pt").stat().st_size < 0.4 * (tmp_path / "last.pt").stat().st_size
    full, half = load_model(tmp_path / "last.pt"), load_model(tmp_path / "small.pt")
    feats = [
        synthetic_features(e.text, {}, False, np.random.default_rng(0)) for e in make_examples(8, 1)
    ]
    for a, b in zip(emissions(full, feats), emissions(half, feats), strict=True):
        assert np.abs(a - b).max() < 0.05


# Resume only a matching run; metrics.csv and devices (issue #12).


def test_auto_resume_ignores_a_sibling_run_with_other_settings(tmp_path, monkeypatch, caplog):
    with monkeypatch.context() as m:
        _kill_at_call(m, 8)
        with pytest.raises(KeyboardInterrupt):
            training.train(toy_config(tmp_path / "a", max_epochs=2), TOY)
    fresh = toy_config(tmp_path / "b", max_epochs=1, resume="auto")
    fresh.optim.lr = 0.01
    with caplog.at_level(logging.INFO, logger="train"):
        training.train(fresh, TOY)
    assert "not resuming" in caplog.text and "optim.lr (0.005 -> 0.01)" in caplog.text
    state = load_checkpoint(tmp_path / "b" / "last.pt")["train_state"]
    assert state["step"] == 6 and len(state["history"]) == 1  # a fresh run of one epoch


def test_resume_with_other_settings_names_the_keys_and_stops(tmp_path):
    training.train(toy_config(tmp_path, max_epochs=1), TOY)
    other = toy_config(tmp_path, max_epochs=1, resume="auto", threads=1, log_every_steps=5)
    other.model.hidden = 16
    with pytest.raises(TrainingError) as err:
        training.train(other, TOY)
    assert "model.hidden (32 -> 16)" in str(err.value) and "threads" not in str(err.value)
    with pytest.raises(CheckpointError, match="checkpoint not found"):
        training.train(toy_config(tmp_path / "x", resume=str(tmp_path / "nope.pt")), TOY)


def test_own_finished_run_may_train_for_more_epochs(tmp_path, caplog):
    training.train(toy_config(tmp_path, max_epochs=1), TOY)
    with caplog.at_level(logging.WARNING, logger="train"):
        training.train(toy_config(tmp_path, max_epochs=2, resume="auto"), TOY)
    assert "trainer.max_epochs (1 -> 2)" in caplog.text
    state = load_checkpoint(tmp_path / "last.pt")["train_state"]
    assert state["epoch"] == 2 and state["step"] == 12 and state["finished"]


def test_cuda_device_without_a_gpu_is_a_one_line_error(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(TrainingError, match="no CUDA GPU is available"):
        training.train(toy_config(tmp_path, device="cuda"), TOY)
    with pytest.raises(TrainingError, match="must be auto, cpu, cuda"):
        training.train(toy_config(tmp_path, device="gpu"), TOY)


def test_metrics_csv_after_a_mid_epoch_resume_matches_an_uninterrupted_run(tmp_path, monkeypatch):
    training.train(toy_config(tmp_path / "straight", max_epochs=2, checkpoint_every_steps=2), TOY)
    with monkeypatch.context() as m:
        _kill_at_call(m, 10)  # epoch 2, after the mid-epoch checkpoint at step 8
        with pytest.raises(KeyboardInterrupt):
            training.train(toy_config(tmp_path / "r", max_epochs=2, checkpoint_every_steps=2), TOY)
    (tmp_path / "r" / "metrics.csv").write_text("epoch,train_loss\n1,1\n2,999\n")  # a stray row
    cfg = toy_config(tmp_path / "r", max_epochs=2, checkpoint_every_steps=2, resume="auto")
    training.train(cfg, TOY)

    def table(run):
        rows = [line.split(",") for line in (tmp_path / run / "metrics.csv").read_text().split()]
        keep = [i for i, name in enumerate(rows[0]) if name != "utt_per_s"]
        return [[row[i] for i in keep] for row in rows]

    assert table("r") == table("straight") and len(table("r")) == 3
