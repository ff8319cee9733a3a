"""Compiled (numba) frame loop of the CTC prefix beam search.

A beam is a node (one per surviving prefix; ``nodes_i`` columns below) with
its blank / non-blank log probabilities. A prefix is identified by a 64-bit
hash of its labels, so the candidates of a frame that spell the same prefix
are merged through a small per-frame hash table (a collision, about 2^-64
per pair, would merge two prefixes). Nodes are created only for prefixes that
survive a frame, and carry what depends on the prefix alone (``_scoring``).

Extensions are tried best label first and stop once even an optimistic score
(``Tables.bound``) cannot reach the current ``beam_size``-th best candidate:
pruning that never changes the result.

``run_frames`` returns to Python when it needs KenLM scores (``NEED_LM``,
requests in ``req``) or more node storage (``NEED_NODES``); Python answers
and calls again, and the interrupted frame is redone from its start.
Legend: T frames, V labels (0 = blank), B beam size.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from common.decoding._hashing import mix_char
from common.decoding._scoring import MISSING, OK, Tables, transition, utterance_end

PARENT, TOKEN, LM_STATE, WORD, LEX, HOT, PHASH = range(7)
NODE_COLS = 7
N_NODES, N_BEAMS, PASS, N_SLOTS, N_REQ, NEXT_T = range(6)
N_COUNTERS = 6
DONE, NEED_LM, NEED_NODES = 0, 1, 2
ROOT_HASH = 0x2545F4914F6CDD1D


class State(NamedTuple):
    """Mutable search arrays (Python replaces the node arrays to grow them)."""

    nodes_i: np.ndarray  # (cap, NODE_COLS) int64
    nodes_f: np.ndarray  # (cap,) float64 non-acoustic score of the prefix
    counters: np.ndarray  # (N_COUNTERS,) int64, indexed by N_NODES ... NEXT_T
    beam_node: np.ndarray  # (B,) int64
    beam_pb: np.ndarray  # (B,) ln P(prefix, path ends in blank)
    beam_pnb: np.ndarray  # (B,) ln P(prefix, path ends in its last label)
    c_node: np.ndarray  # (B * V,) candidate slots: node, -1 for a new prefix
    c_parent: np.ndarray  # parent node of a new prefix
    c_token: np.ndarray  # its last label
    c_pb: np.ndarray
    c_pnb: np.ndarray
    c_extra: np.ndarray  # non-acoustic score
    c_attr: np.ndarray  # (B * V, 5) int64: LM state, word hash, lexicon, hotword, prefix hash
    ht_key: np.ndarray  # (H,) per-frame prefix hash -> slot table, H a power of 2 >= 4B
    ht_slot: np.ndarray
    ht_pass: np.ndarray  # pass that wrote the entry (older entries count as empty)
    heap: np.ndarray  # (B,) min-heap of the best candidate scores so far
    req: np.ndarray  # (B, 3) int64: LM state, word hash, node ending the word


@nb.njit(cache=True, inline="always")
def _lse(a: float, b: float) -> float:
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    if a > b:
        return a + np.log1p(np.exp(b - a))
    return b + np.log1p(np.exp(a - b))


@nb.njit(cache=True)
def _find(st: State, key: int) -> int:
    """Slot of the prefix with hash ``key`` in this frame, or -1."""
    mask = st.ht_key.shape[0] - 1
    i = (key ^ (key >> 29)) & mask
    while st.ht_pass[i] == st.counters[PASS]:
        if st.ht_key[i] == key:
            return st.ht_slot[i]
        i = (i + 1) & mask
    return -1


@nb.njit(cache=True)
def _remember(st: State, key: int, slot: int) -> None:
    mask = st.ht_key.shape[0] - 1
    i = (key ^ (key >> 29)) & mask
    while st.ht_pass[i] == st.counters[PASS]:
        i = (i + 1) & mask
    st.ht_key[i], st.ht_slot[i], st.ht_pass[i] = key, slot, st.counters[PASS]


@nb.njit(cache=True, inline="always")
def _push(heap: np.ndarray, n: int, value: float) -> int:
    """Offer ``value`` to the bounded min-heap of size ``n``; returns the new size."""
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


@nb.njit(cache=True)
def _add_slot(st: State, node: int, pb: float, pnb: float, extra: float) -> int:
    """Claim the next candidate slot (``node`` -1: a prefix without a node yet)."""
    c = st.counters[N_SLOTS]
    st.c_node[c], st.c_pb[c], st.c_pnb[c], st.c_extra[c] = node, pb, pnb, extra
    st.counters[N_SLOTS] = c + 1
    return c


@nb.njit(cache=True)
def _request(st: State, i: int, lm: int, word: int, node: int) -> None:
    """Ask Python for the LM score of ``word`` after state ``lm`` (``node`` spells it)."""
    st.req[i, 0], st.req[i, 1], st.req[i, 2] = lm, word, node


@nb.njit(cache=True)
def _stays(lp: np.ndarray, t: int, st: State) -> int:
    """One slot per beam for its prefix staying the same; returns the heap size."""
    st.counters[PASS] += 1
    st.counters[N_SLOTS] = 0
    n_heap = 0
    for i in range(st.counters[N_BEAMS]):
        node, pb, pnb = st.beam_node[i], st.beam_pb[i], st.beam_pnb[i]
        last = st.nodes_i[node, TOKEN]
        stay_nb = pnb + lp[t, last] if last > 0 else -np.inf
        stay_b = _lse(pb, pnb) + lp[t, 0]
        c = _add_slot(st, node, stay_b, stay_nb, st.nodes_f[node])
        _remember(st, st.nodes_i[node, PHASH], c)
        n_heap = _push(st.heap, n_heap, _lse(stay_b, stay_nb) + st.nodes_f[node])
    return n_heap


@nb.njit(cache=True)
def _beam_order(st: State) -> tuple[np.ndarray, np.ndarray]:
    """Score of each beam, and whether another beam extends it by one label."""
    n = st.counters[N_BEAMS]
    totals = np.empty(n)
    has_child = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        node = st.beam_node[i]
        totals[i] = _lse(st.beam_pb[i], st.beam_pnb[i]) + st.nodes_f[node]
        parent = st.nodes_i[node, PARENT]
        if parent >= 0:
            p = _find(st, st.nodes_i[parent, PHASH])
            if p >= 0:
                has_child[p] = True  # stay slots are numbered like the beams
    return totals, has_child


@nb.njit(cache=True)
def _expand(lp: np.ndarray, t: int, toks: np.ndarray, tb: Tables, st: State) -> int:
    """Candidate slots of frame ``t``; returns the number of LM misses (0: frame complete).

    ``toks`` holds the frame's labels, best first.
    """
    n_heap = _stays(lp, t, st)
    full = st.heap.shape[0]
    misses = 0
    totals, has_child = _beam_order(st)
    for i in np.argsort(-totals):
        node, pb, pnb = st.beam_node[i], st.beam_pb[i], st.beam_pnb[i]
        last, extra = st.nodes_i[node, TOKEN], st.nodes_f[node]
        total = _lse(pb, pnb)
        for token in toks:
            add = (pb if token == last else total) + lp[t, token]
            key = mix_char(st.nodes_i[node, PHASH], token + 1)
            s = _find(st, key)
            if s >= 0:  # the extension is a prefix already in the beam: merge
                st.c_pnb[s] = _lse(st.c_pnb[s], add)
                continue
            if n_heap == full and total + lp[t, token] + extra + tb.bound[token] < st.heap[0]:
                if has_child[i]:
                    continue  # later labels may still be merges
                break  # labels come best first: nothing later can make it
            if add == -np.inf:
                continue
            attr = st.nodes_i[node]
            status, delta, lm, word, lex, hot = transition(
                tb, attr[LM_STATE], attr[WORD], attr[LEX], attr[HOT], token
            )
            if status == MISSING:
                _request(st, misses, lm, word, node)
                misses += 1
            elif status == OK and misses == 0:
                c = _add_slot(st, -1, -np.inf, add, extra + delta)
                st.c_parent[c], st.c_token[c] = node, token
                st.c_attr[c, 0], st.c_attr[c, 1], st.c_attr[c, 2] = lm, word, lex
                st.c_attr[c, 3], st.c_attr[c, 4] = hot, key
                n_heap = _push(st.heap, n_heap, add + extra + delta)
    return misses


@nb.njit(cache=True)
def _select(st: State, beam_size: int) -> np.ndarray:
    """Slots of the ``beam_size`` best candidates (impossible ones dropped)."""
    n = st.counters[N_SLOTS]
    score = np.empty(n)
    for c in range(n):
        score[c] = _lse(st.c_pb[c], st.c_pnb[c]) + st.c_extra[c]
    live = np.flatnonzero(score > -np.inf)
    if live.shape[0] <= beam_size:
        return live
    cut = np.partition(score[live], live.shape[0] - beam_size)[live.shape[0] - beam_size]
    keep = np.empty(beam_size, dtype=np.int64)
    k = 0
    for c in live:
        if score[c] > cut:
            keep[k] = c
            k += 1
    for c in live:
        if k < beam_size and score[c] == cut:
            keep[k] = c
            k += 1
    return keep


@nb.njit(cache=True)
def _commit(st: State, keep: np.ndarray) -> None:
    """Make the kept slots the new beams, creating nodes for new prefixes."""
    for j in range(keep.shape[0]):
        c = keep[j]
        node = st.c_node[c]
        if node < 0:
            node = st.counters[N_NODES]
            st.counters[N_NODES] = node + 1
            st.nodes_i[node, PARENT], st.nodes_i[node, TOKEN] = st.c_parent[c], st.c_token[c]
            st.nodes_i[node, LM_STATE : PHASH + 1] = st.c_attr[c]
            st.nodes_f[node] = st.c_extra[c]
        st.beam_node[j], st.beam_pb[j], st.beam_pnb[j] = node, st.c_pb[c], st.c_pnb[c]
    st.counters[N_BEAMS] = keep.shape[0]


@nb.njit(cache=True)
def _blank_frame(lp: np.ndarray, t: int, st: State) -> None:
    """A frame that is almost surely blank: every beam just absorbs it, no new prefixes."""
    for i in range(st.counters[N_BEAMS]):
        last = st.nodes_i[st.beam_node[i], TOKEN]
        pb, pnb = st.beam_pb[i], st.beam_pnb[i]
        st.beam_pb[i] = _lse(pb, pnb) + lp[t, 0]
        st.beam_pnb[i] = pnb + lp[t, last] if last > 0 else -np.inf


@nb.njit(cache=True, nogil=True)
def run_frames(
    lp: np.ndarray,
    tok_ptr: np.ndarray,
    tok_ids: np.ndarray,
    skip: np.ndarray,
    tb: Tables,
    st: State,
) -> int:
    """Advance the search from frame ``counters[NEXT_T]``; returns DONE, NEED_LM or NEED_NODES.

    Args:
        lp: (T, V) float32 log-probabilities.
        tok_ptr, tok_ids: CSR lists of the non-blank labels tried per frame, best first.
        skip: (T,) bool, frames handled by ``_blank_frame``.
    """
    beam_size = st.beam_node.shape[0]
    for t in range(st.counters[NEXT_T], lp.shape[0]):
        st.counters[NEXT_T] = t
        if skip[t]:
            _blank_frame(lp, t, st)
            continue
        if st.counters[N_NODES] + beam_size > st.nodes_i.shape[0]:
            return NEED_NODES
        misses = _expand(lp, t, tok_ids[tok_ptr[t] : tok_ptr[t + 1]], tb, st)
        if misses > 0:
            st.counters[N_REQ] = misses
            return NEED_LM
        _commit(st, _select(st, beam_size))
    st.counters[NEXT_T] = lp.shape[0]
    return DONE


@nb.njit(cache=True)
def finish(tb: Tables, st: State, extra: np.ndarray) -> int:
    """Score of each beam's ending into ``extra`` (-inf: not a valid ending).

    Returns the number of KenLM misses (requests in ``req``); call again once answered.
    """
    misses = 0
    for i in range(st.counters[N_BEAMS]):
        attr = st.nodes_i[st.beam_node[i]]
        status, delta, lm, word = utterance_end(
            tb, attr[LM_STATE], attr[WORD], attr[LEX], attr[HOT]
        )
        extra[i] = st.nodes_f[st.beam_node[i]] + delta if status == OK else -np.inf
        if status == MISSING:
            _request(st, misses, lm, word, st.beam_node[i])
            misses += 1
    st.counters[N_REQ] = misses
    return misses
