"""A tiny espeak-ng corpus and a model overfit on it, shared by the slow speech tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import common.inference
from asr.config import AsrDataConfig, AsrTrainConfig
from asr.modality import ASR
from asr.readers import DataSpec
from asr.synth import synthesize_corpus
from common.config import ModelConfig, OptimConfig, TrainerConfig
from common.training import train

SENTENCES = [
    "open the door",
    "turn on the light",
    "the cat sat down",
    "go to the red house",
    "we like green tea",
    "call me at noon",
    "play some music",
    "stop the car now",
]


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """Eight short utterances in LibriSpeech layout (train-synth) plus two held-out ones."""
    root = tmp_path_factory.mktemp("speech") / "corpus"
    synthesize_corpus(root, SENTENCES, n_utterances=10, seed=3, test_fraction=0.2, progress=False)
    return root


@pytest.fixture(scope="session")
def tiny_model(tiny_corpus, tmp_path_factory) -> tuple[Path, dict]:
    """(best.pt, final metrics) of a small model overfit on the training utterances."""
    run_dir = tmp_path_factory.mktemp("speech-run")
    spec = DataSpec(kind="librispeech", path=str(tiny_corpus), subsets=["train-synth"])
    cfg = AsrTrainConfig(
        model=ModelConfig(conv_channels=128, hidden=192, layers=2, dropout=0.0),
        optim=OptimConfig(lr=3e-3, warmup_steps=20, min_lr_ratio=0.1),
        trainer=TrainerConfig(max_epochs=90, batch_size=1, progress=False),
        data=AsrDataConfig(name="tiny", train=spec, valid=spec),
        run_dir=str(run_dir),
    )
    cfg.features.n_mels = 40
    metrics = train(cfg, ASR)
    return run_dir / "best.pt", metrics


@pytest.fixture
def model_calls(monkeypatch) -> list[int]:
    """The number of feature frames of every input the model runs on, as the test goes."""
    frames: list[int] = []
    real = common.inference.emissions

    def spy(loaded, features, batch_size=16):
        frames.extend(int(f.shape[0]) for f in features)
        return real(loaded, features, batch_size)

    monkeypatch.setattr(common.inference, "emissions", spy)
    return frames


@pytest.fixture
def asr_manifest(tmp_path):
    """``asr_manifest([(audio, text), ...])``: a JSONL manifest of them (ids: file stems)."""

    def write(rows: list[tuple[Path, str]]) -> Path:
        path = tmp_path / "data.jsonl"
        entries = [{"audio_filepath": str(a), "text": t, "id": a.stem} for a, t in rows]
        path.write_text("".join(json.dumps(e) + "\n" for e in entries))
        return path

    return write
