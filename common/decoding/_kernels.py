"""Compiled (numba) frame loop of the CTC prefix beam search.

A beam is a node (one per surviving prefix; ``nodes_i`` columns below) with
its blank / non-blank log probabilities. A prefix is identified by a 64-bit
hash of its labels, so the candidates of a frame that spell the same prefix
are merged (probabilities summed, or the best kept: ``Pruning.viterbi``)
through a small per-frame hash table (a collision, about 2^-64
per pair, would merge two prefixes). Nodes are created only for prefixes that
survive a frame, and carry what depends on the prefix alone (``_scoring``).

Extensions are tried best label first and stop once even an optimistic score
(``LabelTables.bound``) cannot reach the current ``beam_size``-th best
candidate: pruning that never changes the result.

``search`` returns to Python when it needs KenLM scores (``NEED_LM``,
requests in ``req``) or more node storage (``NEED_NODES``); Python answers
and calls again, and the interrupted frame (or ending) is redone from its start.

Performance note: numba reference-counts an array (an atomic update) each time
it is taken out of a tuple or handed to a call. So the state is a few packed
2-D arrays unpacked once per frame, helpers called per label take plain arrays
and are small enough for LLVM to inline, and the per-label work of a frame is
written out in one loop (``_extend``).
Legend: T frames, V labels (0 = blank), B beam size.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from common.decoding._frame_ops import (
    find_slot,
    frame_labels,
    heap_push,
    merge,
    remember_slot,
    trie_child,
)
from common.decoding._hashing import EOS_WORD, mix_char, table_find, table_key
from common.decoding._jit import kernels
from common.decoding._scoring import (
    INVALID,
    LEX_HARD,
    LEX_OFF,
    LM_ARPA,
    LM_KENLM,
    LM_NONE,
    MISSING,
    LexiconTables,
    Tables,
    WordLMTables,
    word_end,
)
from common.decoding.align import token_spans

PARENT, TOKEN, LM_STATE, WORD, LEX, HOT, PHASH, END_STATE = range(8)  # nodes_i columns
NODE_COLS = 8
SCORE, END_SCORE = 0, 1  # nodes_f columns: non-acoustic score, its change if the word ends
S_NODE, S_PARENT, S_TOKEN = 0, 1, 2  # slot_i columns; 3..7 hold LM_STATE..PHASH
SLOT_COLS, S_ATTR = 8, 3
PB, PNB, EXTRA, TOTAL = 0, 1, 2, 3  # slot_f columns: ln P(ends in blank / label),
# non-acoustic score and total score (ln P(prefix) + EXTRA); beam_p has PB, PNB, P_ALL
P_ALL = 2  # beam_p column: ln P(prefix), set per frame
N_NODES, N_BEAMS, PASS, N_REQ, NEXT_T = range(5)
N_COUNTERS = 5
UNKNOWN_END, INVALID_END = -2, -3  # END_STATE before it is computed / for a non-word
DONE, NEED_LM, NEED_NODES = 0, 1, 2
ROOT_HASH = 0x2545F4914F6CDD1D


class Pruning(NamedTuple):
    """Per-frame label pruning (see ``CTCBeamDecoder``)."""

    topk: int  # labels tried per frame, 0 = no limit
    min_logp: float  # labels below this log-prob are not tried (the best always is)
    skip_logp: float  # frames whose blank log-prob is above this only absorb blank
    threshold: float  # candidates scoring this far below the frame's best are dropped
    viterbi: bool  # merge a prefix's alignments by max (best path) instead of by sum


class State(NamedTuple):
    """Mutable search arrays (Python replaces the node arrays to grow them)."""

    nodes_i: np.ndarray  # (cap, NODE_COLS) int64
    nodes_f: np.ndarray  # (cap, 2) float64
    beam_node: np.ndarray  # (B,) int64
    beam_p: np.ndarray  # (B, 3) float64: PB, PNB, P_ALL
    slot_i: np.ndarray  # (B * V, SLOT_COLS) int64 candidates of a frame
    slot_f: np.ndarray  # (B * V, 4) float64: PB, PNB, EXTRA, TOTAL
    lookup: np.ndarray  # (H, 3) int64 prefix hash -> slot, H a power of 2 >= 4B
    heap: np.ndarray  # (B,) float64 min-heap of the best candidate scores so far
    labels: np.ndarray  # (V,) int64 the frame's labels, best first
    counters: np.ndarray  # (N_COUNTERS,) int64
    req: np.ndarray  # (B, 3) int64 KenLM requests: LM state, word hash, node spelling it
    has_child: np.ndarray  # (B,) bool scratch: another beam extends this one
    tried: np.ndarray  # (V,) int64: the pass in which each label was last tried
    scratch: np.ndarray  # (B * V,) float64 scratch: candidate scores
    keep: np.ndarray  # (B,) int64 scratch: slots that survive the frame


@nb.njit(cache=True)
def _blank_frame(
    lp: np.ndarray,
    t: int,
    nodes_i: np.ndarray,
    beam_node: np.ndarray,
    beam_p: np.ndarray,
    n: int,
    viterbi: bool,
) -> None:
    """A frame that is almost surely blank: every beam just absorbs it, no new prefixes."""
    for i in range(n):
        last = nodes_i[beam_node[i], TOKEN]
        pb, pnb = beam_p[i, PB], beam_p[i, PNB]
        beam_p[i, PB] = merge(pb, pnb, viterbi) + lp[t, 0]
        beam_p[i, PNB] = pnb + lp[t, last] if last > 0 else -np.inf


@nb.njit(cache=True)
def _stays(lp: np.ndarray, t: int, st: State, viterbi: bool) -> None:
    """Slot i holds beam i's prefix staying the same (blank, or its last label repeated)."""
    nodes_i, nodes_f, beam_node, beam_p = st.nodes_i, st.nodes_f, st.beam_node, st.beam_p
    slot_i, slot_f, lookup, now = st.slot_i, st.slot_f, st.lookup, st.counters[PASS]
    for i in range(st.counters[N_BEAMS]):
        node, pb, pnb = beam_node[i], beam_p[i, PB], beam_p[i, PNB]
        last = nodes_i[node, TOKEN]
        beam_p[i, P_ALL] = merge(pb, pnb, viterbi)
        slot_i[i, S_NODE] = node
        slot_f[i, PB] = beam_p[i, P_ALL] + lp[t, 0]
        slot_f[i, PNB] = pnb + lp[t, last] if last > 0 else -np.inf
        slot_f[i, EXTRA] = nodes_f[node, SCORE]
        remember_slot(lookup, now, nodes_i[node, PHASH], i)


