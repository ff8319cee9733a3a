"""Recurrent-cell study: rnn vs gru vs lstm encoders of equal size, same data and budget.

    python bench/cells.py --data ../shared/data/fsdd --steps 400 --plot docs/img/cells.png

Task: spoken digit strings (1-5 FSDD digits of one speaker joined with short
pauses, so utterances run 0.5-3 s = 50-300 frames); one FSDD speaker is held out
for validation. Each cell type gets a unidirectional 2-layer encoder (no conv
front end, so encoder frame t is input frame t) whose hidden size is chosen to
match the LSTM's parameter count within 2 %, and is trained for the same number
of AdamW steps on the same batches, with and without gradient clipping (norm 5).

Reported per run: validation CER (greedy), training speed (utterances/s on one
thread) and the gradient reaching each input frame: for the loss L at the last
frame (-log p of the label the model emits there), ||dL/dx_t|| against d = T-1-t,
averaged (geometric mean) over validation utterances; at initialisation and after
training. A cell that forgets shows a curve falling steeply with d.
Legend: B batch, T frames, F feature dim, V vocabulary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from asr.audio import read_audio
from asr.features import AudioFeatureConfig, feature_dim, featurize
from asr.readers import read_fsdd, select_holdout_speakers
from common.alphabet import Alphabet
from common.config import ModelConfig
from common.ctc import ctc_loss
from common.decoding.greedy import greedy_decode
from common.encoder import Encoder, count_parameters
from common.metrics import cer

CELLS = ("rnn", "gru", "lstm")
ALPHABET = Alphabet.from_chars(" abcdefghijklmnopqrstuvwxyz'")
FEATURES = AudioFeatureConfig(n_mels=40)
RATE = FEATURES.sample_rate
MAX_DISTANCE = 120  # frames (1.2 s) of the gradient profile


def digit_strings(
    root: str, n: int, speakers: set[str], rng: np.random.Generator
) -> list[tuple[np.ndarray, str]]:
    """``n`` (waveform, text) pairs: 1-5 digits of one of ``speakers``, 50-200 ms apart."""
    by_speaker: dict[str, list] = {}
    for e in read_fsdd(root):
        if e.speaker in speakers:
            by_speaker.setdefault(e.speaker, []).append(e)
    names, waves = sorted(by_speaker), {}
    out = []
    for _ in range(n):
        pool = by_speaker[names[int(rng.integers(len(names)))]]
        parts, words = [], []
        for i in rng.choice(len(pool), size=int(rng.integers(1, 6))):
            e = pool[int(i)]
            if e.path not in waves:
                waves[e.path] = read_audio(e.path, RATE)
            parts += [waves[e.path], np.zeros(int(rng.integers(RATE // 20, RATE // 5)), np.float32)]
            words.append(e.text)
        out.append((np.concatenate(parts), " ".join(words)))
    return out


def featurized(pairs: list[tuple[np.ndarray, str]]) -> list[tuple[torch.Tensor, list[int], str]]:
    """(features (T, F), target ids, text) per utterance; no augmentation."""
    rng = np.random.default_rng(0)
    return [(featurize(w, FEATURES, False, rng), ALPHABET.encode(t), t) for w, t in pairs]


def model_config(cell: str, hidden: int) -> ModelConfig:
    """Unidirectional 2-layer encoder of ``cell`` without conv front end."""
    return ModelConfig(
        conv_channels=0, cell=cell, hidden=hidden, layers=2, bidirectional=False, dropout=0.1
    )


def matched_hidden(cell: str, target: int) -> int:
    """Hidden size whose parameter count is closest to ``target`` (bisection)."""
    dim, vocab = feature_dim(FEATURES), len(ALPHABET)

    def size(h: int) -> int:
        return count_parameters(Encoder(dim, vocab, model_config(cell, h)))

    lo, hi = 1, 2048
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if size(mid) < target else (lo, mid)
    return min((lo, hi), key=lambda h: abs(size(h) - target))


def batch(items: list) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Pad (features, targets) into (B, T, F), lengths (B,), (B, S), target lengths (B,)."""
    feats = torch.nn.utils.rnn.pad_sequence([f for f, _, _ in items], batch_first=True)
    lengths = torch.tensor([len(f) for f, _, _ in items])
    targets = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(t) for _, t, _ in items], batch_first=True
    )
    target_lengths = torch.tensor([len(t) for _, t, _ in items])
    return feats, lengths, targets, target_lengths


def train(
    model: Encoder, data: list, steps: int, clip: float, seed: int, lr: float, batch_size: int = 16
) -> dict:
    """``steps`` AdamW updates on batches drawn with ``seed``; returns speed and norms."""
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    rng = np.random.default_rng(seed)
    model.train()
    grad_norms, start = [], time.perf_counter()
    for _ in range(steps):
        feats, lengths, targets, target_lengths = batch(
            [data[int(i)] for i in rng.choice(len(data), size=batch_size, replace=False)]
        )
        log_probs, out_lengths = model(feats, lengths)
        loss = ctc_loss(log_probs, out_lengths, targets, target_lengths).loss
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(
            model.parameters(), clip if clip > 0 else float("inf")
        )
        grad_norms.append(float(norm))
        if torch.isfinite(norm):
            opt.step()
    seconds = time.perf_counter() - start
    return {
        "train_utt_per_s": steps * batch_size / seconds,
        "max_grad_norm": float(np.nanmax(grad_norms)),
        "nonfinite_steps": int(sum(not np.isfinite(g) for g in grad_norms)),
    }


