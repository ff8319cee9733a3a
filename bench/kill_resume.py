"""kill -9 a real ``handwriting train`` at random moments, resume it, compare the weights.

Each trial trains a small model on a tiny synthetic ink corpus (JSON ink + JSONL
manifest written here) in a subprocess with ``trainer.resume=auto`` and
``trainer.checkpoint_every_steps``, sends SIGKILL at a random moment (half of the
kills land while ``last.pt`` is half-written: the child's ``torch.save`` pauses
mid-file), starts it again, and so on until a run finishes. The final ``last.pt``
and ``best.pt`` must hold bit-identical weights, and ``metrics.csv`` the same
training losses, as an uninterrupted run; no temp file may be left over.

    python bench/kill_resume.py --trials 6 --kills 3
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
LINES = ["the cat", "red hat", "go home", "big dog", "sun day", "hi mom", "tea cup", "open door"]

# The child: `handwriting train`, with torch.save writing half the file, pausing, then the rest.
CHILD = r"""
import io, os, sys, time, torch
real_save, marker = torch.save, os.environ["KILL_RESUME_MARKER"]
def paused_save(obj, f, *args, **kwargs):
    buf = io.BytesIO()
    real_save(obj, buf, *args, **kwargs)
    data = buf.getvalue()
    f.write(data[: len(data) // 2])
    f.flush()
    open(marker, "w").close()
    time.sleep(float(os.environ["KILL_RESUME_PAUSE"]))
    os.unlink(marker)
    f.write(data[len(data) // 2 :])
if os.environ.get("KILL_RESUME_PAUSE"):
    torch.save = paused_save
from handwriting.cli import main
sys.exit(main(["train", *sys.argv[1:]]))
"""


def write_corpus(root: Path, n_lines: int = 16) -> Path:
    """``n_lines`` synthetic JSON ink lines and ``train.jsonl``/``valid.jsonl``; returns root."""
    from handwriting.synth import synthesize_line
    from handwriting.writer_styles import make_style
    from handwriting.writers import write_json_ink

    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    entries = []
    for i in range(n_lines):
        text = LINES[i % len(LINES)]
        write_json_ink(
            synthesize_line(text, make_style(f"w{i % 3}", "futural", i % 3), rng),
            root / f"l{i}.json",
        )
        entries.append(json.dumps({"ink_filepath": f"l{i}.json", "text": text}))
    (root / "train.jsonl").write_text("\n".join(entries) + "\n")
    (root / "valid.jsonl").write_text("\n".join(entries[:4]) + "\n")
    return root


def overrides(corpus: Path, run_dir: Path, epochs: int) -> list[str]:
    """A small but not instant run: 8 steps an epoch, ``last.pt`` every 2 steps."""
    return [
        "data=manifest",
        f"data.train.path={corpus / 'train.jsonl'}",
        f"data.valid.path={corpus / 'valid.jsonl'}",
        "model=small",
        "model.hidden=48",
        f"trainer.max_epochs={epochs}",
        "trainer.batch_size=2",
        "trainer.checkpoint_every_steps=2",
        "trainer.threads=1",
        "trainer.progress=false",
        "trainer.resume=auto",
        f"hydra.run.dir={run_dir}",
    ]


def start(args: list[str], marker: Path, pause: float, log: Path) -> subprocess.Popen:
    """The child training process, its console output going to ``log``."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    env.update(KILL_RESUME_MARKER=str(marker), KILL_RESUME_PAUSE=str(pause) if pause else "")
    with open(log, "w") as out:
        return subprocess.Popen(
            [sys.executable, "-c", CHILD, *args], cwd=REPO, env=env, stdout=out, stderr=out
        )


def finish(proc: subprocess.Popen, log: Path) -> None:
    """Wait for ``proc``; raise with its output when it fails."""
    if proc.wait(timeout=600) != 0:
        raise RuntimeError(f"training failed: {log.read_text()[-2000:]}")


def kill_once(proc: subprocess.Popen, marker: Path, during_save: bool, rng: random.Random) -> str:
    """SIGKILL ``proc`` during its n-th checkpoint write (n random in 1..8) or after a
    random delay; returns what happened."""
    deadline = time.monotonic() + (120 if during_save else rng.uniform(1.0, 9.0))
    saves_left, saving = rng.randint(1, 8), False
    while time.monotonic() < deadline and proc.poll() is None:
        if during_save and marker.exists() != saving:
            saving = not saving
            saves_left -= saving
            if saving and saves_left == 0:
                break
        time.sleep(0.005)
    if proc.poll() is not None:
        if proc.returncode != 0:
            raise RuntimeError(f"training failed with exit status {proc.returncode}")
        return "finished"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return "killed mid-save" if during_save and marker.exists() else "killed"


@dataclass
class Trial:
    """What one trial saw: each kill, temps left by kills, steps resumed at, the verdict."""

    kills: list[str]
    stale_temps: int  # temp files the kills left behind (removed by the next start)
    resumed_at: list[int]  # step each restart resumed from
    identical: bool
    leftovers: list[str]  # temp files still there at the end (should be none)


def run_trial(
    corpus: Path, reference: Path, work: Path, kills: int, seed: int, epochs: int
) -> Trial:
    """Kill a run ``kills`` times (alternating mid-save and random moments), then let it finish."""
    rng = random.Random(seed)
    run_dir, marker = work / "run", work / "saving"
    work.mkdir(parents=True, exist_ok=True)
    args = overrides(corpus, run_dir, epochs)
    happened, stale = [], 0
    for k in range(kills):
        proc = start(args, marker, pause=0.3, log=work / f"start{k}.log")
        happened.append(kill_once(proc, marker, during_save=k % 2 == 0, rng=rng))
        marker.unlink(missing_ok=True)
        if happened[-1] == "finished":
            break
        stale += len(list(run_dir.glob(".*.tmp")))
    logs = [work / f"start{k}.log" for k in range(len(happened))]
    if happened[-1] != "finished":
        logs.append(work / "final.log")
        finish(start(args, marker, pause=0.0, log=logs[-1]), logs[-1])
    leftovers = sorted(p.name for p in run_dir.glob(".*.tmp"))
    logs = "".join(p.read_text() for p in logs)
    resumed = [int(m) for m in re.findall(r"resumed from .* step (\d+)", logs)]
    return Trial(happened, stale, resumed, same_run(reference, run_dir), leftovers)


def same_run(a: Path, b: Path) -> bool:
    """Bit-identical weights in ``last.pt`` and ``best.pt``; equal losses in ``metrics.csv``."""
    for name in ("last.pt", "best.pt"):
        x = torch.load(a / name, weights_only=True)["state_dict"]
        y = torch.load(b / name, weights_only=True)["state_dict"]
        if x.keys() != y.keys() or not all(torch.equal(x[k], y[k]) for k in x):
            return False
    return losses(a) == losses(b)


def losses(run_dir: Path) -> list[tuple[str, str, str]]:
    with open(run_dir / "metrics.csv", newline="") as f:
        return [(r["epoch"], r["train_loss"], r["valid_loss"]) for r in csv.DictReader(f)]


def reference_run(corpus: Path, work: Path, epochs: int) -> Path:
    run_dir, log = work / "run", work / "reference.log"
    work.mkdir(parents=True, exist_ok=True)
    finish(start(overrides(corpus, run_dir, epochs), work / "saving", pause=0.0, log=log), log)
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--kills", type=int, default=3, help="kills per trial")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = write_corpus(tmp / "corpus")
        reference = reference_run(corpus, tmp / "reference", args.epochs)
        identical, total_kills, mid_save = 0, 0, 0
        for t in range(args.trials):
            trial = run_trial(
                corpus, reference, tmp / f"trial{t}", args.kills, args.seed + t, args.epochs
            )
            identical += trial.identical and not trial.leftovers
            total_kills += sum(k.startswith("killed") for k in trial.kills)
            mid_save += trial.kills.count("killed mid-save")
            print(f"trial {t + 1}: {', '.join(trial.kills)}; resumed at steps {trial.resumed_at}; "
                  f"{trial.stale_temps} stale temps -> identical={trial.identical}, "
                  f"leftover temps={trial.leftovers}", flush=True)  # fmt: skip
    print(f"{identical}/{args.trials} trials bit-identical after {total_kills} kills "
          f"({mid_save} during a checkpoint write)")  # fmt: skip


if __name__ == "__main__":
    main()
