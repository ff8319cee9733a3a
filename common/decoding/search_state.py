"""Allocation and growth of the beam-search arrays (``_kernels.State``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.decoding import _kernels as K

_FIRST_FRAMES = 32  # node storage allocated up front, in frames' worth of new prefixes


def new_state(beam_size: int, n_labels: int, busy_frames: int) -> K.State:
    """Arrays for the search of one utterance at a time (``reset`` before each).

    Args:
        beam_size: beams kept per frame.
        n_labels: V, blank included.
        busy_frames: frames that are not blank-skipped, to size the node storage.
    """
    cap = 1 + beam_size * (min(busy_frames, _FIRST_FRAMES) + 1)
    slots = beam_size * n_labels
    return K.State(
        nodes_i=np.empty((cap, K.NODE_COLS), dtype=np.int64),  # rows are written when used
        nodes_f=np.empty((cap, 2)),
        beam_node=np.zeros(beam_size, dtype=np.int64),
        beam_p=np.full((beam_size, 3), -np.inf),
        slot_i=np.empty((slots, K.SLOT_COLS), dtype=np.int64),
        slot_f=np.empty((slots, 4)),
        lookup=np.zeros((1 << (4 * beam_size).bit_length(), 3), dtype=np.int64),  # stamp 0: empty
        heap=np.empty(beam_size),
        labels=np.empty(n_labels, dtype=np.int64),
        counters=np.zeros(K.N_COUNTERS, dtype=np.int64),
        req=np.empty((beam_size, 3), dtype=np.int64),
        has_child=np.empty(beam_size, dtype=np.bool_),
        tried=np.zeros(n_labels, dtype=np.int64),  # pass 0 never runs: nothing tried yet
        scratch=np.empty(slots),
        keep=np.empty(beam_size, dtype=np.int64),
    )


def reset(state: K.State, lm_start: int, hot_start: int, lex_on: bool) -> None:
    """Make the empty prefix the only beam, before any frame.

    Args:
        lm_start: LM state of the empty prefix.
        hot_start: hotword automaton state of the empty prefix.
        lex_on: whether a lexicon / vocabulary trie is tracked (root node 0, else -1).
    """
    root = state.nodes_i[0]
    root[K.PARENT] = root[K.TOKEN] = -1
    root[K.LM_STATE], root[K.WORD], root[K.LEX] = lm_start, 0, 0 if lex_on else -1
    root[K.HOT], root[K.PHASH], root[K.END_STATE] = hot_start, K.ROOT_HASH, K.UNKNOWN_END
    state.nodes_f[0] = 0.0
    counters = state.counters
    counters[K.N_NODES] = counters[K.N_BEAMS] = 1
    counters[K.N_REQ] = counters[K.NEXT_T] = 0  # PASS keeps counting: old lookup rows stay stale
    state.beam_node[0] = 0
    state.beam_p[0, K.PB], state.beam_p[0, K.PNB] = 0.0, -np.inf


def ensure_nodes(state: K.State, beam_size: int) -> K.State:
    """The same state with node storage doubled (at least ``beam_size`` free nodes)."""
    used = int(state.counters[K.N_NODES])
    cap = max(2 * len(state.nodes_i), used + 2 * beam_size)

    def grown(a: np.ndarray) -> np.ndarray:
        out = np.empty((cap, *a.shape[1:]), dtype=a.dtype)
        out[:used] = a[:used]
        return out

    return state._replace(nodes_i=grown(state.nodes_i), nodes_f=grown(state.nodes_f))


def word_before(state: K.State, node: int, labels: Sequence[str]) -> str:
    """The partial word spelled by the prefix ending at ``node`` (back to the last " ")."""
    chars = []
    while node > 0:
        label = labels[int(state.nodes_i[node, K.TOKEN])]
        if label == " ":
            break
        chars.append(label)
        node = int(state.nodes_i[node, K.PARENT])
    return "".join(reversed(chars))
