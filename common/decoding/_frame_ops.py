"""Small compiled helpers of the beam search: merging, per-frame prefix lookup, bounded heap.

Everything here takes plain arrays, so LLVM inlines it into the frame loop.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_NEGLIGIBLE = 40.0  # e^-40 is below float64 resolution relative to 1
KEY, SLOT, STAMP = 0, 1, 2  # lookup columns: prefix hash, candidate slot, pass that wrote it


@nb.njit(cache=True)
def lse(a: float, b: float) -> float:
    """ln(e^a + e^b)."""
    hi, lo = (a, b) if a > b else (b, a)
    if hi - lo > _NEGLIGIBLE or lo == -np.inf:
        return hi
    return hi + np.log1p(np.exp(lo - hi))


@nb.njit(cache=True)
def merge(a: float, b: float, viterbi: bool) -> float:
    """Score of a prefix reached two ways: ln of the summed probabilities, or the
    better of the two (``viterbi``: a prefix scores its best alignment)."""
    return max(a, b) if viterbi else lse(a, b)


@nb.njit(cache=True)
def find_slot(lookup: np.ndarray, now: int, key: int) -> int:
    """Slot of the prefix with hash ``key`` in pass ``now``, or -1."""
    mask = lookup.shape[0] - 1
    i = (key ^ (key >> 29)) & mask
    while lookup[i, STAMP] == now:
        if lookup[i, KEY] == key:
            return lookup[i, SLOT]
        i = (i + 1) & mask
    return -1


@nb.njit(cache=True)
def remember_slot(lookup: np.ndarray, now: int, key: int, slot: int) -> None:
    """Record that the prefix with hash ``key`` has candidate ``slot`` in pass ``now``."""
    mask = lookup.shape[0] - 1
    i = (key ^ (key >> 29)) & mask
    while lookup[i, STAMP] == now:
        i = (i + 1) & mask
    lookup[i, KEY], lookup[i, SLOT], lookup[i, STAMP] = key, slot, now


@nb.njit(cache=True)
def heap_push(heap: np.ndarray, n: int, value: float) -> int:
    """Offer ``value`` to the bounded min-heap holding ``n`` values; returns the new count."""
    if n < heap.shape[0]:
        i = n
        heap[i] = value
        while i > 0 and heap[(i - 1) // 2] > heap[i]:
            heap[i], heap[(i - 1) // 2] = heap[(i - 1) // 2], heap[i]
            i = (i - 1) // 2
        return n + 1
    if value <= heap[0]:
        return n
    heap[0] = value
    i = 0
    while True:
        small, left, right = i, 2 * i + 1, 2 * i + 2
        if left < n and heap[left] < heap[small]:
            small = left
        if right < n and heap[right] < heap[small]:
            small = right
        if small == i:
            return n
        heap[i], heap[small] = heap[small], heap[i]
        i = small


@nb.njit(cache=True, inline="always")
def trie_child(start: np.ndarray, tok: np.ndarray, child: np.ndarray, node: int, label: int) -> int:
    """Child of trie ``node`` by ``label``, or -1 (also for node -1); edges sorted by label."""
    if node < 0:
        return -1
    lo, hi = start[node], start[node + 1]
    while lo < hi:  # binary search
        mid = (lo + hi) // 2
        if tok[mid] < label:
            lo = mid + 1
        else:
            hi = mid
    return child[lo] if lo < start[node + 1] and tok[lo] == label else -1


@nb.njit(cache=True)
def frame_labels(lp: np.ndarray, t: int, topk: int, min_logp: float, out: np.ndarray) -> int:
    """Write frame ``t``'s non-blank labels worth trying into ``out``, best first; returns n.

    Labels at or above ``min_logp``, at most ``topk`` (0: no limit); the best always.
    """
    best = 1
    for v in range(2, lp.shape[1]):
        if lp[t, v] > lp[t, best]:
            best = v
    n = 0
    for v in range(1, lp.shape[1]):
        if v == best or lp[t, v] >= min_logp:
            j = n
            while j > 0 and lp[t, out[j - 1]] < lp[t, v]:  # insertion sort, descending
                out[j] = out[j - 1]
                j -= 1
            out[j] = v
            n += 1
    return min(n, topk) if topk > 0 else n
