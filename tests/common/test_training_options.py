"""Training options users set, each checked against an independent truth.

``trainer.ema_decay`` against a hand-computed exponential average of the raw weights,
``trainer.patience``/``trainer.monitor`` against a scripted validation curve,
``trainer.resume=auto`` against a set of sibling runs with known ages and settings,
and the TensorBoard events against the steps the loop must have logged.
"""

from __future__ import annotations

import json
import logging
import math
import os

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import common.training as training
from common.checkpoint import load_checkpoint
from common.config import ModelConfig, OptimConfig, TrainConfig, TrainerConfig
from common.data import Example
from common.modality import Modality
from common.resume import TrainingError, config_record

CHARS = " abc"
PROTOTYPES = np.random.default_rng(7).normal(size=(len(CHARS) + 1, 4))


def featurize(text: str, cfg: dict, train: bool, rng: np.random.Generator) -> torch.Tensor:
    """Each character is two frames of its prototype, then one frame of silence."""
    frames = []
    for c in text:
        frames += [PROTOTYPES[CHARS.index(c) + 1]] * 2 + [PROTOTYPES[0]]
    x = np.array(frames) + rng.normal(scale=0.2 if train else 0.0, size=(len(frames), 4))
    return torch.tensor(x, dtype=torch.float32)


