"""Character n-gram LM compiled into dense tables for the beam search.

The model is an ARPA file whose tokens are single characters, with the word
boundary written ``<sp>`` (``common.lm`` writes this; ``|`` is accepted too).
For one label set it becomes dense (contexts, labels) tables of natural-log
probability and next context, so the compiled search scores a character with
two array reads; the size is contexts x labels (only the symbols the labels
use are compiled, however many the LM knows), refused with an ``LMError``
above ``MAX_TABLE_CELLS``. Labels the LM does not know score as ``<unk>``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from common.decoding.arpa import LMError, Ngrams, context_ids, read_arpa
from common.lm.text import SENTENCE_END, SENTENCE_START, SPACE_TOKEN, UNKNOWN

LN10 = math.log(10.0)
SPECIAL = frozenset({SENTENCE_START, SENTENCE_END, UNKNOWN})
SPACE_TOKENS = (SPACE_TOKEN, "|")
_NEVER = -99.0  # log10 used for labels the LM cannot produce
MAX_TABLE_CELLS = 32_000_000  # contexts x symbols of the compile tables (12 bytes a cell)


@dataclass(frozen=True)
class CharTables:
    """A char LM compiled for one label set (ln probabilities).

    Attributes:
        logp: (S, V) float32 ln p(label | context); the blank column is unused.
        next: (S, V) int32 context after the label.
        eos: (S,) float32 ln p(</s> | context).
        start: context at the start of a sentence.
    """

    logp: np.ndarray
    next: np.ndarray
    eos: np.ndarray
    start: int


class CharLM:
    """A character n-gram model read from ARPA (tokens: characters, ``<sp>``, <s>, </s>, <unk>)."""

    def __init__(self, ngrams: list[Ngrams]) -> None:
        singles = [w for (w,) in ngrams[0] if w not in SPECIAL and w not in SPACE_TOKENS]
        if singles and sum(len(w) > 1 for w in singles) > len(singles) // 2:
            raise LMError("this ARPA file looks like a word-level LM; use lm_unit=word")
        self.ngrams = ngrams
        self.order = len(ngrams)
        self._tables: dict[tuple[str, ...], CharTables] = {}

    @classmethod
    def load(cls, path: str | Path) -> CharLM:
        """Read a char-level ARPA file."""
        return cls(read_arpa(path))

    def tables(self, labels: Sequence[str]) -> CharTables:
        """Dense tables for ``labels`` (blank first, " " the word separator); cached."""
        key = tuple(labels)
        if key not in self._tables:
            self._tables[key] = self._compile(key)
        return self._tables[key]

    def _columns(self, labels: tuple[str, ...], vocab: dict[str, int]) -> np.ndarray:
        """LM column of each label (-1 when the LM cannot produce it)."""
        space = next((t for t in SPACE_TOKENS if t in vocab), None)
        if " " in labels[1:] and space is None:
            raise LMError(f"char LM has no word-boundary token ({' or '.join(SPACE_TOKENS)})")
        cols = [
            vocab.get(space if label == " " else label, vocab.get(UNKNOWN, -1)) for label in labels
        ]
        cols[0] = -1
        return np.array(cols, dtype=np.int64)

    def _compile(self, labels: tuple[str, ...]) -> CharTables:
        vocab = {w: j for j, (w,) in enumerate(self.ngrams[0])}
        cols = self._columns(labels, vocab)
        needed = sorted({int(c) for c in cols if c >= 0} | {vocab.get(SENTENCE_END, -1)} - {-1})
        compact = {j: k for k, j in enumerate(needed)}  # LM vocabulary column -> table column
        ids, suffix_list = context_ids(self.ngrams)
        if len(ids) * max(1, len(needed)) > MAX_TABLE_CELLS:
            raise LMError(
                f"char LM tables would have {len(ids)} contexts x {len(needed)} symbols "
                f"(limit {MAX_TABLE_CELLS} cells): prune the model or lower its order"
            )
        suffix = np.array(suffix_list, dtype=np.int64)
        logp = np.full((len(ids), len(needed)), _NEVER)  # (S, K) log10, needed columns only
        nxt = np.zeros((len(ids), len(needed)), dtype=np.int32)
        for n, level in enumerate(self.ngrams, start=1):
            rows = np.array([ids[g] for g in ids if len(g) == n - 1], dtype=np.int64)
            if n > 1:
                bows = np.array([self.ngrams[n - 2][g][1] for g in ids if len(g) == n - 1])
                logp[rows] = logp[suffix[rows]] + bows[:, None]
                nxt[rows] = nxt[suffix[rows]]
            _fill_order(level, ids, vocab, compact, logp, nxt, n < self.order)
        table_cols = np.array([compact.get(int(c), 0) for c in cols], dtype=np.int64)
        eos = logp[:, compact[vocab[SENTENCE_END]]] if SENTENCE_END in vocab else None
        return CharTables(
            logp=np.ascontiguousarray(
                np.where(cols >= 0, logp[:, table_cols], _NEVER) * LN10, np.float32
            ),
            next=np.ascontiguousarray(np.where(cols >= 0, nxt[:, table_cols], 0), np.int32),
            eos=np.ascontiguousarray(
                (np.full(len(ids), _NEVER) if eos is None else eos) * LN10, dtype=np.float32
            ),
            start=ids.get((SENTENCE_START,), 0),
        )


def _fill_order(
    level: Ngrams,
    ids: dict[tuple[str, ...], int],
    vocab: dict[str, int],
    compact: dict[int, int],
    logp: np.ndarray,
    nxt: np.ndarray,
    is_context: bool,
) -> None:
    """Write the explicit n-grams of one order (in the table's columns) over the backed-off rows."""
    rows, cols, probs, succ = [], [], [], []
    for g, (prob, _) in level.items():
        row, col = ids.get(g[:-1]), vocab.get(g[-1])
        if row is None or col is None:
            raise LMError(f"ARPA n-gram {' '.join(g)!r} lacks its context or word as entries")
        if col not in compact:  # a symbol no label maps to
            continue
        rows.append(row)
        cols.append(compact[col])
        probs.append(prob)
        succ.append(ids[g] if is_context else 0)
    r, c = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
    logp[r, c] = probs
    if is_context:
        nxt[r, c] = succ
