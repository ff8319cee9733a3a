"""Word lists as character tries for the beam search (lexicon constraint, LM vocabulary).

Node 0 is the root (empty partial word); each node's children are stored in
CSR form (``start[n]:start[n + 1]`` into ``tokens`` / ``children``) so the
compiled search can walk them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)


class LexiconError(ValueError):
    """A lexicon that cannot be used (missing file, no spellable word)."""


@dataclass(frozen=True)
class CharTrie:
    """Words spelled in label ids.

    Attributes:
        start: (N + 1,) int32 CSR offsets of each node's children.
        tokens: (E,) int32 label id of each child edge.
        children: (E,) int32 child node of each edge.
        final: (N,) bool, the node completes a word.
        n_words: distinct words stored.
    """

    start: np.ndarray
    tokens: np.ndarray
    children: np.ndarray
    final: np.ndarray
    n_words: int


def read_lexicon(source: str | Path | Sequence[str]) -> list[str]:
    """Words of a lexicon file (first field of each non-empty line) or of a list of words."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise LexiconError(f"lexicon file not found: {path}")
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line.split()[0] for line in lines if line.strip()]
    return [w.strip() for w in source if w.strip()]


def build_trie(words: Iterable[str], labels: Sequence[str], what: str = "lexicon") -> CharTrie:
    """Trie of the words spellable with ``labels`` (others are skipped and counted in the log).

    Args:
        words: the words; the word separator " " may not occur inside one.
        labels: decoder labels, blank first.
        what: name used in messages.

    Raises:
        LexiconError: no word can be spelled with the labels.
    """
    index = {label: i for i, label in enumerate(labels) if i > 0 and label != " "}
    kids: list[dict[int, int]] = [{}]
    final = [False]
    skipped = 0
    for word in words:
        ids = [index.get(c, -1) for c in word]
        if not ids or min(ids) < 0:
            skipped += 1
            continue
        node = 0
        for token in ids:
            if token not in kids[node]:
                kids[node][token] = len(kids)
                kids.append({})
                final.append(False)
            node = kids[node][token]
        final[node] = True
    n_words = sum(final)
    if n_words == 0:
        raise LexiconError(f"no {what} word can be spelled with the alphabet (check case)")
    if skipped:
        log.info("%s: skipped %d words with characters outside the alphabet", what, skipped)
    return _to_csr(kids, final, n_words)


def _to_csr(kids: list[dict[int, int]], final: list[bool], n_words: int) -> CharTrie:
    """Flatten dict-of-children nodes into CSR arrays."""
    counts = np.array([len(k) for k in kids], dtype=np.int64)
    start = np.zeros(len(kids) + 1, dtype=np.int32)
    np.cumsum(counts, out=start[1:])
    edges = [(t, c) for k in kids for t, c in sorted(k.items())]
    pairs = np.array(edges, dtype=np.int32).reshape(-1, 2)  # (E, 2): token, child
    return CharTrie(
        start=start,
        tokens=np.ascontiguousarray(pairs[:, 0]),
        children=np.ascontiguousarray(pairs[:, 1]),
        final=np.array(final, dtype=np.bool_),
        n_words=n_words,
    )
