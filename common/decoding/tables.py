"""Assemble the compiled search's ``Tables`` from labels, LM, lexicon and hotwords."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.decoding import _scoring as S
from common.decoding._hashing import EMPTY_KEY
from common.decoding.char_lm import CharLM
from common.decoding.hotwords import HotwordGraph
from common.decoding.lexicon import CharTrie, build_trie, read_lexicon
from common.decoding.lm import ArpaWordLM, KenLMWordLM

# Once per word outside the LM vocabulary, weighted by alpha like every LM score: -10 in
# KenLM's log10 units (pyctcdecode's unk_score_offset), in natural log.
UNK_WORD_PENALTY = -10.0 * math.log(10.0)
LanguageModel = ArpaWordLM | KenLMWordLM | CharLM


def _trie(
    labels: Sequence[str], lm: LanguageModel | None, lexicon: str | Path | list[str] | None
) -> tuple[int, CharTrie | None]:
    """Lexicon mode and trie: the lexicon (hard), else the word LM's vocabulary (soft)."""
    if lexicon is not None:
        return S.LEX_HARD, build_trie(read_lexicon(lexicon), labels)
    vocabulary = getattr(lm, "vocabulary", None)
    if vocabulary:
        return S.LEX_SOFT, build_trie(sorted(vocabulary), labels, "LM vocabulary")
    return S.LEX_OFF, None


def _word_ids(trie: CharTrie, labels: Sequence[str], lm: ArpaWordLM) -> np.ndarray:
    """(N,) LM id of the word completed at each trie node (<unk> elsewhere)."""
    ids = np.full(len(trie.final), lm.unk, dtype=np.int64)
    stack = [(0, "")]
    while stack:
        node, word = stack.pop()
        if trie.final[node]:
            ids[node] = lm.word_ids.get(word, lm.unk)
        for e in range(trie.start[node], trie.start[node + 1]):
            stack.append((int(trie.children[e]), word + labels[trie.tokens[e]]))
    return ids


def _score_bounds(
    labels: Sequence[str], alpha: float, beta: float, lm: LanguageModel | None, graph: HotwordGraph
) -> np.ndarray:
    """(V,) largest score change each label can bring (inf if alpha < 0 leaves it unbounded).

    LM log-probs and the unknown-word penalty are <= 0; beta comes with every label
    (char LM) or with the word separator (word LM); hotwords add at most their delta.
    """
    bound = np.maximum(graph.delta.max(axis=0), 0.0)
    if isinstance(lm, CharLM):
        bound += max(beta, 0.0)
    elif lm is not None and " " in labels:
        bound[labels.index(" ")] += max(beta, 0.0)
    if lm is not None and alpha < 0:
        bound[:] = np.inf
    return bound


def _lexicon_tables(
    labels: Sequence[str],
    lm: LanguageModel | None,
    lexicon: str | Path | list[str] | None,
    alpha: float,
) -> S.LexiconTables:
    mode, trie = _trie(labels, lm, lexicon)
    if trie is None:
        trie = CharTrie(
            start=np.zeros(2, np.int32),
            tokens=np.zeros(1, np.int32),
            children=np.zeros(1, np.int32),
            final=np.zeros(1, np.bool_),
            n_words=0,
        )
    words = _word_ids(trie, labels, lm) if isinstance(lm, ArpaWordLM) else np.zeros(1, np.int64)
    penalty = alpha * UNK_WORD_PENALTY
    return S.LexiconTables(mode, penalty, trie.start, trie.tokens, trie.children, trie.final, words)


def _word_lm_tables(lm: LanguageModel | None, alpha: float, beta: float) -> S.WordLMTables:
    zeros_f, zeros_i = np.zeros(2), np.zeros(2, dtype=np.int64)
    empty = S.WordLMTables(
        kind=S.LM_NONE,
        alpha=alpha,
        beta=beta,
        keys=np.full(2, EMPTY_KEY, dtype=np.int64),
        logp=zeros_f,
        next=zeros_i,
        backoff=zeros_f,
        suffix=zeros_i,
        uni_logp=zeros_f,
        uni_next=zeros_i,
        eos_logp=zeros_f,
        unk=0,
    )
    if isinstance(lm, KenLMWordLM):
        return empty._replace(
            kind=S.LM_KENLM, keys=lm.table.keys, logp=lm.table.logp, next=lm.table.next
        )
    if isinstance(lm, ArpaWordLM):
        return empty._replace(
            kind=S.LM_ARPA,
            keys=lm.ngrams.keys,
            logp=lm.ngrams.logp,
            next=lm.ngrams.next,
            backoff=lm.backoff,
            suffix=lm.suffix,
            uni_logp=lm.unigram_logp,
            uni_next=lm.unigram_next,
            eos_logp=lm.eos_logp,
            unk=lm.unk,
        )
    return empty


def _char_lm_tables(
    labels: Sequence[str], lm: LanguageModel | None, alpha: float, beta: float
) -> tuple[S.CharLMTables, int]:
    """Char-LM tables (a dummy when there is none) and the LM state of the empty prefix."""
    if isinstance(lm, CharLM):
        t = lm.tables(labels)
        return S.CharLMTables(True, alpha, beta, t.logp, t.next, t.eos), t.start
    v = len(labels)
    dummy = S.CharLMTables(
        on=False,
        alpha=alpha,
        beta=beta,
        logp=np.zeros((1, v), np.float32),
        next=np.zeros((1, v), np.int32),
        eos=np.zeros(1, np.float32),
    )
    return dummy, lm.start if isinstance(lm, ArpaWordLM) else 0


def build_tables(
    labels: Sequence[str],
    lm: LanguageModel | None,
    alpha: float,
    beta: float,
    lexicon: str | Path | list[str] | None,
    graph: HotwordGraph,
) -> tuple[S.Tables, int]:
    """Scoring tables for the compiled search, and the LM state of the empty prefix."""
    alpha, beta = float(alpha), float(beta)
    char_lm, start = _char_lm_tables(labels, lm, alpha, beta)
    tables = S.Tables(
        labels=S.LabelTables(
            sep=labels.index(" ") if " " in labels else -1,
            codes=np.array([0, *(ord(c) for c in labels[1:])], dtype=np.int64),
            bound=_score_bounds(labels, alpha, beta, lm, graph),
        ),
        lexicon=_lexicon_tables(labels, lm, lexicon, alpha),
        word_lm=_word_lm_tables(lm, alpha, beta),
        char_lm=char_lm,
        hotwords=S.HotwordTables(graph.next, graph.delta, graph.final),
    )
    return tables, start


def with_kenlm_cache(tables: S.Tables, lm: KenLMWordLM) -> S.Tables:
    """``tables`` pointing at the (possibly regrown) arrays of the KenLM score cache."""
    word_lm = tables.word_lm._replace(keys=lm.table.keys, logp=lm.table.logp, next=lm.table.next)
    return tables._replace(word_lm=word_lm)
