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
    prev = np.empty(n_states)
    for t in range(1, n_frames):
        prev[:] = score
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


@nb.njit(cache=True)
def token_spans(lp: np.ndarray, tokens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First frame and one-past-last frame of each token on the best CTC path.

    Args:
        lp: (T, V) float32 log-probabilities.
        tokens: (L,) label ids (no blanks), feasible in T frames.

    Returns:
        (starts, ends), (L,) int64 each.
    """
    starts = np.full(tokens.shape[0], -1, dtype=np.int64)
    ends = np.zeros(tokens.shape[0], dtype=np.int64)
    if tokens.shape[0] == 0:
        return starts, ends
    path = _viterbi(lp, tokens)
    for t in range(path.shape[0]):
        if path[t] % 2 == 1:
            i = (path[t] - 1) // 2
            if starts[i] < 0:
                starts[i] = t
            ends[i] = t + 1
    return starts, ends


def widen_spans(spans: list[tuple[int, int]], active: np.ndarray) -> list[tuple[int, int] | None]:
    """Stretch each CTC spike span over the active frames (speech, ink) around it.

    CTC emits a token on one or two frames ("spikes"), often off the place it was
    spoken. Each span ``[start, end)`` owns the frames between the midpoints of the
    gaps to its neighbours (the first owns everything before it, the last
    everything after); its new span runs from the first to one past the last
    active frame it owns. A span owning no active frame becomes None (the model
    wrote it over silence).

    Args:
        spans: ``(start, end)`` frame spans in order, ``end`` exclusive.
        active: (T,) bool, True where the signal is active (e.g. speech energy).

    Returns:
        The widened spans (or None), in order, never overlapping.
    """
    n_frames = len(active)
    out: list[tuple[int, int] | None] = []
    for i, (start, end) in enumerate(spans):
        lo = 0 if i == 0 else (spans[i - 1][1] + start) // 2
        hi = n_frames if i == len(spans) - 1 else (end + spans[i + 1][0]) // 2
        hi = max(hi, lo)
        owned = np.flatnonzero(active[lo:hi])
        if owned.size == 0:
            out.append(None)
        else:
            out.append((lo + int(owned[0]), lo + int(owned[-1]) + 1))
    return out
