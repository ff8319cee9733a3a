"""Small compiled helpers of the beam search against plain numpy."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from common.decoding._frame_ops import frame_labels, heap_push, lse, trie_child
from common.decoding._kernels import _kth_largest
from common.decoding.lexicon import build_trie

values = st.lists(
    st.sampled_from([-3.0, -1.0, 0.0, 0.5, 2.0, -np.inf]) | st.floats(-50, 50),
    min_size=1,
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(values, st.data())
def test_kth_largest(xs, data):
    k = data.draw(st.integers(1, len(xs)))
    arr = np.array(xs)
    assert _kth_largest(arr.copy(), len(xs), k) == np.sort(arr)[::-1][k - 1]


@settings(max_examples=100, deadline=None)
@given(values, st.integers(1, 8))
def test_bounded_heap_keeps_the_largest(xs, size):
    heap, n = np.empty(size), 0
    for x in xs:
        n = heap_push(heap, n, x)
    assert n == min(size, len(xs))
    assert heap[0] == np.sort(xs)[::-1][n - 1]


def test_lse():
    assert lse(np.log(0.25), np.log(0.5)) == np.log(0.75)
    assert lse(-np.inf, -2.0) == -2.0 and lse(1.0, -np.inf) == 1.0
    assert lse(0.0, -100.0) == 0.0


def test_frame_labels_best_first_with_pruning():
    lp = np.log(np.array([[0.5, 0.3, 1e-9, 0.2 - 1e-9]], dtype=np.float32))
    out = np.empty(4, dtype=np.int64)
    assert list(out[: frame_labels(lp, 0, 0, -5.0, out)]) == [1, 3]
    assert list(out[: frame_labels(lp, 0, 1, -5.0, out)]) == [1]
    assert list(out[: frame_labels(lp, 0, 0, -0.1, out)]) == [1]  # the best is always kept


def test_trie_child():
    trie = build_trie(["ab", "ac", "b"], ["<b>", "a", "b", "c"])
    a = trie_child(trie.start, trie.tokens, trie.children, 0, 1)
    assert trie_child(trie.start, trie.tokens, trie.children, a, 3) >= 0
    assert trie_child(trie.start, trie.tokens, trie.children, a, 1) == -1
    assert trie_child(trie.start, trie.tokens, trie.children, -1, 1) == -1
