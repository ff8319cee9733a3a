"""Allocation and growth of the beam-search arrays (``_kernels.State``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from common.decoding import _kernels as K

_FIRST_FRAMES = 32  # node storage allocated up front, in frames' worth of new prefixes


def new_state(
    busy_frames: int, beam_size: int, n_labels: int, lm_start: int, hot_start: int, lex_on: bool
) -> K.State:
    """Arrays for one utterance: the root prefix as the only beam.

    Args:
        busy_frames: frames that are not blank-skipped (bounds the node count).
        beam_size: beams kept per frame.
        n_labels: V, blank included.
        lm_start: LM state of the empty prefix.
        hot_start: hotword automaton state of the empty prefix.
        lex_on: whether a lexicon / vocabulary trie is tracked (root node 0, else -1).
    """
    cap = 1 + beam_size * (min(busy_frames, _FIRST_FRAMES) + 1)
    ints = np.zeros((cap, K.NODE_COLS), dtype=np.int64)
    ints[0, K.PARENT] = ints[0, K.TOKEN] = -1
    ints[0, K.LM_STATE] = lm_start
    ints[0, K.LEX] = 0 if lex_on else -1
    ints[0, K.HOT] = hot_start
    ints[0, K.PHASH] = K.ROOT_HASH
    counters = np.zeros(K.N_COUNTERS, dtype=np.int64)
    counters[K.N_NODES] = counters[K.N_BEAMS] = 1
    slots = beam_size * n_labels
    table = 1 << (4 * beam_size).bit_length()  # power of 2 above 4B
    return K.State(
        nodes=K.Nodes(ints=ints, score=np.zeros(cap)),
        beams=K.Beams(
            node=np.zeros(beam_size, dtype=np.int64),
            pb=np.zeros(beam_size),
            pnb=np.full(beam_size, -np.inf),
        ),
        slots=K.Slots(
            node=np.zeros(slots, dtype=np.int64),
            parent=np.zeros(slots, dtype=np.int64),
            token=np.zeros(slots, dtype=np.int64),
            pb=np.zeros(slots),
            pnb=np.zeros(slots),
            extra=np.zeros(slots),
            attr=np.zeros((slots, 5), dtype=np.int64),
        ),
        lookup=K.Lookup(
            key=np.zeros(table, dtype=np.int64),
            slot=np.zeros(table, dtype=np.int64),
            stamp=np.zeros(table, dtype=np.int64),
        ),
        heap=np.zeros(beam_size),
        counters=counters,
        req=np.zeros((beam_size, 3), dtype=np.int64),
    )


def ensure_nodes(state: K.State, beam_size: int) -> K.State:
    """The same state with node storage doubled (at least ``beam_size`` free nodes)."""
    used = int(state.counters[K.N_NODES])
    cap = max(2 * len(state.nodes.score), used + 2 * beam_size)

    def grown(a: np.ndarray) -> np.ndarray:
        out = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
        out[:used] = a[:used]
        return out

    return state._replace(nodes=K.Nodes(grown(state.nodes.ints), grown(state.nodes.score)))


def word_before(state: K.State, node: int, labels: Sequence[str]) -> str:
    """The partial word spelled by the prefix ending at ``node`` (back to the last " ")."""
    chars = []
    while node > 0:
        label = labels[int(state.nodes.ints[node, K.TOKEN])]
        if label == " ":
            break
        chars.append(label)
        node = int(state.nodes.ints[node, K.PARENT])
    return "".join(reversed(chars))
