"""The `asr` command line through subprocess: formats, plots, chunking, bad input, training."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from asr.api import load as load_speech

REPO = Path(__file__).resolve().parents[2]


def best_cer(model: Path) -> float:
    """The best validation CER of the run that wrote ``model`` (best.pt holds those weights)."""
    with open(model.parent / "metrics.csv", newline="") as f:
        return min(float(row["cer"]) for row in csv.DictReader(f) if row.get("cer"))


ASR = [sys.executable, "-m", "asr.cli"]
pytestmark = pytest.mark.slow


def asr(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [*ASR, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def train_files(corpus: Path) -> list[Path]:
    return sorted((corpus / "LibriSpeech" / "train-synth").rglob("*.flac"))


def test_help_explains_every_command():
    out = asr("--help")
    assert out.returncode == 0
    for command in ("train", "synth", "transcribe", "evaluate", "lm", "tune-lm"):
        assert command in out.stdout
    out = asr("transcribe", "--help")
    assert out.returncode == 0 and "--format" in out.stdout and "--plot" in out.stdout


def test_transcribe_formats_and_plot(tiny_model, tiny_corpus, tmp_path):
    model, _ = tiny_model
    audio = train_files(tiny_corpus)[0]
    for fmt in ("txt", "json", "srt", "vtt"):
        out = asr(
            "transcribe",
            str(audio),
            "--model",
            str(model),
            "--format",
            fmt,
            "--output-dir",
            str(tmp_path),
            *(["--plot"] if fmt == "json" else []),
        )
        assert out.returncode == 0, out.stderr
    doc = json.loads((tmp_path / f"{audio.stem}.json").read_text())
    duration = sf.info(str(audio)).duration
    assert doc["text"] and abs(doc["duration"] - duration) < 0.01
    assert [w["word"] for w in doc["words"]] == doc["text"].split()
    for w in doc["words"]:
        assert 0 <= w["start"] < w["end"] <= duration + 0.05
    srt = (tmp_path / f"{audio.stem}.srt").read_text()
    assert re.match(r"1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n", srt)
    assert (tmp_path / f"{audio.stem}.vtt").read_text().startswith("WEBVTT")
    assert (tmp_path / f"{audio.stem}.txt").read_text().strip() == doc["text"]
    assert (tmp_path / f"{audio.stem}.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_files_reported_and_rest_transcribed(tiny_model, tiny_corpus, tmp_path):
    model, _ = tiny_model
    good = train_files(tiny_corpus)[0]
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), 16000)
    out_dir = tmp_path / "out"
    out = asr(
        "transcribe",
        str(corrupt),
        str(good),
        str(tmp_path / "missing.flac"),
        str(empty),
        "--model",
        str(model),
        "--output-dir",
        str(out_dir),
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4 and "3 of 4 files failed" in errors[-1]
    assert sorted(p.name for p in out_dir.iterdir()) == [f"{good.stem}.txt"]


def test_user_errors_exit_nonzero_without_traceback(tmp_path):
    out = asr("transcribe", "x.wav", "--model", str(tmp_path / "nope.pt"))
    assert out.returncode == 2 and out.stderr.startswith("error: model ")
    assert "not a shipped model name" in out.stderr and out.stderr.count("\n") == 1
    out = asr("evaluate", str(tmp_path), "--model", str(tmp_path / "nope.pt"))
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_evaluate_writes_metrics(tiny_model, tiny_corpus, tmp_path):
    model, _ = tiny_model
    data = tiny_corpus / "LibriSpeech" / "train-synth"
    out = asr(
        "evaluate",
        str(data),
        "--model",
        str(model),
        "--json",
        str(tmp_path / "m.json"),
        "--no-progress",
    )
    assert out.returncode == 0, out.stderr
    result = json.loads((tmp_path / "m.json").read_text())
    assert result["utterances"] == 8 and result["audio_seconds"] > 0
    assert result["cer"] == pytest.approx(best_cer(model), abs=0.02)
    assert len(result["utterances_detail"]) == 8


def test_long_recording_segments_keep_the_time_base(tiny_model, tiny_corpus, tmp_path):
    """Utterances joined into one file and cut at pauses: the stitched segments have exactly
    the frames of one pass, and words come out in order within the file. (How well the
    segments read is checked on real AN4 speech in test_transcribe_cli.py.)"""
    model, _ = tiny_model
    rec = load_speech(str(model), device="cpu")
    files = train_files(tiny_corpus)
    path = tmp_path / "long.wav"
    sf.write(path, np.concatenate([sf.read(str(p))[0] for p in files * 2]), 16000)
    cut = rec.transcribe(path, segment_seconds=3.0)
    whole = rec.transcribe(path, segment_seconds=1000.0)
    assert len(cut.emissions) == len(whole.emissions)
    starts = [w.start for w in cut.words]
    assert len(starts) > 10 and starts == sorted(starts) and cut.words[-1].end <= cut.duration


def synth_data(root) -> list[str]:
    """Overrides that train and validate on every utterance of the synthetic corpus ``root``."""
    return [
        "data=synth",
        f"data.root={root}",
        "data.train.holdout_speakers=0",
        "data.train.holdout=none",
        "data.valid.holdout_speakers=0",
        "data.valid.holdout=none",
    ]


def test_hydra_train_cli_prints_config_and_runs_one_epoch(tiny_corpus, tmp_path):
    out = asr("train", "--cfg", "job", "model=small", "features=mfcc")
    assert out.returncode == 0 and "kind: mfcc" in out.stdout and "hidden: 128" in out.stdout
    out = asr(
        "train",
        *synth_data(tiny_corpus),
        "model=small",
        "trainer.max_epochs=1",
        "trainer.progress=false",
        f"hydra.run.dir={tmp_path / 'run'}",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert (tmp_path / "run" / "best.pt").exists() and (tmp_path / "run" / "last.pt").exists()
    out = asr("train", "model.hiden=3")
    assert out.returncode != 0 and "hiden" in out.stderr


def test_hydra_multirun_sweep(tiny_corpus, tmp_path):
    out = asr(
        "train",
        "-m",
        "model.hidden=16,24",
        "model.layers=1",
        "model.conv_channels=16",
        *synth_data(tiny_corpus),
        "trainer.max_epochs=1",
        "trainer.progress=false",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    for job, hidden in (("0", 16), ("1", 24)):
        payload = torch.load(tmp_path / "sweep" / job / "best.pt", weights_only=True)
        assert payload["model"]["hidden"] == hidden
