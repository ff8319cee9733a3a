"""Compiled (numba) frame loop of the CTC prefix beam search.

A beam is a node (one per surviving prefix; ``Nodes.ints`` columns below) with
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
from common.decoding._scoring import (
    LEX_HARD,
    LEX_OFF,
    LM_NONE,
    MISSING,
    OK,
    Tables,
    utterance_end,
    word_end,
)

PARENT, TOKEN, LM_STATE, WORD, LEX, HOT, PHASH = range(7)
NODE_COLS = 7
N_NODES, N_BEAMS, PASS, N_SLOTS, N_REQ, NEXT_T = range(6)
N_COUNTERS = 6
DONE, NEED_LM, NEED_NODES = 0, 1, 2
ROOT_HASH = 0x2545F4914F6CDD1D


class Nodes(NamedTuple):
    ints: np.ndarray  # (cap, NODE_COLS) int64
    score: np.ndarray  # (cap,) float64 non-acoustic score of the prefix


class Beams(NamedTuple):
    node: np.ndarray  # (B,) int64
    pb: np.ndarray  # (B,) ln P(prefix, path ends in blank)
    pnb: np.ndarray  # (B,) ln P(prefix, path ends in its last label)


class Slots(NamedTuple):
    """Candidates of one frame, (B * V,) each."""

    node: np.ndarray  # node of the prefix, -1 for a new prefix
    parent: np.ndarray  # parent node of a new prefix
    token: np.ndarray  # its last label
    pb: np.ndarray
    pnb: np.ndarray
    extra: np.ndarray  # non-acoustic score
    attr: np.ndarray  # (B * V, 5) int64: LM state, word hash, trie node, hotword, prefix hash


class Lookup(NamedTuple):
    """Per-frame prefix hash -> slot table; entries from older passes count as empty."""

    key: np.ndarray  # (H,) int64, H a power of 2 >= 4B
    slot: np.ndarray
    stamp: np.ndarray


class State(NamedTuple):
    """Mutable search arrays (Python replaces the node arrays to grow them)."""

    nodes: Nodes
    beams: Beams
    slots: Slots
    lookup: Lookup
    heap: np.ndarray  # (B,) min-heap of the best candidate scores so far
    counters: np.ndarray  # (N_COUNTERS,) int64, indexed by N_NODES ... NEXT_T
    req: np.ndarray  # (B, 3) int64 KenLM requests: LM state, word hash, node ending the word


@nb.njit(cache=True, inline="always")
def _lse(a: float, b: float) -> float:
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    if a > b:
        return a + np.log1p(np.exp(b - a))
    return b + np.log1p(np.exp(a - b))


@nb.njit(cache=True, inline="always")
def _find(keys: np.ndarray, slots: np.ndarray, stamps: np.ndarray, now: int, key: int) -> int:
    """Slot of the prefix with hash ``key`` in pass ``now``, or -1."""
    mask = keys.shape[0] - 1
    i = (key ^ (key >> 29)) & mask
    while stamps[i] == now:
        if keys[i] == key:
            return slots[i]
        i = (i + 1) & mask
    return -1


@nb.njit(cache=True, inline="always")
def _remember(
    keys: np.ndarray, slots: np.ndarray, stamps: np.ndarray, now: int, key: int, slot: int
) -> None:
    """Record that the prefix with hash ``key`` has candidate ``slot`` in pass ``now``."""
    mask = keys.shape[0] - 1
    i = (key ^ (key >> 29)) & mask
    while stamps[i] == now:
        i = (i + 1) & mask
    keys[i], slots[i], stamps[i] = key, slot, now


@nb.njit(cache=True, inline="always")
def _trie_child(
    start: np.ndarray, tok: np.ndarray, child: np.ndarray, node: int, token: int
) -> int:
    """Child of trie ``node`` by ``token``, or -1 (also for node -1)."""
    if node < 0:
        return -1
    for e in range(start[node], start[node + 1]):
        if tok[e] == token:
            return child[e]
    return -1


@nb.njit(cache=True, inline="always")
def _request(req: np.ndarray, counters: np.ndarray, state: int, word: int, node: int) -> None:
    """Ask Python for the KenLM score of ``word`` after ``state`` (``node`` spells the word)."""
    i = counters[N_REQ]
    req[i, 0], req[i, 1], req[i, 2] = state, word, node
    counters[N_REQ] = i + 1


@nb.njit(cache=True, inline="always")
def _push(heap: np.ndarray, n: int, value: float) -> int:
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


@nb.njit(cache=True)
def _stays(lp: np.ndarray, t: int, st: State) -> int:
    """One slot per beam for its prefix staying the same; returns the heap count."""
    ints, nscore = st.nodes
    s_node, _, _, s_pb, s_pnb, s_extra, _ = st.slots
    keys, slots, stamps = st.lookup
    now, n_heap = st.counters[PASS], 0
    for i in range(st.counters[N_BEAMS]):
        node, pb, pnb = st.beams.node[i], st.beams.pb[i], st.beams.pnb[i]
        last = ints[node, TOKEN]
        s_node[i], s_extra[i] = node, nscore[node]
        s_pnb[i] = pnb + lp[t, last] if last > 0 else -np.inf
        s_pb[i] = _lse(pb, pnb) + lp[t, 0]
        _remember(keys, slots, stamps, now, ints[node, PHASH], i)
        n_heap = _push(st.heap, n_heap, _lse(s_pb[i], s_pnb[i]) + nscore[node])
    st.counters[N_SLOTS] = st.counters[N_BEAMS]
    return n_heap


@nb.njit(cache=True)
def _beam_order(st: State) -> tuple[np.ndarray, np.ndarray]:
    """Beams best first, and whether another beam extends each by one label."""
    ints, nscore = st.nodes
    keys, slots, stamps = st.lookup
    beams, n, now = st.beams, st.counters[N_BEAMS], st.counters[PASS]
    totals = np.empty(n)
    has_child = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        node = beams.node[i]
        totals[i] = _lse(beams.pb[i], beams.pnb[i]) + nscore[node]
        parent = ints[node, PARENT]
        if parent >= 0:
            p = _find(keys, slots, stamps, now, ints[parent, PHASH])
            if p >= 0:
                has_child[p] = True  # stay slots are numbered like the beams
    return np.argsort(-totals), has_child


@nb.njit(cache=True)
def _expand(lp: np.ndarray, t: int, toks: np.ndarray, tb: Tables, st: State) -> int:
    """Candidate slots of frame ``t``; returns the number of KenLM misses (0: complete).

    ``toks`` holds the frame's labels, best first.
    """
    st.counters[PASS] += 1
    n_heap = _stays(lp, t, st)
    order, has_child = _beam_order(st)
    _extend_beams(lp, t, toks, order, has_child, n_heap, tb, st)
    return st.counters[N_REQ]


@nb.njit(cache=True)
def _separator(tb: Tables, st: State, node: int) -> tuple[int, float, int, int]:
    """Word separator after prefix ``node``: (status, delta, LM state, trie node).

    Completes the partial word (lexicon check, word LM); a KenLM miss is requested.
    """
    state, word, trie = st.nodes.ints[node, LM_STATE], st.nodes.ints[node, WORD], -1
    delta = 0.0
    if word != 0 and (tb.lexicon.mode != LEX_OFF or tb.word_lm.kind != LM_NONE):
        status, delta, state = word_end(
            tb.lexicon, tb.word_lm, state, word, st.nodes.ints[node, LEX]
        )
        if status == MISSING:
            _request(st.req, st.counters, state, word, node)
        if status != OK:
            return status, 0.0, state, trie
    return OK, delta, state, 0 if tb.lexicon.mode != LEX_OFF else -1


@nb.njit(cache=True)
def _extend_beams(
    lp: np.ndarray,
    t: int,
    toks: np.ndarray,
    order: np.ndarray,
    has_child: np.ndarray,
    n_heap: int,
    tb: Tables,
    st: State,
) -> None:
    """Candidates extending each beam (best first) by the frame's labels (best first).

    Arrays are taken out of their groups once, here: numba reference-counts every
    array passed to a call, which per label would cost more than the work itself.
    """
    ints, nscore = st.nodes
    b_node, b_pb, b_pnb = st.beams
    lk_key, lk_slot, lk_stamp = st.lookup
    s_node, s_parent, s_token, s_pb, s_pnb, s_extra, s_attr = st.slots
    heap, (sep, codes, bound) = st.heap, tb.labels
    lex_mode, lex_penalty, lex_start, lex_tok, lex_child, _, _ = tb.lexicon
    char_on, char_alpha, char_beta, char_logp, char_next, _ = tb.char_lm
    hot_next, hot_delta, _ = tb.hotwords
    now, full, n_slots = st.counters[PASS], heap.shape[0], st.counters[N_SLOTS]
    for i in order:
        node, pb, pnb = b_node[i], b_pb[i], b_pnb[i]
        extra, total, last, phash = (
            nscore[node],
            _lse(pb, pnb),
            ints[node, TOKEN],
            ints[node, PHASH],
        )
        for k in range(toks.shape[0]):
            token = toks[k]
            add = (pb if token == last else total) + lp[t, token]
            key = mix_char(phash, token + 1)
            s = _find(lk_key, lk_slot, lk_stamp, now, key)
            if s >= 0:  # the extension is a prefix already in the beam: merge
                s_pnb[s] = _lse(s_pnb[s], add)
                continue
            if n_heap == full and total + lp[t, token] + extra + bound[token] < heap[0]:
                if has_child[i]:
                    continue  # later labels may still be merges
                break  # labels come best first: no later one can make it
            if add == -np.inf:
                continue
            state, word, trie, hw = (
                ints[node, LM_STATE],
                ints[node, WORD],
                ints[node, LEX],
                ints[node, HOT],
            )
            delta = hot_delta[hw, token]
            if token == sep:
                status, d, state, trie = _separator(tb, st, node)
                if status != OK:
                    continue
                word, delta = 0, delta + d
            else:
                word = mix_char(word, codes[token])
                if lex_mode != LEX_OFF:
                    nxt = _trie_child(lex_start, lex_tok, lex_child, trie, token)
                    if nxt < 0 and lex_mode == LEX_HARD:
                        continue
                    if nxt < 0 and trie >= 0:
                        delta += lex_penalty  # the partial word just left the vocabulary
                    trie = nxt
            if char_on:
                delta += char_alpha * char_logp[state, token] + char_beta
                state = char_next[state, token]
            if st.counters[N_REQ] > 0:
                continue  # the frame is redone once the LM answered: no slots needed
            s_node[n_slots], s_parent[n_slots], s_token[n_slots] = -1, node, token
            s_pb[n_slots], s_pnb[n_slots], s_extra[n_slots] = -np.inf, add, extra + delta
            s_attr[n_slots, 0], s_attr[n_slots, 1], s_attr[n_slots, 2] = state, word, trie
            s_attr[n_slots, 3], s_attr[n_slots, 4] = hot_next[hw, token], key
            n_heap = _push(heap, n_heap, add + extra + delta)
            n_slots += 1
    st.counters[N_SLOTS] = n_slots


@nb.njit(cache=True)
def _select(slots: Slots, n: int, beam_size: int) -> np.ndarray:
    """Slots of the ``beam_size`` best of ``n`` candidates (impossible ones dropped)."""
    score = np.empty(n)
    for c in range(n):
        score[c] = _lse(slots.pb[c], slots.pnb[c]) + slots.extra[c]
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
    nodes, beams, slots = st.nodes, st.beams, st.slots
    for j in range(keep.shape[0]):
        c = keep[j]
        node = slots.node[c]
        if node < 0:
            node = st.counters[N_NODES]
            st.counters[N_NODES] = node + 1
            nodes.ints[node, PARENT], nodes.ints[node, TOKEN] = slots.parent[c], slots.token[c]
            nodes.ints[node, LM_STATE : PHASH + 1] = slots.attr[c]
            nodes.score[node] = slots.extra[c]
        beams.node[j], beams.pb[j], beams.pnb[j] = node, slots.pb[c], slots.pnb[c]
    st.counters[N_BEAMS] = keep.shape[0]


@nb.njit(cache=True)
def _blank_frame(lp: np.ndarray, t: int, nodes: Nodes, beams: Beams, n: int) -> None:
    """A frame that is almost surely blank: every beam just absorbs it, no new prefixes."""
    for i in range(n):
        last = nodes.ints[beams.node[i], TOKEN]
        pb, pnb = beams.pb[i], beams.pnb[i]
        beams.pb[i] = _lse(pb, pnb) + lp[t, 0]
        beams.pnb[i] = pnb + lp[t, last] if last > 0 else -np.inf


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
    beam_size = st.beams.node.shape[0]
    for t in range(st.counters[NEXT_T], lp.shape[0]):
        st.counters[NEXT_T] = t
        if skip[t]:
            _blank_frame(lp, t, st.nodes, st.beams, st.counters[N_BEAMS])
            continue
        if st.counters[N_NODES] + beam_size > st.nodes.ints.shape[0]:
            return NEED_NODES
        st.counters[N_REQ] = 0
        if _expand(lp, t, tok_ids[tok_ptr[t] : tok_ptr[t + 1]], tb, st) > 0:
            return NEED_LM
        _commit(st, _select(st.slots, st.counters[N_SLOTS], beam_size))
    st.counters[NEXT_T] = lp.shape[0]
    return DONE


@nb.njit(cache=True)
def finish(tb: Tables, st: State, extra: np.ndarray) -> int:
    """Score of each beam's ending into ``extra`` (-inf: not a valid ending).

    Returns the number of KenLM misses (requests in ``req``); call again once answered.
    """
    st.counters[N_REQ] = 0
    for i in range(st.counters[N_BEAMS]):
        node = st.beams.node[i]
        row = st.nodes.ints[node]
        status, delta, lm, word = utterance_end(tb, row[LM_STATE], row[WORD], row[LEX], row[HOT])
        extra[i] = st.nodes.score[node] + delta if status == OK else -np.inf
        if status == MISSING:
            _request(st.req, st.counters, lm, word, node)
    return st.counters[N_REQ]