@torch.no_grad()
def evaluate(model: Encoder, data: list) -> float:
    """Greedy CER on ``data``."""
    model.eval()
    hyps, refs = [], []
    for i in range(0, len(data), 32):
        items = data[i : i + 32]
        feats, lengths, _, _ = batch(items)
        log_probs, out_lengths = model(feats, lengths)
        for lp, n, (_, _, text) in zip(log_probs, out_lengths, items, strict=True):
            hyps.append(greedy_decode(lp[: int(n)], ALPHABET).text)
            refs.append(text)
    return cer(refs, hyps)


def gradient_profile(model: Encoder, data: list) -> list[float]:
    """Geometric-mean ||dL/dx_{T-1-d}|| for d < MAX_DISTANCE over utterances at least that long."""
    model.eval()
    rows = []
    for feats, _, _ in data:
        if len(feats) < MAX_DISTANCE:
            continue
        x = feats[None].clone().requires_grad_(True)  # (1, T, F)
        log_probs, _ = model(x, torch.tensor([len(feats)]))
        last = log_probs[0, -1]  # (V,) at the last frame
        (-last.max()).backward()
        norms = x.grad[0].norm(dim=-1).flip(0)[:MAX_DISTANCE]  # (T,) -> distance from the end
        rows.append(torch.log10(norms + 1e-30).numpy())
    return (10 ** np.mean(rows, axis=0)).tolist()


def run_cell(cell: str, hidden: int, data: dict, args: argparse.Namespace) -> list[dict]:
    """One initialisation of ``cell``, trained with and without clipping; a row per run."""
    torch.manual_seed(args.seed)
    init = Encoder(feature_dim(FEATURES), len(ALPHABET), model_config(cell, hidden))
    state = {k: v.clone() for k, v in init.state_dict().items()}
    profile_init = gradient_profile(init, data["valid"])
    rows = []
    for clip in (5.0, 0.0):
        model = Encoder(feature_dim(FEATURES), len(ALPHABET), model_config(cell, hidden))
        model.load_state_dict(state)
        stats = train(model, data["train"], args.steps, clip, args.seed, args.lr)
        row = {"cell": cell, "hidden": hidden, "params": count_parameters(model), "clip": clip}
        row |= stats | {"cer": evaluate(model, data["valid"])}
        row |= {
            "profile_init": profile_init,
            "profile_trained": gradient_profile(model, data["valid"]),
        }
        rows.append(row)
        print(table_line(row), flush=True)
    return rows


def table_line(row: dict) -> str:
    """A markdown table row of one run."""
    p0, p1 = row["profile_init"], row["profile_trained"]
    clip = f"{row['clip']:g}" if row["clip"] else "off"
    return (
        f"| {row['cell']} | {row['hidden']} | {row['params']:,} | {clip} "
        f"| {100 * row['cer']:.1f} % "
        f"| {row['train_utt_per_s']:.0f} | {row['max_grad_norm']:.3g} | "
        f"{p0[-1] / p0[0]:.2g} | {p1[-1] / p1[0]:.2g} |"
    )


HEADER = (
    "| cell | hidden | parameters | clip | valid CER | train utt/s | max grad norm "
    f"| grad ratio d={MAX_DISTANCE - 1}/d=0, init | same, trained |\n"
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
)


def plot(rows: list[dict], path: Path) -> None:
    """||dL/dx_t|| against distance from the end: one panel per cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(CELLS), figsize=(12, 3.6), sharey=True)
    for ax, cell in zip(axes, CELLS, strict=True):
        runs = [r for r in rows if r["cell"] == cell]
        d = np.arange(len(runs[0]["profile_init"])) / 100  # seconds (10 ms frames)
        ax.semilogy(d, runs[0]["profile_init"], "k--", label="initialisation")
        for r in runs:
            label = f"trained, clip {r['clip']:g}" if r["clip"] else "trained, no clipping"
            ax.semilogy(d, r["profile_trained"], label=f"{label} (CER {100 * r['cer']:.0f} %)")
        ax.set_title(f"{cell} (hidden {runs[0]['hidden']}, {runs[0]['params'] / 1e3:.0f} k params)")
        ax.set_xlabel("distance from the last frame (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("||dL/dx_t|| (L at the last frame)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default="../shared/data/fsdd", help="FSDD root")
    parser.add_argument("--steps", type=int, default=400, help="AdamW updates per run")
    parser.add_argument("--lr", type=float, default=3e-3, help="AdamW learning rate")
    parser.add_argument("--train-utterances", type=int, default=2000)
    parser.add_argument("--valid-utterances", type=int, default=200)
    parser.add_argument("--lstm-hidden", type=int, default=96, help="sets the parameter budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--plot", default="docs/img/cells.png")
    parser.add_argument("--json", default="", help="also write every run (with profiles) here")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    if not Path(args.data, "recordings").is_dir():
        print(f"error: no FSDD recordings under {args.data}", file=sys.stderr)
        return 1
    speakers = sorted({e.speaker for e in read_fsdd(args.data)})
    held = set(select_holdout_speakers(speakers, 1))
    rng = np.random.default_rng(args.seed)
    data = {
        "train": featurized(
            digit_strings(args.data, args.train_utterances, set(speakers) - held, rng)
        ),
        "valid": featurized(digit_strings(args.data, args.valid_utterances, held, rng)),
    }
    target = count_parameters(
        Encoder(feature_dim(FEATURES), len(ALPHABET), model_config("lstm", args.lstm_hidden))
    )
    print(HEADER, flush=True)
    rows = [r for c in CELLS for r in run_cell(c, matched_hidden(c, target), data, args)]
    plot(rows, Path(args.plot))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