@nb.njit(cache=True)
def _merge_children(lp: np.ndarray, t: int, st: State, viterbi: bool) -> np.ndarray:
    """Add to each beam's stay slot the paths that reach it from its parent beam this frame.

    Beam j's prefix is its parent's plus one label, so when the parent is also a beam
    that extension is a merge, done here whatever the pruning (for labels the frame
    tries). Returns (B,) bool: beam i has such a child (its extensions can hit a beam).
    """
    nodes_i, beam_node, beam_p, slot_f = st.nodes_i, st.beam_node, st.beam_p, st.slot_f
    lookup, tried, has_child = st.lookup, st.tried, st.has_child
    n, now = st.counters[N_BEAMS], st.counters[PASS]
    has_child[:n] = False
    for j in range(n):
        parent, label = nodes_i[beam_node[j], PARENT], nodes_i[beam_node[j], TOKEN]
        if parent < 0:
            continue
        p = find_slot(lookup, now, nodes_i[parent, PHASH])
        if p < 0:
            continue
        has_child[p] = True  # stay slots are numbered like the beams
        if tried[label] == now:
            same = label == nodes_i[beam_node[p], TOKEN]  # a repeat needs a blank between
            add = (beam_p[p, PB] if same else beam_p[p, P_ALL]) + lp[t, label]
            slot_f[j, PNB] = merge(slot_f[j, PNB], add, viterbi)
    return has_child


@nb.njit(cache=True)
def _push_stays(st: State, viterbi: bool) -> tuple[int, float]:
    """Total scores of the stay slots, offered to the heap; returns (heap count, best)."""
    slot_f, heap, n_heap, best = st.slot_f, st.heap, 0, -np.inf
    for i in range(st.counters[N_BEAMS]):
        slot_f[i, TOTAL] = merge(slot_f[i, PB], slot_f[i, PNB], viterbi) + slot_f[i, EXTRA]
        n_heap = heap_push(heap, n_heap, slot_f[i, TOTAL])
        best = max(best, slot_f[i, TOTAL])
    return n_heap, best


