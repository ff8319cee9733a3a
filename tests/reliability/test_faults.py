"""Fault injection into training: bad examples, NaN/inf batches, kills, disk full, resume.

Most tests run the shared loop in-process on a toy modality whose examples can be
poisoned; the slow ones run the real ``handwriting train`` / ``asr train`` command.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import logging
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

import common.training as training
from common.checkpoint import CheckpointError, load_checkpoint, load_model, save_atomic
from common.config import ModelConfig, OptimConfig, TrainConfig, TrainerConfig
from common.data import Example
from common.fileio import remove_stale_temps, temp_tag, write_text_atomic
from common.modality import Modality
from common.resume import TrainingError

REPO = Path(__file__).resolve().parents[2]
CHARS = " abcdefgh"
WORDS = ["abc", "bad", "cafe", "dead", "bead", "face", "hag", "gab", "fed", "head"]
PROTOTYPES = np.random.default_rng(42).normal(size=(len(CHARS) + 1, 6))
FAULTS: dict[str, str] = {}  # example id -> "raise" | "nan" | "empty" | "huge"


class PoisonError(ValueError):
    """What a reader raises for a corrupt file."""


def toy_featurize(text: str, cfg: dict, train: bool, rng: np.random.Generator) -> torch.Tensor:
    frames = []
    for c in text:
        frames += [PROTOTYPES[CHARS.index(c) + 1]] * 3 + [PROTOTYPES[0]]
    x = np.array(frames) + rng.normal(scale=0.3 if train else 0.0, size=(len(frames), 6))
    return torch.tensor(x, dtype=torch.float32)


def toy_load(example: Example, cfg: dict) -> str:
    fault = FAULTS.get(example.id)
    if fault == "raise":
        raise PoisonError(f"{example.path}: corrupt file")
    return {"nan": "NAN", "empty": "EMPTY", "huge": "HUGE"}.get(fault, example.text)


def poisoned_featurize(signal: str, cfg: dict, train: bool, rng) -> torch.Tensor:
    if signal == "NAN":
        return torch.full((8, 6), float("nan"))
    if signal == "EMPTY":
        return torch.zeros(0, 6)
    if signal == "HUGE":
        return torch.full((12, 6), 3e38)  # finite, but overflows BatchNorm statistics
    return toy_featurize(signal, cfg, train, rng)


def examples(n: int, seed: int) -> list[Example]:
    rng = np.random.default_rng(seed)
    texts = [" ".join(rng.choice(WORDS, size=rng.integers(1, 4))) for _ in range(n)]
    return [Example(f"u{i}", f"/data/u{i}.bin", t, float(len(t))) for i, t in enumerate(texts)]


TOY = Modality(
    name="toy",
    load_examples=lambda data, split: examples(24, 0) if split == "train" else examples(6, 1),
    load_input=toy_load,
    featurize=poisoned_featurize,
    feature_dim=lambda cfg: 6,
    feature_config=dict,
)


def toy_config(run_dir, **trainer) -> TrainConfig:
    """24 training examples in batches of 4: 6 steps an epoch."""
    cfg = TrainConfig(
        model=ModelConfig(conv_channels=16, hidden=24, layers=1, dropout=0.1),
        optim=OptimConfig(lr=5e-3, warmup_steps=3),
        trainer=TrainerConfig(batch_size=4, progress=False, **trainer),
        alphabet=CHARS,
        run_dir=str(run_dir),
    )
    cfg.features, cfg.data = {"kind": "toy"}, None
    return cfg


@pytest.fixture(autouse=True)
def no_faults():
    FAULTS.clear()
    yield
    FAULTS.clear()


def all_finite(state: dict) -> bool:
    return all(v.isfinite().all() for v in state.values() if v.is_floating_point())


# --- bad examples (issue #10) -------------------------------------------------------------


def test_bad_examples_are_skipped_counted_and_named_once(tmp_path, caplog):
    FAULTS.update(u3="raise", u7="nan", u11="empty")
    with caplog.at_level(logging.WARNING, logger="train"):
        metrics = training.train(toy_config(tmp_path, max_epochs=2, max_bad_fraction=0.2), TOY)
    state = load_checkpoint(tmp_path / "last.pt")["train_state"]
    assert [row["bad_examples"] for row in state["history"]] == [3, 3]
    assert state["bad_examples"] == {
        "u3": "/data/u3.bin: corrupt file",
        "u7": "/data/u7.bin: NaN or infinite features",
        "u11": "/data/u11.bin: no feature frames",
    }
    for uid in ("u3", "u7", "u11"):
        assert caplog.text.count(f"skipping training example {uid}:") == 1
    assert metrics["epoch"] == 2 and np.isfinite(metrics["train_loss"])
    assert all_finite(load_checkpoint(tmp_path / "best.pt")["state_dict"])


def test_too_many_bad_examples_stop_the_run_with_one_line(tmp_path):
    FAULTS.update(u3="raise", u7="nan", u11="raise")
    with pytest.raises(TrainingError) as err:
        training.train(toy_config(tmp_path, max_epochs=2, max_bad_fraction=0.1), TOY)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("3 of 24 training examples are unusable")
    assert "trainer.max_bad_fraction=0.1" in message and "/data/u" in message


def test_bad_validation_examples_are_skipped(tmp_path, caplog):
    FAULTS.update(u2="raise")  # u2 exists in both splits: both are skipped
    with caplog.at_level(logging.WARNING, logger="train"):
        metrics = training.train(toy_config(tmp_path, max_epochs=1, max_bad_fraction=0.1), TOY)
    assert "skipping validation example u2" in caplog.text and np.isfinite(metrics["cer"])


def test_nan_waveform_is_skipped_in_speech_training(tmp_path):
    from asr.config import AsrDataConfig, AsrTrainConfig
    from asr.modality import ASR
    from asr.readers import DataSpec

    rng = np.random.default_rng(0)
    lines = []
    for i, text in enumerate(["go", "stop", "yes", "no", "up", "down", "left", "right"]):
        wave = (0.1 * rng.standard_normal(4000)).astype(np.float32)
        if i == 2:
            wave[100] = np.nan
        sf.write(tmp_path / f"a{i}.wav", wave, 16000, subtype="FLOAT")
        lines.append(json.dumps({"audio_filepath": f"a{i}.wav", "text": text}))
    (tmp_path / "train.jsonl").write_text("\n".join(lines) + "\n")
    spec = DataSpec(kind="manifest", path=str(tmp_path / "train.jsonl"))
    cfg = AsrTrainConfig(
        model=ModelConfig(conv_channels=0, hidden=16, layers=1),
        trainer=TrainerConfig(max_epochs=2, batch_size=4, progress=False, max_bad_fraction=0.2),
        data=AsrDataConfig(name="t", train=spec),
        run_dir=str(tmp_path / "run"),
    )
    training.train(cfg, ASR)
    state = load_checkpoint(tmp_path / "run" / "last.pt")["train_state"]
    assert list(state["bad_examples"]) == ["a2"] and "NaN" in state["bad_examples"]["a2"]
    assert [row["bad_examples"] for row in state["history"]] == [1, 1]


def test_ink_with_huge_timestamps_is_a_skipped_example(tmp_path):
    """Ink whose timestamps overflow the features (or that the reader refuses) is skipped."""
    from dataclasses import replace

    from handwriting.config import HandwritingTrainConfig, InkDataConfig
    from handwriting.modality import HANDWRITING
    from handwriting.synth import synthesize_line
    from handwriting.writer_styles import make_style

    rng = np.random.default_rng(0)
    listed = []
    for i, text in enumerate(["the cat", "red hat", "go home", "big dog"] * 2):
        ink = synthesize_line(text, make_style("w", "futural", 0), rng)
        scale = 1e300 if i == 0 else 1.0  # timestamps of 1e300 s
        strokes = [[[x, y, t * scale] for x, y, t in s.tolist()] for s in ink.strokes]
        (tmp_path / f"l{i}.json").write_text(json.dumps({"strokes": strokes, "text": text}))
        listed.append(Example(f"l{i}", str(tmp_path / f"l{i}.json"), text, ink.num_points))
    # Listed without reading (as a corpus whose files change after listing): the loader meets it.
    modality = replace(HANDWRITING, load_examples=lambda data, split: listed)
    cfg = HandwritingTrainConfig(
        model=ModelConfig(conv_channels=0, hidden=16, layers=1),
        trainer=TrainerConfig(max_epochs=2, batch_size=4, progress=False, max_bad_fraction=0.2),
        data=InkDataConfig(name="t"),
        run_dir=str(tmp_path / "run"),
    )
    metrics = training.train(cfg, modality)
    assert np.isfinite(metrics["train_loss"]) and np.isfinite(metrics["valid_loss"])
    state = load_checkpoint(tmp_path / "run" / "last.pt")["train_state"]
    assert list(state["bad_examples"]) == ["l0"]
    assert all_finite(load_checkpoint(tmp_path / "run" / "best.pt")["state_dict"])


# --- non-finite losses and gradients (issue #12.9) -----------------------------------------


def poison_losses(monkeypatch, calls: set[int] | None = None, after: int | None = None) -> None:
    """Make ``ctc_loss`` NaN on the given training calls (1-based), or on all after one."""
    real, count = training.ctc_loss, {"n": 0}

    def loss(*args, **kwargs):
        result = real(*args, **kwargs)
        if torch.is_grad_enabled():
            count["n"] += 1
            if (calls and count["n"] in calls) or (after is not None and count["n"] > after):
                return result._replace(loss=result.loss * float("nan"))
        return result

    monkeypatch.setattr(training, "ctc_loss", loss)


def snapshot(run) -> dict:
    return {
        "model": {k: v.clone() for k, v in run.model.state_dict().items()},
        "lr": run.scheduler.get_last_lr()[0],
        "adam": len(run.optimizer.state),
    }


def first_batch(run):
    batches = training._epoch_batches(run.train_set, run.cfg.trainer, 0)
    return next(iter(training._loader(run.train_set, batches, 0)))


@pytest.mark.parametrize("fault", ["loss", "gradient", "batchnorm"])
def test_non_finite_step_leaves_weights_optimiser_and_statistics_alone(tmp_path, fault):
    run = training.build_run(toy_config(tmp_path), TOY)
    batch = first_batch(run)
    if fault == "batchnorm":
        FAULTS["u0"] = "huge"
        run.train_set._cache.clear()
        batch = next(b for b in training._loader(run.train_set, [[0, 1]], 0))
    before = snapshot(run)
    if fault == "loss":
        with pytest.MonkeyPatch.context() as m:
            poison_losses(m, calls={1})
            result = training.train_step(run, batch)
    elif fault == "gradient":
        handle = run.model.output.weight.register_hook(lambda g: g * float("inf"))
        result = training.train_step(run, batch)
        handle.remove()
    else:
        result = training.train_step(run, batch)
    assert not result.finite
    after = snapshot(run)
    assert after["lr"] == before["lr"] and after["adam"] == before["adam"] == 0
    for key, value in before["model"].items():
        assert torch.equal(value, after["model"][key]), key
    assert training.train_step(run, first_batch(run)).finite  # the next batch trains


def test_nan_batches_are_skipped_and_counted(tmp_path, monkeypatch, caplog):
    poison_losses(monkeypatch, calls={2, 3, 9})
    with caplog.at_level(logging.WARNING, logger="train"):
        training.train(toy_config(tmp_path, max_epochs=2), TOY)
    payload = load_checkpoint(tmp_path / "last.pt")
    history = payload["train_state"]["history"]
    assert [row["nonfinite_batches"] for row in history] == [2, 1]
    assert payload["train_state"]["step"] == 12 - 3  # skipped batches take no optimiser step
    assert caplog.text.count("NaN or infinite loss or gradient") == 3
    assert all_finite(payload["state_dict"]) and all(np.isfinite(r["train_loss"]) for r in history)


def test_diverged_run_stops_with_a_clear_message_and_keeps_finite_checkpoints(
    tmp_path, monkeypatch
):
    poison_losses(monkeypatch, after=6)  # epoch 1 trains; every batch of epoch 2 is NaN
    with pytest.raises(TrainingError, match=r"training diverged: 3 batches in a row") as err:
        training.train(toy_config(tmp_path, max_epochs=3, max_nonfinite_batches=3), TOY)
    assert "\n" not in str(err.value) and "epoch 2" in str(err.value)
    last = load_checkpoint(tmp_path / "last.pt")
    assert last["train_state"]["epoch"] == 1 and all_finite(last["state_dict"])
    assert all_finite(load_model(tmp_path / "best.pt").model.state_dict())


def test_non_finite_weights_are_never_saved(tmp_path):
    good = {"format": 1, "state_dict": {"w": torch.ones(3)}}
    save_atomic(good, tmp_path / "best.pt")
    before = (tmp_path / "best.pt").read_bytes()
    bad = {"format": 1, "state_dict": {"w": torch.tensor([1.0, float("nan"), 2.0])}}
    with pytest.raises(CheckpointError, match="non-finite weights in w"):
        save_atomic(bad, tmp_path / "best.pt")
    assert (tmp_path / "best.pt").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.pt"]


# --- temp files and metrics after kills (issue #12.12) --------------------------------------


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path):
    gone = dead_pid()
    dead = tmp_path / f".last.pt.{temp_tag(gone)}.abcd1234.tmp"
    live = tmp_path / f".last.pt.{temp_tag(os.getppid())}.efgh5678.tmp"  # pytest's parent
    mine = tmp_path / f".out.txt.{temp_tag()}.ijkl9012.tmp"
    elsewhere = tmp_path / f".out.txt.{gone}-0badc0de.mnop3456.tmp"  # another machine's
    user = tmp_path / ".notes.tmp"
    kept = sorted(p.name for p in (live, mine, elsewhere, user))
    for p in (dead, live, mine, elsewhere, user):
        p.write_bytes(b"x")
    assert remove_stale_temps(tmp_path) == [dead]
    dead.write_bytes(b"x")
    write_text_atomic(tmp_path / "out.txt", "hello")  # a first write to a folder sweeps it
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*kept, "out.txt"])
    dead.write_bytes(b"x")
    training.train(toy_config(tmp_path, max_epochs=1), TOY)  # and so does a training start
    assert not dead.exists() and live.exists() and elsewhere.exists()


# --- disk full while checkpointing -----------------------------------------------------------


def test_disk_full_while_checkpointing_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    real_save, seen = torch.save, {"saves": 0, "last.pt": b""}

    def full_disk(obj, f, *args, **kwargs):  # epoch 2's checkpoints meet a full disk
        seen["saves"] += 1
        if seen["saves"] <= 2:  # epoch 1: best.pt, last.pt
            return real_save(obj, f, *args, **kwargs)
        seen["last.pt"] = (tmp_path / "last.pt").read_bytes()
        real_save({"partial": torch.zeros(1000)}, f)  # some bytes reach the disk, then ENOSPC
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(TrainingError, match="No space left on device") as err:
        training.train(toy_config(tmp_path, max_epochs=2, resume="auto"), TOY)
    assert re.search(
        r"(best|last)\.pt: No space left on device \(the previous one is kept\)$", str(err.value)
    )
    assert (tmp_path / "last.pt").read_bytes() == seen["last.pt"]
    assert load_checkpoint(tmp_path / "last.pt")["train_state"]["epoch"] == 1
    assert not list(tmp_path.glob(".*.tmp"))
    monkeypatch.setattr(torch, "save", real_save)
    training.train(toy_config(tmp_path, max_epochs=2, resume="auto"), TOY)  # space is back
    assert load_checkpoint(tmp_path / "last.pt")["train_state"]["finished"]


# --- the real command line (slow: subprocesses) ----------------------------------------------


def load_bench():
    spec = importlib.util.spec_from_file_location("kill_resume", REPO / "bench" / "kill_resume.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["kill_resume"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return load_bench()


@pytest.fixture(scope="module")
def ink_corpus(bench, tmp_path_factory) -> Path:
    return bench.write_corpus(tmp_path_factory.mktemp("ink"), n_lines=12)


def handwriting_train(*args: str, limit_bytes: int = 0) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    env.pop("HYDRA_FULL_ERROR", None)

    def limit():  # a file-size limit makes writes fail as on a full disk (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run(
        [sys.executable, "-m", "handwriting.cli", "train", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        preexec_fn=limit if limit_bytes else None,
    )


def one_line_error(out: subprocess.CompletedProcess, expected: str) -> None:
    assert out.returncode == 2, out.stderr[-2000:]
    assert "Traceback" not in out.stderr and "Error executing job" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], out.stderr[-2000:]


@pytest.mark.slow
def test_train_user_errors_are_one_line(ink_corpus, tmp_path):
    base = ["model=small", "model.hidden=16", "model.layers=1", "trainer.progress=false"]
    data = ["data=manifest", f"data.train.path={ink_corpus / 'train.jsonl'}"]
    run = [f"hydra.run.dir={tmp_path / 'run'}"]
    cases = [
        (["data=manifest", "data.train.path=/nowhere/train.jsonl"], "/nowhere/train.jsonl"),
        ([f"data.root={tmp_path / 'nowhere'}"], "nowhere"),
        ([*data, f"trainer.resume={tmp_path / 'nope.pt'}"], "checkpoint not found"),
        ([*data, "trainer.devise=cpu"], "devise"),
    ]
    if not torch.cuda.is_available():
        cases.append(([*data, "trainer.device=cuda"], "no CUDA GPU"))
    for args, expected in cases:
        one_line_error(handwriting_train(*base, *args, *run), expected)
    assert handwriting_train(*base, *data, *run, "trainer.max_epochs=1").returncode == 0
    refused = handwriting_train(*base, *data, *run, "model.hidden=32", "trainer.resume=auto")
    one_line_error(refused, "model.hidden (16 -> 32)")


@pytest.mark.slow
def test_real_file_size_limit_while_checkpointing_keeps_the_previous_checkpoint(
    ink_corpus, tmp_path
):
    args = [
        "model=small",
        "model.hidden=16",
        "model.layers=1",
        "trainer.progress=false",
        "data=manifest",
        f"data.train.path={ink_corpus / 'train.jsonl'}",
        f"hydra.run.dir={tmp_path}",
        "trainer.resume=auto",
    ]
    assert handwriting_train(*args, "trainer.max_epochs=1").returncode == 0
    before = (tmp_path / "last.pt").read_bytes()
    out = handwriting_train(*args, "trainer.max_epochs=2", limit_bytes=len(before) // 2)
    one_line_error(out, "File too large (the previous one is kept)")
    assert (tmp_path / "last.pt").read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_kill_9_at_random_moments_then_resume_gives_bit_identical_weights(
    bench, ink_corpus, tmp_path
):
    reference = bench.reference_run(ink_corpus, tmp_path / "reference", epochs=2)
    trial = bench.run_trial(ink_corpus, reference, tmp_path / "killed", kills=3, seed=1, epochs=2)
    assert trial.kills.count("killed mid-save") >= 1, trial
    assert trial.resumed_at and trial.identical and not trial.leftovers, trial
