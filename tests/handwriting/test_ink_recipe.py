"""The IAM-OnDB recipe of docs/real_handwriting.md, on a tiny synthetic corpus in its layout.

The documented commands run through the CLI: fine-tune the shipped ``ink-synthetic`` on
``trainset`` (validated on ``testset_v``, as ``conf/handwriting/data/iam_ondb.yaml``
says), tune a character LM on ``testset_v``, report ``testset_f``. The control run trains
the same epoch from random weights: the fine-tune must start far ahead of it.
"""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from common.resources import resolve_model
from handwriting.readers import read_iam_ondb
from handwriting.synth import load_sentences, synthesize_corpus

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def first_validation(run_dir: Path) -> dict[str, str]:
    with open(run_dir / "metrics.csv", newline="") as f:
        return next(csv.DictReader(f))


def train(hw, root: Path, run_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    """``handwriting train data=iam_ondb ...`` as documented, shrunk to one quick epoch."""
    return hw(
        "train",
        "data=iam_ondb",
        f"data.root={root}",
        "text.unknown=drop",
        "model.hidden=128",
        "model.dropout=0.1",
        "features=bezier_augment",
        "optim.lr=0.001",
        "optim.warmup_steps=2",
        "trainer.max_epochs=1",
        "trainer.batch_size=8",
        "trainer.threads=1",
        "trainer.progress=false",
        f"hydra.run.dir={run_dir}",
        *extra,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("iam") / "IAM-OnDB"
    synthesize_corpus(root, load_sentences()[:60], n_lines=36, seed=3, progress=False)
    return root


def test_fine_tune_from_the_shipped_model_then_tune_lm_and_report_testset_f(hw, corpus, tmp_path):
    shipped = resolve_model("ink-synthetic", "handwriting")
    tuned, scratch = tmp_path / "fine-tuned", tmp_path / "scratch"
    out = train(hw, corpus, tuned, f"trainer.init_from={shipped}")
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"initialised weights from {shipped}" in out.stdout + out.stderr
    assert train(hw, corpus, scratch).returncode == 0
    cer_tuned = float(first_validation(tuned)["cer"])
    cer_scratch = float(first_validation(scratch)["cer"])
    assert cer_scratch > 0.9  # one epoch from random weights: (nearly) all blank
    assert cer_tuned < cer_scratch - 0.3
    shipped_on_valid = tmp_path / "shipped.json"
    args = ["--split", "testset_v", "--threads", "1", "--json", str(shipped_on_valid)]
    assert hw("evaluate", str(corpus), *args).returncode == 0
    assert abs(cer_tuned - json.loads(shipped_on_valid.read_text())["cer"]) < 0.15

    lm = tmp_path / "char4.arpa"
    assert hw("lm", "build", "--packaged-text", "-o", str(lm), "--order", "4").returncode == 0
    grid = tmp_path / "tune.json"
    common = ["--model", str(tuned / "best.pt"), "--threads", "1", "--no-progress"]
    out = hw(
        "tune-lm", str(corpus), "--split", "testset_v", "--lm", str(lm), *common,
        "--alphas", "0,0.3", "--betas", "1", "--beam-size", "8", "--json", str(grid),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    best = json.loads(grid.read_text())["best"]
    assert json.loads(grid.read_text())["lines"] == len(read_iam_ondb(corpus, "testset_v"))

    report = tmp_path / "testset_f.json"
    beam = ["--lm", str(lm), "--alpha", str(best["alpha"]), "--beta", str(best["beta"])]
    out = hw("evaluate", str(corpus), "--split", "testset_f", *common, *beam, "--json", str(report))
    assert out.returncode == 0, out.stderr
    result = json.loads(report.read_text())
    truth = read_iam_ondb(corpus, "testset_f")
    on_disk = {
        p.stem
        for form in (corpus / "testset_f.txt").read_text().split()
        for p in corpus.glob(f"lineStrokes/*/*/{form}-*.xml")
    }
    assert len(truth) == len(on_disk) == result["utterances"] > 0
    assert {u["id"] for u in result["utterances_detail"]} == on_disk