@nb.njit(cache=True)
def _complete_word(
    lex: LexiconTables,
    word_lm: WordLMTables,
    nodes_i: np.ndarray,
    nodes_f: np.ndarray,
    req: np.ndarray,
    counters: np.ndarray,
    node: int,
) -> None:
    """Score the partial word of prefix ``node`` as complete, into its END_ columns.

    Kept on the node because a beam tries the separator on every frame; a KenLM miss
    is requested from Python instead (END_STATE stays unknown).
    """
    state, word = nodes_i[node, LM_STATE], nodes_i[node, WORD]
    status, delta, state = word_end(lex, word_lm, state, word, nodes_i[node, LEX])
    if status == MISSING:
        i = counters[N_REQ]
        req[i, 0], req[i, 1], req[i, 2] = state, word, node
        counters[N_REQ] = i + 1
    elif status == INVALID:
        nodes_i[node, END_STATE] = INVALID_END
    else:
        nodes_i[node, END_STATE], nodes_f[node, END_SCORE] = state, delta


@nb.njit(cache=True)
def _extend(
    lp: np.ndarray, t: int, n_labels: int, prune: Pruning, tb: Tables, st: State
) -> tuple[int, float]:
    """Candidates extending each beam by the frame's labels (best first).

    Returns the number of candidate slots (the beams' stay slots included) and the
    best candidate score.
    """
    nodes_i, nodes_f, beam_node, beam_p = st.nodes_i, st.nodes_f, st.beam_node, st.beam_p
    slot_i, slot_f, lookup, heap = st.slot_i, st.slot_f, st.lookup, st.heap
    labels, counters = st.labels, st.counters
    (sep, codes, bound), lex, char, hot = tb.labels, tb.lexicon, tb.char_lm, tb.hotwords
    lex_mode, lex_penalty, lex_start, lex_tok, lex_child, _, _ = lex
    char_on, char_alpha, char_beta, char_logp, char_next, _ = char
    hot_next, hot_delta, _ = hot
    word_level = lex_mode != LEX_OFF or tb.word_lm.kind != LM_NONE
    threshold, viterbi = prune.threshold, prune.viterbi
    _stays(lp, t, st, viterbi)
    has_child = _merge_children(lp, t, st, viterbi)
    n_heap, best = _push_stays(st, viterbi)
    now, full, n_slots = counters[PASS], heap.shape[0], counters[N_BEAMS]
    for i in range(n_slots):
        node, pb, total = beam_node[i], beam_p[i, PB], beam_p[i, P_ALL]
        last, phash, extra = nodes_i[node, TOKEN], nodes_i[node, PHASH], nodes_f[node, SCORE]
        for k in range(n_labels):
            label = labels[k]
            hope = total + lp[t, label] + extra + bound[label]  # no candidate does better
            if hope < best - threshold or (n_heap == full and hope < heap[0]):
                break  # labels come best first: no later one can make it
            key = mix_char(phash, label + 1)
            if has_child[i] and find_slot(lookup, now, key) >= 0:
                continue  # a beam already: merged by _merge_children
            add = (pb if label == last else total) + lp[t, label]
            if add == -np.inf:
                continue
            state, word, trie, hw = nodes_i[node, LM_STATE : HOT + 1]
            delta = hot_delta[hw, label]
            if label == sep:
                if word != 0 and word_level:
                    if nodes_i[node, END_STATE] == UNKNOWN_END:
                        _complete_word(lex, tb.word_lm, nodes_i, nodes_f, st.req, counters, node)
                    if nodes_i[node, END_STATE] < 0:
                        continue  # not a word, or the LM score is being asked for
                    state, delta = nodes_i[node, END_STATE], delta + nodes_f[node, END_SCORE]
                word, trie = 0, 0 if lex_mode != LEX_OFF else -1
            else:
                word = mix_char(word, codes[label])
                if lex_mode != LEX_OFF:
                    nxt = trie_child(lex_start, lex_tok, lex_child, trie, label)
                    if nxt < 0 and lex_mode == LEX_HARD:
                        continue
                    if nxt < 0 and trie >= 0:
                        delta += lex_penalty  # the partial word just left the vocabulary
                    trie = nxt
            if char_on:
                delta += char_alpha * char_logp[state, label] + char_beta
                state = char_next[state, label]
            if counters[N_REQ] > 0:
                continue  # after a KenLM miss the frame is redone: no slots needed
            slot_i[n_slots, S_NODE], slot_i[n_slots, S_PARENT] = -1, node
            slot_i[n_slots, S_TOKEN], slot_i[n_slots, S_ATTR + 4] = label, key
            slot_i[n_slots, S_ATTR], slot_i[n_slots, S_ATTR + 1] = state, word
            slot_i[n_slots, S_ATTR + 2], slot_i[n_slots, S_ATTR + 3] = trie, hot_next[hw, label]
            slot_f[n_slots, PB], slot_f[n_slots, PNB] = -np.inf, add
            slot_f[n_slots, EXTRA], slot_f[n_slots, TOTAL] = extra + delta, add + extra + delta
            n_heap = heap_push(heap, n_heap, slot_f[n_slots, TOTAL])
            best = max(best, slot_f[n_slots, TOTAL])
            n_slots += 1
    return n_slots, best


