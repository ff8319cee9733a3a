"""Latency of recognising one handwritten text line on this CPU, end to end.

Times read-ink-already-in-memory -> features -> encoder -> greedy decoding for
lines of a synthetic corpus (or an IAM-OnDB root), one line at a time as an
interactive pen app would, and compares Bézier with point-offset features
(sequence length and feature time) in the same process.

    python bench/ink_latency.py --model models/ink-synthetic.pt [--data runs/ink/corpus]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from common.checkpoint import load_model
from common.decoding import greedy_decode
from common.inference import emissions
from handwriting.features import featurize
from handwriting.modality import HANDWRITING
from handwriting.readers import read_iam_ondb, read_ink
from handwriting.synth import load_sentences, synthesize_corpus

RNG = np.random.default_rng(0)


def _lines(data: str | None, n: int) -> list:
    if data is None:
        tmp = Path(tempfile.mkdtemp()) / "corpus"
        synthesize_corpus(tmp, load_sentences(None)[:200], n_lines=n, seed=7, progress=False)
        data = str(tmp)
    examples = read_iam_ondb(data, "all")[:n]
    return [read_ink(e.path) for e in examples]


def _time_ms(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/ink-synthetic.pt")
    parser.add_argument("--data", default=None, help="IAM-OnDB-layout root (default: synthesise)")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_model(args.model, modality="handwriting")
    cfg = HANDWRITING.feature_config(loaded.features)
    inks = _lines(args.data, args.lines)

    def recognise(ink):
        feats = featurize(ink, cfg, False, RNG)
        return greedy_decode(emissions(loaded, [feats])[0], loaded.alphabet).text

    recognise(inks[0])  # warm-up
    per_line = [statistics.median(_time_ms(lambda i=ink: recognise(i), 3)) for ink in inks]
    offsets = replace(cfg, kind="offsets", direction=True, curvature=True)
    bezier = replace(cfg, kind="bezier")
    rows = []
    for name, fcfg in (("bezier", bezier), ("offsets", offsets)):
        lengths = [featurize(ink, fcfg, False, RNG).shape[0] for ink in inks]
        ms = [
            statistics.median(_time_ms(lambda i=ink, c=fcfg: featurize(i, c, False, RNG), 3))
            for ink in inks
        ]
        rows.append((name, float(np.mean(lengths)), float(np.mean(ms))))
    points = float(np.mean([ink.num_points for ink in inks]))
    print(f"machine: {platform.processor() or platform.machine()}, torch threads {args.threads}")
    print(f"{len(inks)} lines, {points:.0f} points on average, model {args.model}")
    print(
        f"recognition latency per line: median {statistics.median(per_line):.1f} ms, "
        f"p90 {np.percentile(per_line, 90):.1f} ms, max {max(per_line):.1f} ms"
    )
    print(f"{'features':<10}{'frames/line':>12}{'feature ms':>12}{'frames vs bezier':>18}")
    for name, length, ms in rows:
        print(f"{name:<10}{length:>12.0f}{ms:>12.2f}{length / rows[0][1]:>17.2f}x")


if __name__ == "__main__":
    main()
