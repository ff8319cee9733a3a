"""Word n-gram language models for the beam search.

Scores are natural-log probabilities: ARPA files and KenLM use log10, converted
by multiplying with ln 10. The decoder adds ``alpha * ln p(word | history) + beta``
whenever a word is complete (at a " " or at the end of the utterance).

Two back ends give the same numbers:

* ``ArpaWordLM`` (ARPA files, the fast path): the n-grams become numba hash
  tables (context id, word id) -> (ln p, next context) plus per-context backoff
  weights, so the compiled search scores words itself. Word ids come from the
  vocabulary trie the search already walks; a word outside it is ``<unk>``.
* ``KenLMWordLM`` (any KenLM file, needed for binary models): the search stops
  when it meets a (state, word) pair it has not seen; Python asks KenLM and
  stores the answer in a table keyed by (state id, word hash) shared by every
  decoder using this object.
"""

from __future__ import annotations

import math
from pathlib import Path

import kenlm
import numpy as np

from common.decoding._hashing import ScoreTable, bulk_insert
from common.decoding.arpa import (
    LMError,
    Ngrams,
    context_ids,
    is_arpa,
    longest_context,
    read_arpa,
)
from common.lm.text import SENTENCE_END, SENTENCE_START, SPACE_TOKEN, UNKNOWN

LN10 = math.log(10.0)
SPECIAL = frozenset({SENTENCE_START, SENTENCE_END, UNKNOWN})
_ABSENT_UNK_LOG10 = -100.0


def _check_word_level(words: list[str], path: str | Path) -> None:
    if SPACE_TOKEN in words:
        raise LMError(f"{path} looks like a char-level LM (has {SPACE_TOKEN}); use lm_unit=char")


class KenLMWordLM:
    """A KenLM model with integer state ids and a score cache filled on demand.

    Args:
        model: the loaded KenLM model.
        vocabulary: its words, when known, to penalise partial words outside it.
    """

    def __init__(self, model: kenlm.Model, vocabulary: frozenset[str] | None = None) -> None:
        self.model = model
        self.vocabulary = vocabulary
        start = kenlm.State()
        model.BeginSentenceWrite(start)
        self._states: list[kenlm.State] = [start]
        self._ids: dict[kenlm.State, int] = {start: 0}
        self.table = ScoreTable()

    @classmethod
    def load(cls, path: str | Path) -> KenLMWordLM:
        """Load an ARPA or KenLM binary file."""
        try:
            return cls(kenlm.Model(str(path)))
        except (OSError, RuntimeError, ValueError) as err:  # ValueError: bytes not UTF-8
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise LMError(f"KenLM cannot read {path}: {reason}") from None

    def add(self, state: int, word_hash: int, word: str) -> None:
        """Score ``word`` (or ``"</s>"``) after ``state`` and store it under ``word_hash``."""
        if self.table.contains(state, word_hash):
            return
        out = kenlm.State()
        log10 = self.model.BaseScore(self._states[state], word, out)
        to = self._ids.get(out)
        if to is None:
            to = self._ids[out] = len(self._states)
            self._states.append(out)
        self.table.insert(state, word_hash, log10 * LN10, to)


class ArpaWordLM:
    """An ARPA word model as compiled lookup tables (natural logs).

    Attributes:
        word_ids: LM id of each word (``<s>``, ``</s>``, ``<unk>`` included).
        vocabulary: the ordinary words.
        ngrams: (context, word) -> (ln p, next context) for n-grams of order >= 2.
        unigram_logp, unigram_next: (W,) the same for the empty context.
        backoff, suffix: (C,) ln backoff weight and shorter context of each context.
        eos_logp: (C,) ln p(</s> | context).
        start, unk: start context, id of <unk>.
    """

    def __init__(self, ngrams: list[Ngrams]) -> None:
        words = [w for (w,) in ngrams[0]]
        _check_word_level(words, "the ARPA file")
        self.word_ids = {w: i for i, w in enumerate(words)}
        self.vocabulary = frozenset(words) - SPECIAL
        ids, suffix = context_ids(ngrams)
        self.suffix = np.array(suffix, dtype=np.int64)
        self.backoff = np.zeros(len(ids))
        for g, i in ids.items():
            if g:
                self.backoff[i] = ngrams[len(g) - 1][g][1] * LN10
        unigram_logp = [p for p, _ in ngrams[0].values()]
        unigram_next = [ids.get(g, 0) for g in ngrams[0]]
        if SENTENCE_END not in self.word_ids:
            raise LMError("the word LM has no </s> unigram")
        if UNKNOWN not in self.word_ids:  # as KenLM: an absent <unk> gets log10 p = -100
            self.word_ids[UNKNOWN] = len(unigram_logp)
            unigram_logp.append(_ABSENT_UNK_LOG10)
            unigram_next.append(0)
        self.unigram_logp = np.array(unigram_logp) * LN10
        self.unigram_next = np.array(unigram_next, dtype=np.int64)
        self.ngrams = self._table(ngrams, ids)
        self.start = ids.get((SENTENCE_START,), 0)
        self.unk = self.word_ids[UNKNOWN]
        self.eos_logp = self._end_scores(ngrams, ids)

    def _end_scores(self, ngrams: list[Ngrams], ids: dict[tuple[str, ...], int]) -> np.ndarray:
        """(C,) ln p(</s> | context) for every context, with backoff."""
        eos = np.empty(len(ids))
        eos[0] = self.unigram_logp[self.word_ids[SENTENCE_END]]
        for g, i in ids.items():  # shorter contexts first, so suffixes are done
            if g:
                explicit = ngrams[len(g)].get((*g, SENTENCE_END))
                eos[i] = explicit[0] * LN10 if explicit else self.backoff[i] + eos[self.suffix[i]]
        return eos

    def _table(self, ngrams: list[Ngrams], ids: dict[tuple[str, ...], int]) -> ScoreTable:
        """Hash table of every n-gram of order >= 2."""
        n_entries = sum(len(level) for level in ngrams[1:])
        ctx = np.empty(n_entries, dtype=np.int64)
        word = np.empty(n_entries, dtype=np.int64)
        logp = np.empty(n_entries)
        nxt = np.empty(n_entries, dtype=np.int64)
        i = 0
        for level in ngrams[1:]:
            for g, (prob, _) in level.items():
                if g[:-1] not in ids or g[-1] not in self.word_ids:
                    raise LMError(f"ARPA n-gram {' '.join(g)!r} lacks its context or word")
                ctx[i], word[i] = ids[g[:-1]], self.word_ids[g[-1]]
                logp[i], nxt[i] = prob * LN10, longest_context(ids, g)
                i += 1
        table = ScoreTable(capacity=1 << max(4, int(2 * n_entries).bit_length()))
        bulk_insert(table, ctx, word, logp, nxt)
        return table

    @classmethod
    def load(cls, path: str | Path) -> ArpaWordLM:
        """Read an ARPA file."""
        return cls(read_arpa(path))


def load_word_lm(path: str | Path) -> ArpaWordLM | KenLMWordLM:
    """``ArpaWordLM`` for ARPA text, ``KenLMWordLM`` for KenLM binary files."""
    path = Path(path)
    if not path.is_file():
        raise LMError(f"language model file not found: {path}")
    return ArpaWordLM.load(path) if is_arpa(path) else KenLMWordLM.load(path)
