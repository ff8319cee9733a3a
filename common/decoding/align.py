"""CTC forced alignment (Viterbi) of a label sequence: where each token sits in time.

The beam search sums over alignments, so it has no single path; the token
spans of its hypotheses come from the best path of the chosen label sequence.
Legend: T frames, L tokens, S = 2L + 1 states (blank, token, blank, ...).
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def _viterbi(lp: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """(T,) best-path CTC state per frame (odd states emit ``tokens[(s - 1) // 2]``)."""
    n_frames, n_states = lp.shape[0], 2 * tokens.shape[0] + 1
    label = np.zeros(n_states, dtype=np.int64)
    label[1::2] = tokens
    back = np.zeros((n_frames, n_states), dtype=np.int8)  # steps back to the predecessor
    score = np.full(n_states, -np.inf)
    score[0] = lp[0, 0]
    if n_states > 1:
        score[1] = lp[0, label[1]]
    for t in range(1, n_frames):
        prev = score.copy()
        for s in range(n_states):
            best, step = prev[s], 0
            if s >= 1 and prev[s - 1] > best:
                best, step = prev[s - 1], 1
            if s >= 2 and s % 2 == 1 and label[s] != label[s - 2] and prev[s - 2] > best:
                best, step = prev[s - 2], 2
            score[s] = best + lp[t, label[s]]
            back[t, s] = step
    path = np.zeros(n_frames, dtype=np.int64)
    s = n_states - 1
    if n_states > 1 and score[n_states - 2] > score[n_states - 1]:
        s = n_states - 2
    for t in range(n_frames - 1, -1, -1):
        path[t] = s
        s -= back[t, s]
    return path


Frames = tuple[int, ...]


def align_tokens(lp: np.ndarray, tokens: tuple[int, ...]) -> tuple[Frames, Frames]:
    """First frame and one-past-last frame of each token on the best CTC path.

    Args:
        lp: (T, V) float32 log-probabilities.
        tokens: label ids (no blanks), feasible for T frames.

    Returns:
        (starts, ends), one entry per token.
    """
    if not tokens:
        return (), ()
    path = _viterbi(lp, np.asarray(tokens, dtype=np.int64))
    emitting = np.flatnonzero(path % 2 == 1)  # frames on a token state
    index = (path[emitting] - 1) // 2  # token of each such frame
    starts = np.full(len(tokens), -1, dtype=np.int64)
    ends = np.zeros(len(tokens), dtype=np.int64)
    np.maximum.at(ends, index, emitting + 1)
    first = np.ones(len(emitting), dtype=bool)
    first[1:] = index[1:] != index[:-1]
    starts[index[first]] = emitting[first]
    return tuple(starts.tolist()), tuple(ends.tolist())
