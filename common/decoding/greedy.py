"""Greedy (best-path) CTC decoding: argmax per frame, merge repeats, drop blanks."""

from __future__ import annotations

import numpy as np
import torch

from common.alphabet import BLANK, Alphabet
from common.decoding.hypothesis import Hypothesis, word_spans


def _as_numpy(log_probs: np.ndarray | torch.Tensor) -> np.ndarray:
    if isinstance(log_probs, torch.Tensor):
        return log_probs.detach().float().cpu().numpy()
    return np.asarray(log_probs, dtype=np.float32)


def greedy_decode(log_probs: np.ndarray | torch.Tensor, alphabet: Alphabet) -> Hypothesis:
    """Best-path decoding of one utterance.

    Args:
        log_probs: (T, V) log-probabilities, V == len(alphabet).
        alphabet: the model's alphabet (blank at index 0).

    Returns:
        The hypothesis; ``score`` is the log probability of the best path.
    """
    lp = _as_numpy(log_probs)
    if lp.ndim != 2 or lp.shape[1] != len(alphabet):
        raise ValueError(f"expected (T, {len(alphabet)}) log-probs, got {lp.shape}")
    best = lp.argmax(axis=1) if len(lp) else np.zeros(0, dtype=np.int64)
    score = float(lp[np.arange(len(lp)), best].sum()) if len(lp) else 0.0
    tokens: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    prev = BLANK
    for t, k in enumerate(best.tolist()):
        if k != BLANK and k != prev:
            tokens.append(k)
            starts.append(t)
            ends.append(t + 1)
        elif k != BLANK and k == prev:
            ends[-1] = t + 1
        prev = k
    text = alphabet.decode(tokens)
    return Hypothesis(
        text=text,
        tokens=tuple(tokens),
        token_frames=tuple(starts),
        token_end_frames=tuple(ends),
        score=score,
        acoustic_score=score,
        words=word_spans(text, tuple(starts), tuple(ends)),
    )
