"""Compiled prefix scoring: LM, lexicon and hotword transitions of the beam search.

Everything a prefix carries besides its acoustic probability is four integers
(LM state, hash of the partial word, lexicon trie node or -1, hotword state)
and one float (its non-acoustic score so far). The per-label steps are written
out in ``_kernels._extend``; here is the word-level one: ``word_end`` settles a
completed word (lexicon check, unknown-word penalty, word LM).

The tables come in small groups because numba passes a tuple argument as all
of its flattened fields and reference-counts each array in it on every call:
helpers get only the groups they read. Natural logs throughout.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from common.decoding._hashing import table_find, table_key

LM_NONE, LM_ARPA, LM_KENLM = 0, 1, 2
LEX_OFF, LEX_SOFT, LEX_HARD = 0, 1, 2
OK, INVALID, MISSING = 0, 1, 2


class LabelTables(NamedTuple):
    """Per-label facts."""

    sep: int  # label id of the word separator " ", -1 if none
    codes: np.ndarray  # (V,) int64 character code per label, for word hashes
    bound: np.ndarray  # (V,) float64 upper bound of each label's score change


class LexiconTables(NamedTuple):
    """The character trie partial words walk (lexicon or LM vocabulary)."""

    mode: int  # LEX_OFF, LEX_SOFT (LM vocabulary, penalty) or LEX_HARD (lexicon)
    penalty: float  # added once per word outside the vocabulary (soft mode)
    start: np.ndarray  # (N + 1,) int32 CSR children of trie nodes
    tok: np.ndarray  # (E,) int32 label of each edge
    child: np.ndarray  # (E,) int32 node of each edge
    final: np.ndarray  # (N,) bool: the node completes a word
    word: np.ndarray  # (N,) int64 ARPA word-LM id of that word


class WordLMTables(NamedTuple):
    """A word n-gram LM: compiled ARPA tables, or the KenLM score cache."""

    kind: int  # LM_NONE, LM_ARPA or LM_KENLM
    alpha: float
    beta: float
    keys: np.ndarray  # hash table (see _hashing): ARPA (context, word) / KenLM (state, word)
    logp: np.ndarray  # ln p of each entry
    next: np.ndarray  # state after each entry
    backoff: np.ndarray  # (C,) ARPA: ln backoff weight per context
    suffix: np.ndarray  # (C,) ARPA: next shorter context
    uni_logp: np.ndarray  # (W,) ARPA: ln p(word) in the empty context
    uni_next: np.ndarray  # (W,) ARPA: context after the word
    eos_logp: np.ndarray  # (C,) ARPA: ln p(</s> | context)
    unk: int  # ARPA id of <unk>


class CharLMTables(NamedTuple):
    """A char n-gram LM as dense (context, label) tables."""

    on: bool
    alpha: float
    beta: float
    logp: np.ndarray  # (S, V) float32 ln p(label | context)
    next: np.ndarray  # (S, V) int32 next context
    eos: np.ndarray  # (S,) float32 ln p(</s> | context)


class HotwordTables(NamedTuple):
    """The hotword automaton (see ``hotwords``)."""

    next: np.ndarray  # (H, V) int32 automaton state after each label
    delta: np.ndarray  # (H, V) float64 boost gained (or given back)
    final: np.ndarray  # (H,) float64 settlement at the end of the utterance


class Tables(NamedTuple):
    """Read-only scoring tables (parts a configuration does not use are tiny dummies)."""

    labels: LabelTables
    lexicon: LexiconTables
    word_lm: WordLMTables
    char_lm: CharLMTables
    hotwords: HotwordTables


@nb.njit(cache=True, inline="always")
def _ngram(lm: WordLMTables, ctx: int, word: int) -> tuple[float, int]:
    """(ln p(word | context), next context) with ARPA backoff."""
    total = 0.0
    while ctx != 0:
        i = table_find(lm.keys, table_key(ctx, word))
        if i >= 0:
            return total + lm.logp[i], lm.next[i]
        total += lm.backoff[ctx]
        ctx = lm.suffix[ctx]
    return total + lm.uni_logp[word], lm.uni_next[word]


@nb.njit(cache=True, inline="always")
def _word_score(lm: WordLMTables, state: int, word: int, arpa_id: int) -> tuple[int, float, int]:
    """(status, ln p, next state) of a word (KenLM: by hash, MISSING if not cached)."""
    if lm.kind == LM_ARPA:
        logp, nxt = _ngram(lm, state, arpa_id)
        return OK, logp, nxt
    if lm.kind == LM_KENLM:
        i = table_find(lm.keys, table_key(state, word))
        if i < 0:
            return MISSING, 0.0, state
        return OK, lm.logp[i], lm.next[i]
    return OK, 0.0, state


@nb.njit(cache=True, inline="always")
def word_end(
    lex: LexiconTables, lm: WordLMTables, state: int, word: int, node: int
) -> tuple[int, float, int]:
    """Complete a non-empty partial word: (status, score delta, LM state after it).

    Lexicon: an incomplete word is INVALID. Vocabulary (soft): a word outside it
    pays the penalty, unless it already paid when it left the trie.
    """
    in_vocab = node >= 0 and lex.final[node]
    if lex.mode == LEX_HARD and not in_vocab:
        return INVALID, 0.0, state
    delta = lex.penalty if lex.mode == LEX_SOFT and node >= 0 and not in_vocab else 0.0
    if lm.kind == LM_NONE:
        return OK, delta, state
    status, logp, state = _word_score(lm, state, word, lex.word[node] if in_vocab else lm.unk)
    return status, delta + lm.alpha * logp + lm.beta, state
