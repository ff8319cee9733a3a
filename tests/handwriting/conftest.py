"""A tiny synthetic ink corpus and a model overfit on it, shared by the slow handwriting tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import ModelConfig, OptimConfig, TrainerConfig
from common.training import train
from handwriting.config import HandwritingTrainConfig, InkDataConfig, InkDataSpec
from handwriting.modality import HANDWRITING
from handwriting.synth import synthesize_corpus

SENTENCES = [
    "the cat",
    "open door",
    "red hat",
    "go home",
    "big dog",
    "sun day",
    "hi mom",
    "tea cup",
]


@pytest.fixture(scope="session")
def tiny_ink_corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ink") / "corpus"
    synthesize_corpus(root, SENTENCES, n_lines=8, seed=1, test_fraction=0.25, progress=False)
    return root


@pytest.fixture(scope="session")
def tiny_ink_model(tiny_ink_corpus, tmp_path_factory) -> tuple[Path, dict]:
    """(best.pt, final metrics) of a small model overfit on every line of the corpus."""
    run_dir = tmp_path_factory.mktemp("ink-run")
    spec = InkDataSpec(kind="iam_ondb", path=str(tiny_ink_corpus), split="all")
    cfg = HandwritingTrainConfig(
        model=ModelConfig(conv_channels=0, hidden=128, layers=2, dropout=0.0),
        optim=OptimConfig(lr=1e-2, warmup_steps=20, min_lr_ratio=0.02),
        trainer=TrainerConfig(max_epochs=150, batch_size=1, progress=False),
        data=InkDataConfig(name="tiny", train=spec, valid=spec),
        run_dir=str(run_dir),
    )
    cfg.features.kind = "bezier"
    return run_dir / "best.pt", train(cfg, HANDWRITING)


@pytest.fixture(scope="session")
def hw():
    """``hw(*args, cwd=REPO)``: the ``handwriting`` command in a subprocess, one thread."""
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]

    def run(*args: str, cwd: Path = repo) -> subprocess.CompletedProcess:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(repo)}
        env.pop("HYDRA_FULL_ERROR", None)  # errors stay one line, as users see them
        return subprocess.run(
            [sys.executable, "-m", "handwriting.cli", *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=env,
            timeout=600,
        )

    return run
