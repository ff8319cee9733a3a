"""Numba open-addressing table ``(lm state, word hash) -> (log prob, next state)``.

The word-LM path of the beam search looks scores up here from compiled code;
misses go back to Python, which asks KenLM and inserts the answer.
Words are identified by a 64-bit hash of their characters (``mix_char``), so
the kernel never handles strings.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from common.decoding._jit import kernels

EMPTY_KEY = np.iinfo(np.int64).min
EOS_WORD = 0x3C2F733E  # hash standing for "</s>" ("</s>" in ASCII)
_GOLDEN = -7046029254386353131  # 0x9E3779B97F4A7C15 as a signed 64-bit integer
_FNV_PRIME = 1099511628211


@nb.njit(cache=True, inline="always")
def mix_char(word: int, code: int) -> int:
    """Hash of a word extended by one character code (0 is reserved for the empty word)."""
    h = (word ^ code) * _FNV_PRIME + 1
    return h if h != 0 else 1


@nb.njit(cache=True, inline="always")
def table_key(state: int, word: int) -> int:
    """Key of a (LM state id, word hash) pair; never ``EMPTY_KEY``."""
    k = word ^ (state * _GOLDEN + state)
    return k if k != EMPTY_KEY else k + 1


@nb.njit(cache=True, inline="always")
def _home(key: int, mask: int) -> int:
    h = key * _GOLDEN
    return (h ^ (h >> 31)) & mask


@nb.njit(cache=True)
def table_find(keys: np.ndarray, key: int) -> int:
    """Slot holding ``key``, or -1."""
    mask = keys.shape[0] - 1
    i = _home(key, mask)
    while keys[i] != EMPTY_KEY:
        if keys[i] == key:
            return i
        i = (i + 1) & mask
    return -1


@nb.njit(cache=True)
def _insert_key(keys: np.ndarray, key: int) -> int:
    """Slot for ``key`` (existing or newly claimed); the table must have a free slot."""
    mask = keys.shape[0] - 1
    i = _home(key, mask)
    while keys[i] != EMPTY_KEY and keys[i] != key:
        i = (i + 1) & mask
    keys[i] = key
    return i


@nb.njit(cache=True)
def table_insert(
    keys: np.ndarray, logp: np.ndarray, nxt: np.ndarray, state: int, word: int, lp: float, to: int
) -> None:
    """Store ``(state, word) -> (lp, to)``."""
    i = _insert_key(keys, table_key(state, word))
    logp[i] = lp
    nxt[i] = to


@nb.njit(cache=True)
def _rehash(keys, logp, nxt, new_keys, new_logp, new_nxt) -> None:
    for i in range(keys.shape[0]):
        if keys[i] != EMPTY_KEY:
            j = _insert_key(new_keys, keys[i])
            new_logp[j] = logp[i]
            new_nxt[j] = nxt[i]


class ScoreTable:
    """Growable ``(state, word) -> (log prob, next state)`` table kept at most half full."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self.keys = np.full(capacity, EMPTY_KEY, dtype=np.int64)
        self.logp = np.zeros(capacity, dtype=np.float64)
        self.next = np.zeros(capacity, dtype=np.int64)
        self.size = 0

    def contains(self, state: int, word: int) -> bool:
        """Whether the pair is stored."""
        if not kernels.ready:
            kernels.announce()
        return table_find(self.keys, table_key(state, word)) >= 0

    def insert(self, state: int, word: int, logp: float, to: int) -> None:
        """Store a new pair (the caller checks ``contains`` first)."""
        if not kernels.ready:
            kernels.announce()
        if 2 * (self.size + 1) > len(self.keys):
            self._grow()
        table_insert(self.keys, self.logp, self.next, state, word, logp, to)
        self.size += 1

    def _grow(self) -> None:
        n = 2 * len(self.keys)
        keys = np.full(n, EMPTY_KEY, dtype=np.int64)
        logp = np.zeros(n, dtype=np.float64)
        nxt = np.zeros(n, dtype=np.int64)
        _rehash(self.keys, self.logp, self.next, keys, logp, nxt)
        self.keys, self.logp, self.next = keys, logp, nxt


@nb.njit(cache=True)
def _bulk(keys, logp, nxt, states, words, values, targets) -> None:
    for i in range(states.shape[0]):
        table_insert(keys, logp, nxt, states[i], words[i], values[i], targets[i])


def bulk_insert(
    table: ScoreTable, states: np.ndarray, words: np.ndarray, logp: np.ndarray, nxt: np.ndarray
) -> None:
    """Store many distinct pairs at once (arrays of equal length)."""
    if not kernels.ready:
        kernels.announce()
    while 2 * (table.size + len(states)) > len(table.keys):
        table._grow()
    _bulk(table.keys, table.logp, table.next, states, words, logp, nxt)
    table.size += len(states)
