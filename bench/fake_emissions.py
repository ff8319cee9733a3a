"""DEVELOPMENT ONLY: synthetic CTC emissions that look like a character model's output.

Real emissions come from a trained model (``common.inference``); until one
exists, this writes an ``.npz`` in the format ``bench/decoder.py`` reads:
``log_probs_<i>`` (T, V) float32, ``labels`` (str array, ``labels[0]`` blank),
``references`` (str array).

Each reference character becomes a short run of frames at 40 ms (10 ms hop,
4x subsampling): one or two "spike" frames where the character competes with
an acoustically confusable one and with blank, then blank frames. Words are
separated by a space spike. Noise levels are set so greedy decoding has a
character error rate around 10% and the LM has something to fix.

Usage:
    python bench/fake_emissions.py -o /tmp/fake_an4.npz [--n 100] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from an4_text import an4_sentences

REPO = Path(__file__).resolve().parents[1]
AN4 = REPO.parent / "shared" / "data" / "an4" / "etc" / "an4_train.transcription"
CHARS = " abcdefghijklmnopqrstuvwxyz'"
_CONFUSABLE = [
    "aeo", "bdpv", "ckgq", "dtb", "ei", "fsv", "gjk", "hf", "iey", "jg", "kc", "lr", "mn",
    "nm", "ou", "pb", "qk", "rl", "sfz", "td", "uo", "vbf", "wu", "xs", "yi", "zs",
]  # fmt: skip
CONFUSION = {group[0]: group[1:] for group in _CONFUSABLE}


def _frames(char: str, rng: np.random.Generator) -> list[tuple[str, str | None]]:
    """(target, competitor) per frame of one character: spike(s) then blanks."""
    others = CONFUSION.get(char, "")
    rival = rng.choice(list(others)) if others and rng.random() < 0.8 else None
    spikes = 1 + int(rng.random() < 0.3)
    blanks = int(rng.poisson(1.2))
    return [(char, rival)] * spikes + [("", None)] * blanks


def _logits(target: str, rival: str | None, rng: np.random.Generator) -> np.ndarray:
    """(V,) logits of one frame; index 0 is blank."""
    x = rng.normal(0.0, 1.5, size=len(CHARS) + 1)
    if not target:
        x[0] += rng.normal(13.0, 2.5)
        if rng.random() < 0.015:  # occasional spurious character
            x[1 + rng.integers(1, len(CHARS))] += rng.normal(12.0, 1.5)
        return x
    x[1 + CHARS.index(target)] += rng.normal(10.5, 1.3)
    x[0] += rng.normal(5.5, 2.0)
    if rival is not None:
        x[1 + CHARS.index(rival)] += rng.normal(6.5, 2.0)
    return x


def fake_log_probs(text: str, rng: np.random.Generator) -> np.ndarray:
    """(T, V) float32 log-probabilities for ``text`` (characters of ``CHARS``)."""
    frames = [("", None)] * int(rng.integers(3, 10))
    for i, char in enumerate(text):
        if i > 0 and text[i - 1] == char:
            frames.append(("", None))  # CTC needs a blank between repeats
        frames += _frames(char, rng)
    frames += [("", None)] * int(rng.integers(3, 10))
    x = np.stack([_logits(t, r, rng) for t, r in frames])  # (T, V)
    return (x - np.logaddexp.reduce(x, axis=1, keepdims=True)).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="the .npz to write")
    parser.add_argument("--n", type=int, default=100, help="utterances (default: 100)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--text", type=Path, default=AN4, help="AN4 transcription file")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    sentences = an4_sentences(args.text)
    picks = rng.choice(len(sentences), size=min(args.n, len(sentences)), replace=False)
    refs = [sentences[i] for i in sorted(picks)]
    arrays = {f"log_probs_{i}": fake_log_probs(ref, rng) for i, ref in enumerate(refs)}
    labels = np.array(["<blank>", *CHARS])
    np.savez_compressed(args.output, labels=labels, references=np.array(refs), **arrays)
    frames = sum(a.shape[0] for a in arrays.values())
    print(f"wrote {args.output}: {len(refs)} utterances, {frames} frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