@nb.njit(cache=True)
def _kth_largest(values: np.ndarray, n: int, k: int) -> float:
    """The k-th largest of ``values[:n]`` (1-based k <= n); reorders ``values``."""
    lo, hi, target = 0, n - 1, k - 1
    while lo < hi:  # Hoare quickselect, descending
        pivot = values[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:
            while values[i] > pivot:
                i += 1
            while values[j] < pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i, j = i + 1, j - 1
        if target <= j:
            hi = j
        elif target >= i:
            lo = i
        else:
            break
    return values[target]


@nb.njit(cache=True)
def _select(slot_f: np.ndarray, n: int, floor: float, scratch: np.ndarray, keep: np.ndarray) -> int:
    """Write the slots of the ``len(keep)`` best of ``n`` candidates scoring at least ``floor``
    into ``keep``; returns how many (``scratch`` holds at least ``n`` values)."""
    live = 0
    for c in range(n):
        score = slot_f[c, TOTAL]
        if score > -np.inf and score >= floor:
            scratch[live] = score
            live += 1
    cut = _kth_largest(scratch, live, keep.shape[0]) if live > keep.shape[0] else -np.inf
    k = 0
    for c in range(n):
        if slot_f[c, TOTAL] > cut and slot_f[c, TOTAL] >= floor:
            keep[k] = c
            k += 1
    for c in range(n):
        if k < keep.shape[0] and slot_f[c, TOTAL] == cut:
            keep[k] = c
            k += 1
    return k


@nb.njit(cache=True)
def _commit(st: State, keep: np.ndarray, n_keep: int) -> None:
    """Make the kept slots the new beams, creating nodes for new prefixes."""
    nodes_i, nodes_f, beam_node, beam_p = st.nodes_i, st.nodes_f, st.beam_node, st.beam_p
    slot_i, slot_f, counters = st.slot_i, st.slot_f, st.counters
    for j in range(n_keep):
        c = keep[j]
        node = slot_i[c, S_NODE]
        if node < 0:
            node = counters[N_NODES]
            counters[N_NODES] = node + 1
            nodes_i[node, PARENT], nodes_i[node, TOKEN] = slot_i[c, S_PARENT], slot_i[c, S_TOKEN]
            nodes_i[node, LM_STATE : PHASH + 1] = slot_i[c, S_ATTR : S_ATTR + 5]
            nodes_i[node, END_STATE] = UNKNOWN_END
            nodes_f[node, SCORE] = slot_f[c, EXTRA]
        beam_node[j], beam_p[j, PB], beam_p[j, PNB] = node, slot_f[c, PB], slot_f[c, PNB]
    counters[N_BEAMS] = n_keep


@nb.njit(cache=True)
def _run_frames(lp: np.ndarray, prune: Pruning, tb: Tables, st: State) -> int:
    """Advance the search from frame ``counters[NEXT_T]``; returns DONE, NEED_LM or NEED_NODES."""
    nodes_i, beam_node, beam_p, slot_f = st.nodes_i, st.beam_node, st.beam_p, st.slot_f
    labels, counters = st.labels, st.counters
    beam_size = beam_node.shape[0]
    for t in range(counters[NEXT_T], lp.shape[0]):
        counters[NEXT_T] = t
        if lp[t, 0] > prune.skip_logp:
            _blank_frame(lp, t, nodes_i, beam_node, beam_p, counters[N_BEAMS], prune.viterbi)
            continue
        if counters[N_NODES] + beam_size > nodes_i.shape[0]:
            return NEED_NODES
        counters[PASS] += 1
        counters[N_REQ] = 0
        n_labels = frame_labels(lp, t, prune.topk, prune.min_logp, labels)
        for k in range(n_labels):
            st.tried[labels[k]] = counters[PASS]
        n_slots, best = _extend(lp, t, n_labels, prune, tb, st)
        if counters[N_REQ] > 0:
            return NEED_LM
        n_keep = _select(slot_f, n_slots, best - prune.threshold, st.scratch, st.keep)
        _commit(st, st.keep, n_keep)
    counters[NEXT_T] = lp.shape[0]
    return DONE


@nb.njit(cache=True)
def _finish(tb: Tables, st: State, extra: np.ndarray) -> int:
    """Score of each beam's ending into ``extra`` (-inf: not a valid ending); DONE or NEED_LM.

    The partial word is completed (cached on its node like a separator), then </s>
    is scored and pending hotword boosts are settled.
    """
    nodes_i, nodes_f, beam_node, counters, req = (
        st.nodes_i, st.nodes_f, st.beam_node, st.counters, st.req
    )  # fmt: skip
    wl_kind, wl_alpha, _, wl_keys, wl_logp, _, _, _, _, _, wl_eos, _ = tb.word_lm
    char_on, char_alpha, _, _, _, char_eos = tb.char_lm
    word_level = tb.lexicon.mode != LEX_OFF or wl_kind != LM_NONE
    counters[N_REQ] = 0
    for i in range(counters[N_BEAMS]):
        node = beam_node[i]
        state = nodes_i[node, LM_STATE]
        extra[i] = nodes_f[node, SCORE] + tb.hotwords.final[nodes_i[node, HOT]]
        if word_level and nodes_i[node, WORD] != 0:
            if nodes_i[node, END_STATE] == UNKNOWN_END:
                _complete_word(tb.lexicon, tb.word_lm, nodes_i, nodes_f, req, counters, node)
            if nodes_i[node, END_STATE] < 0:  # not a word, or its LM score is being asked for
                extra[i] = -np.inf
                continue
            state, extra[i] = nodes_i[node, END_STATE], extra[i] + nodes_f[node, END_SCORE]
        if char_on:
            extra[i] += char_alpha * char_eos[state]
        elif wl_kind == LM_ARPA:
            extra[i] += wl_alpha * wl_eos[state]
        elif wl_kind == LM_KENLM:
            j = table_find(wl_keys, table_key(state, EOS_WORD))
            if j < 0:
                k = counters[N_REQ]
                req[k, 0], req[k, 1], req[k, 2] = state, EOS_WORD, node
                counters[N_REQ] = k + 1
                extra[i] = -np.inf
            else:
                extra[i] += wl_alpha * wl_logp[j]
    return NEED_LM if counters[N_REQ] > 0 else DONE


def search(lp: np.ndarray, prune: Pruning, tb: Tables, st: State, extra: np.ndarray) -> int:
    """Run (or resume) the search over all frames, then score the endings into ``extra``.

    The first call of a process says on stderr when the kernels must be compiled
    (cold cache) rather than loaded (``_jit.kernels``).

    Args:
        lp: (T, V) float32 log-probabilities.
        prune: label pruning and blank skipping.
        extra: (B,) receives each final beam's non-acoustic score (-inf: invalid ending).

    Returns:
        DONE, or NEED_LM / NEED_NODES: answer (``req``) or grow the nodes and call again.
    """
    if kernels.ready:
        return _search(lp, prune, tb, st, extra)
    kernels.announce()
    status = _search(lp, prune, tb, st, extra)
    kernels.mark_ready()
    return status


@nb.njit(cache=True, nogil=True)
def _search(lp: np.ndarray, prune: Pruning, tb: Tables, st: State, extra: np.ndarray) -> int:
    status = _run_frames(lp, prune, tb, st)
    return _finish(tb, st, extra) if status == DONE else status


@nb.njit(cache=True)
def final_path(lp: np.ndarray, nodes_i: np.ndarray, node: int) -> tuple[np.ndarray, ...]:
    """(labels, first frames, end frames) of the prefix ending at ``node`` (force-aligned)."""
    n, walk = 0, node
    while walk > 0:
        n, walk = n + 1, nodes_i[walk, PARENT]
    labels = np.empty(n, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        labels[i], node = nodes_i[node, TOKEN], nodes_i[node, PARENT]
    starts, ends = token_spans(lp, labels)
    return labels, starts, ends