def examples(n: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    texts = ["".join(rng.choice(list("abc"), size=rng.integers(1, 4))) for _ in range(n)]
    return [Example(f"u{i}", t, t, float(len(t))) for i, t in enumerate(texts)]


TOY = Modality(
    name="toy",
    load_examples=lambda data, split: examples(24 if split == "train" else 4, split == "valid"),
    load_input=lambda ex, cfg: ex.path,
    featurize=featurize,
    feature_dim=lambda cfg: 4,
    feature_config=dict,
)
STEPS_PER_EPOCH = 3  # 24 examples in batches of 8


def config(run_dir, lr: float = 5e-3, **trainer) -> TrainConfig:
    """A tiny run: no conv front end (no BatchNorm), one 8-unit BiLSTM layer."""
    cfg = TrainConfig(
        model=ModelConfig(conv_channels=0, hidden=8, layers=1, dropout=0.0),
        optim=OptimConfig(lr=lr, warmup_steps=0, schedule="constant"),
        trainer=TrainerConfig(batch_size=8, progress=False, **trainer),
        alphabet=CHARS,
        run_dir=str(run_dir),
    )
    cfg.features = {"kind": "toy"}
    cfg.data = None
    return cfg


# --- trainer.ema_decay ---------------------------------------------------------------------


def hand_ema(raw: list[dict[str, torch.Tensor]], decay: float) -> dict[str, torch.Tensor]:
    """The documented average: the first update copies, update k then keeps
    ``min(decay, k / (k + 9))`` of the average (the warm-up ramp ``(1 + n) / (10 + n)``
    with ``n = k - 1`` earlier updates)."""
    avg = {k: v.double() for k, v in raw[0].items()}
    for k, weights in enumerate(raw[1:], start=2):
        d = min(decay, k / (k + 9))
        avg = {name: d * avg[name] + (1 - d) * weights[name].double() for name in avg}
    return avg


def test_ema_weights_are_the_hand_computed_average_past_the_ramp(tmp_path, monkeypatch):
    decay, epochs = 0.3, 4  # the ramp passes 0.3 at update 4; 12 updates in all
    raw, validated = [], []
    real_step, real_validate = training.train_step, training.validate

    def step(run, batch):
        result = real_step(run, batch)
        raw.append({k: v.detach().clone() for k, v in run.model.named_parameters()})
        return result

    def validate(run):
        validated.append({k: v.detach().clone() for k, v in run.eval_model.named_parameters()})
        return real_validate(run)

    monkeypatch.setattr(training, "train_step", step)
    monkeypatch.setattr(training, "validate", validate)
    training.train(config(tmp_path, max_epochs=epochs, ema_decay=decay), TOY)
    assert len(raw) == epochs * STEPS_PER_EPOCH == len(validated) * STEPS_PER_EPOCH
    expected = hand_ema(raw, decay)
    ramp_only = hand_ema(raw, 1.0)  # what an EMA ignoring ema_decay would hold
    saved = load_checkpoint(tmp_path / "last.pt")["state_dict"]
    for name, value in expected.items():
        assert torch.allclose(saved[name].double(), value, atol=1e-6), name
        assert torch.allclose(validated[-1][name].double(), value, atol=1e-6), name
        assert torch.allclose(validated[0][name].double(), hand_ema(raw[:3], decay)[name])
    assert any(not torch.allclose(ramp_only[n], expected[n], atol=1e-4) for n in expected), (
        "the fixture cannot tell ema_decay from the ramp"
    )
    trained = load_checkpoint(tmp_path / "last.pt")["trained_state_dict"]
    assert all(torch.equal(trained[n], raw[-1][n]) for n in expected)


# --- trainer.patience / trainer.monitor ----------------------------------------------------


def scripted_validation(monkeypatch, curve: list[dict[str, float]]) -> list[int]:
    """``validate`` returns ``curve``'s rows in turn; returns the list of calls made."""
    calls: list[int] = []

    def validate(run):
        calls.append(run.state.step)
        return dict(curve[len(calls) - 1])

    monkeypatch.setattr(training, "validate", validate)
    return calls


CURVE = [  # cer: worse, then better (the count restarts), worse twice; loss: never better
    {"valid_loss": 1.0, "wer": 0.9, "cer": 0.5},
    {"valid_loss": 1.5, "wer": 0.8, "cer": 0.6},
    {"valid_loss": 1.2, "wer": 0.85, "cer": 0.4},
    {"valid_loss": 1.1, "wer": 0.95, "cer": 0.45},
    {"valid_loss": 1.0, "wer": 0.9, "cer": 0.5},
    {"valid_loss": 1.0, "wer": 0.7, "cer": 0.3},
    {"valid_loss": 0.8, "wer": 0.6, "cer": 0.2},
]


@pytest.mark.parametrize(
    "monitor,patience,epochs",
    [("cer", 2, 5), ("loss", 2, 3), ("wer", 3, 5), ("cer", 3, 7), ("loss", 0, 7), ("loss", 5, 6)],
)
def test_early_stopping_after_exactly_patience_bad_validations(
    tmp_path, monkeypatch, monitor, patience, epochs
):
    calls = scripted_validation(monkeypatch, CURVE)
    cfg = config(tmp_path, max_epochs=len(CURVE), patience=patience, monitor=monitor)
    metrics = training.train(cfg, TOY)
    assert len(calls) == epochs and metrics["epoch"] == epochs
    state = load_checkpoint(tmp_path / "last.pt")["train_state"]
    assert state["finished"] and state["epoch"] == epochs
    key = "valid_loss" if monitor == "loss" else monitor
    assert state["best"] == min(row[key] for row in CURVE[:epochs])


def test_validation_every_other_epoch_counts_validations_not_epochs(tmp_path, monkeypatch):
    calls = scripted_validation(monkeypatch, [CURVE[0], CURVE[0], CURVE[0]])
    cfg = config(tmp_path, max_epochs=10, patience=2, validate_every_epochs=2, monitor="loss")
    assert training.train(cfg, TOY)["epoch"] == 6
    assert calls == [2 * STEPS_PER_EPOCH, 4 * STEPS_PER_EPOCH, 6 * STEPS_PER_EPOCH]


def test_a_run_that_cannot_improve_stops_after_patience_epochs(tmp_path):
    """lr = 0: the weights never move, so no validation after the first improves."""
    training.train(config(tmp_path, lr=0.0, max_epochs=20, patience=3, monitor="loss"), TOY)
    history = load_checkpoint(tmp_path / "last.pt")["train_state"]["history"]
    assert len(history) == 4
    assert len({row["valid_loss"] for row in history}) == 1
    assert (tmp_path / "metrics.csv").read_text().count("\n") == 5


@pytest.mark.parametrize("setting", ["monitor=accuracy", "patience=-1"])
def test_bad_stopping_settings_are_refused_before_training(tmp_path, setting):
    key, value = setting.split("=")
    cfg = config(tmp_path, **{key: type(getattr(TrainerConfig(), key))(value)})
    with pytest.raises(TrainingError, match=f"trainer.{key}"):
        training.train(cfg, TOY)
    assert not (tmp_path / "last.pt").exists()


# --- trainer.resume=auto among several runs ------------------------------------------------


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """The ``last.pt`` of a finished one-epoch run (copied below as other runs' state)."""
    run_dir = tmp_path_factory.mktemp("finished")
    training.train(config(run_dir, max_epochs=2), TOY)
    return run_dir / "last.pt"


def sibling(finished_run, run_dir, age: int, finished: bool = False, **changes) -> None:
    """A run ``age`` seconds old at ``run_dir``, unfinished unless said, with ``changes``
    made to its recorded settings."""
    payload = load_checkpoint(finished_run)
    payload["train_state"].update(finished=finished, epoch=1, step=STEPS_PER_EPOCH)
    record = json.loads(payload["config"])
    record.update(changes)
    payload["config"] = json.dumps(record)
    run_dir.mkdir(parents=True)
    torch.save(payload, run_dir / "last.pt")
    when = 1_700_000_000 - age
    os.utime(run_dir / "last.pt", (when, when))


def test_auto_resume_picks_the_newest_unfinished_run_with_the_same_settings(
    tmp_path, finished_run, caplog
):
    sibling(finished_run, tmp_path / "old-match", age=300)
    sibling(finished_run, tmp_path / "match", age=200)
    sibling(finished_run, tmp_path / "done", age=100, finished=True)
    sibling(finished_run, tmp_path / "other-lr", age=50, **{"optim.lr": 0.1})
    sibling(finished_run, tmp_path / "other-size", age=10, **{"model.hidden": 16})
    record = config_record(config(tmp_path / "new", max_epochs=2, resume="auto"))
    with caplog.at_level(logging.INFO, logger="train"):
        found = training.find_resume(tmp_path / "new", "auto", record)
    assert found == tmp_path / "match" / "last.pt"
    assert "optim.lr (0.1 -> 0.005)" in caplog.text and "model.hidden (16 -> 8)" in caplog.text
    # the run's own last.pt comes first, even when an adoptable sibling is newer
    sibling(finished_run, tmp_path / "new", age=1000)
    assert training.find_resume(tmp_path / "new", "auto", record) == tmp_path / "new" / "last.pt"
    # nothing adoptable: a fresh run
    only_done = tmp_path / "alone"
    sibling(finished_run, only_done / "done", age=5, finished=True)
    assert training.find_resume(only_done / "new", "auto", record) is None


def test_auto_resume_continues_the_chosen_run_from_its_step(tmp_path, finished_run, caplog):
    sibling(finished_run, tmp_path / "match", age=200)
    sibling(finished_run, tmp_path / "other", age=10, **{"trainer.batch_size": 4})
    with caplog.at_level(logging.INFO, logger="train"):
        metrics = training.train(config(tmp_path / "new", max_epochs=2, resume="auto"), TOY)
    assert f"resumed from {tmp_path / 'match' / 'last.pt'} at epoch 2, step 3" in caplog.text
    assert metrics["step"] == 2 * STEPS_PER_EPOCH and metrics["epoch"] == 2


def test_resuming_own_run_with_other_settings_is_refused(tmp_path, finished_run):
    sibling(finished_run, tmp_path / "run", age=10)
    cfg = config(tmp_path / "run", max_epochs=2, resume="auto", seed=99)
    with pytest.raises(TrainingError, match=r"trainer.seed \(1234 -> 99\)"):
        training.train(cfg, TOY)
    ema = config(tmp_path / "run", max_epochs=2, resume="auto", ema_decay=0.5)
    with pytest.raises(TrainingError, match="ema_decay"):
        training.train(ema, TOY)


# --- TensorBoard ---------------------------------------------------------------------------


def events(run_dir) -> EventAccumulator:
    files = list((run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert files, "no TensorBoard event file"
    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    return acc


def test_tensorboard_logs_step_and_epoch_scalars(tmp_path):
    metrics = training.train(config(tmp_path, max_epochs=4, log_every_steps=2), TOY)
    acc = events(tmp_path)
    tags = set(acc.Tags()["scalars"])
    epoch_tags = {"epoch/train_loss", "epoch/valid_loss", "epoch/cer", "epoch/wer", "epoch/lr"}
    assert {"train/loss", "train/lr"} | epoch_tags <= tags
    assert [e.step for e in acc.Scalars("train/loss")] == [2, 4, 6, 8, 10, 12]
    assert [e.step for e in acc.Scalars("epoch/cer")] == [3, 6, 9, 12]
    assert [e.value for e in acc.Scalars("epoch/epoch")] == [1, 2, 3, 4]
    assert acc.Scalars("epoch/cer")[-1].value == pytest.approx(metrics["cer"])
    assert all(e.value == pytest.approx(5e-3) for e in acc.Scalars("train/lr"))
    history = load_checkpoint(tmp_path / "last.pt")["train_state"]["history"]
    logged = [e.value for e in acc.Scalars("epoch/train_loss")]
    assert logged == pytest.approx([row["train_loss"] for row in history])


def test_tensorboard_learning_rate_follows_warm_up_then_cosine_decay(tmp_path):
    """optim.warmup_steps / schedule / min_lr_ratio, read back from the logged train/lr."""
    cfg = config(tmp_path, max_epochs=4, log_every_steps=1)
    cfg.optim = OptimConfig(lr=0.01, warmup_steps=4, schedule="cosine", min_lr_ratio=0.1)
    training.train(cfg, TOY)
    total = 4 * STEPS_PER_EPOCH

    def expected(step: int) -> float:  # the lr after ``step`` optimiser steps
        if step < 4:
            return 0.01 * (step + 1) / 4
        progress = (step - 4) / (total - 4)
        return 0.01 * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    logged = events(tmp_path).Scalars("train/lr")
    assert [e.step for e in logged] == list(range(1, total + 1))
    assert [e.value for e in logged] == pytest.approx([expected(s) for s in range(1, total + 1)])
    assert logged[-1].value == pytest.approx(0.001)
