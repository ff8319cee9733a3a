"""Compiled prefix scoring: LM, lexicon and hotword transitions of the beam search.

Everything a prefix carries besides its acoustic probability is four integers
(LM state, hash of the partial word, lexicon trie node or -1, hotword state)
and one float (the non-acoustic score so far). ``transition`` extends them by
one label; ``word_end`` settles a completed word; ``utterance_end`` the end.
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

from common.decoding._hashing import EOS_WORD, mix_char, table_find, table_key

LM_NONE, LM_CHAR, LM_ARPA, LM_KENLM = 0, 1, 2, 3
LEX_OFF, LEX_SOFT, LEX_HARD = 0, 1, 2
OK, INVALID, MISSING = 0, 1, 2


class Tables(NamedTuple):
    """Read-only scoring tables (parts a configuration does not use are tiny dummies)."""

    sep: int  # label id of the word separator " ", -1 if none
    codes: np.ndarray  # (V,) int64 character code per label, for word hashes
    lm_kind: int
    alpha: float
    beta: float
    bound: np.ndarray  # (V,) upper bound of the score change of each label (exact pruning)
    clm_logp: np.ndarray  # (S, V) float32 char LM: ln p(label | context)
    clm_next: np.ndarray  # (S, V) int32 next context
    clm_eos: np.ndarray  # (S,) float32 ln p(</s> | context)
    kc_keys: np.ndarray  # KenLM score cache (see _hashing)
    kc_logp: np.ndarray
    kc_next: np.ndarray
    ng_keys: np.ndarray  # ARPA word LM: (context, word) hash table (see _hashing)
    ng_logp: np.ndarray
    ng_next: np.ndarray
    ng_backoff: np.ndarray  # (C,) ln backoff weight per context
    ng_suffix: np.ndarray  # (C,) next shorter context
    ng_uni_logp: np.ndarray  # (W,) ln p(word) in the empty context
    ng_uni_next: np.ndarray  # (W,) context after the word
    ng_eos: int
    ng_unk: int
    lex_mode: int
    unk_penalty: float
    lx_start: np.ndarray  # (N + 1,) int32 CSR children of trie nodes
    lx_tok: np.ndarray  # (E,) int32
    lx_child: np.ndarray  # (E,) int32
    lx_final: np.ndarray  # (N,) bool: the node completes a word
    lx_word: np.ndarray  # (N,) int64 ARPA word-LM id of that word
    hw_next: np.ndarray  # (H, V) int32 hotword automaton
    hw_delta: np.ndarray  # (H, V) float64 boost gained (or given back)
    hw_final: np.ndarray  # (H,) float64 settlement at the end of the utterance


@nb.njit(cache=True)
def _lex_child(tb: Tables, lex: int, token: int) -> int:
    """Trie child of ``lex`` by ``token``, or -1."""
    for e in range(tb.lx_start[lex], tb.lx_start[lex + 1]):
        if tb.lx_tok[e] == token:
            return tb.lx_child[e]
    return -1


@nb.njit(cache=True)
def _ngram(tb: Tables, ctx: int, word: int) -> tuple[float, int]:
    """(ln p(word | context), next context) with ARPA backoff."""
    total = 0.0
    while ctx != 0:
        i = table_find(tb.ng_keys, table_key(ctx, word))
        if i >= 0:
            return total + tb.ng_logp[i], tb.ng_next[i]
        total += tb.ng_backoff[ctx]
        ctx = tb.ng_suffix[ctx]
    return total + tb.ng_uni_logp[word], tb.ng_uni_next[word]


@nb.njit(cache=True)
def _kenlm(tb: Tables, lm: int, word: int) -> tuple[bool, float, int]:
    """(found, ln p, next state) from the KenLM score cache."""
    i = table_find(tb.kc_keys, table_key(lm, word))
    if i < 0:
        return False, 0.0, lm
    return True, tb.kc_logp[i], tb.kc_next[i]


@nb.njit(cache=True)
def word_end(tb: Tables, lm: int, word: int, lex: int) -> tuple[int, float, int]:
    """Complete the non-empty partial word: (status, score delta, LM state after it).

    Lexicon: an incomplete word is INVALID. Vocabulary (soft): a word outside it
    pays ``unk_penalty`` unless it already paid when leaving the trie.
    """
    in_vocab = lex >= 0 and tb.lx_final[lex]
    if tb.lex_mode == LEX_HARD and not in_vocab:
        return INVALID, 0.0, lm
    delta = tb.unk_penalty if tb.lex_mode == LEX_SOFT and lex >= 0 and not in_vocab else 0.0
    if tb.lm_kind == LM_ARPA:
        logp, lm = _ngram(tb, lm, tb.lx_word[lex] if in_vocab else tb.ng_unk)
        delta += tb.alpha * logp + tb.beta
    elif tb.lm_kind == LM_KENLM:
        found, logp, nxt = _kenlm(tb, lm, word)
        if not found:
            return MISSING, 0.0, lm
        delta += tb.alpha * logp + tb.beta
        lm = nxt
    return OK, delta, lm


@nb.njit(cache=True)
def transition(
    tb: Tables, lm: int, word: int, lex: int, hot: int, token: int
) -> tuple[int, float, int, int, int, int]:
    """Extend a prefix by ``token``: (status, delta, LM state, word hash, lexicon node, hotword)."""
    delta = 0.0
    if token == tb.sep:
        if word != 0:
            status, delta, lm = word_end(tb, lm, word, lex)
            if status != OK:
                return status, 0.0, lm, word, lex, hot
        word = 0
        lex = 0 if tb.lex_mode != LEX_OFF else -1
    else:
        word = mix_char(word, tb.codes[token])
        if tb.lex_mode != LEX_OFF:
            nxt = _lex_child(tb, lex, token) if lex >= 0 else -1
            if nxt < 0 and tb.lex_mode == LEX_HARD:
                return INVALID, 0.0, lm, word, lex, hot
            if nxt < 0 and lex >= 0:
                delta += tb.unk_penalty  # the partial word just left the vocabulary
            lex = nxt
    if tb.lm_kind == LM_CHAR:
        delta += tb.alpha * tb.clm_logp[lm, token] + tb.beta
        lm = tb.clm_next[lm, token]
    delta += tb.hw_delta[hot, token]
    return OK, delta, lm, word, lex, tb.hw_next[hot, token]


@nb.njit(cache=True)
def utterance_end(
    tb: Tables, lm: int, word: int, lex: int, hot: int
) -> tuple[int, float, int, int]:
    """Settle a final prefix: (status, delta, LM state, word) where MISSING asks for that pair."""
    delta = tb.hw_final[hot]
    if word != 0:
        status, d, nxt = word_end(tb, lm, word, lex)
        if status != OK:
            return status, 0.0, lm, word
        delta += d
        lm = nxt
    if tb.lm_kind == LM_CHAR:
        delta += tb.alpha * tb.clm_eos[lm]
    elif tb.lm_kind == LM_ARPA:
        delta += tb.alpha * _ngram(tb, lm, tb.ng_eos)[0]
    elif tb.lm_kind == LM_KENLM:
        found, logp, _ = _kenlm(tb, lm, EOS_WORD)
        if not found:
            return MISSING, 0.0, lm, EOS_WORD
        delta += tb.alpha * logp
    return OK, delta, lm, word
