"""Assemble the compiled search's ``Tables`` from labels, LM, lexicon and hotwords."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from common.decoding import _scoring as S
from common.decoding._hashing import EMPTY_KEY
from common.decoding.char_lm import CharLM
from common.decoding.hotwords import HotwordGraph
from common.decoding.lexicon import CharTrie, build_trie, read_lexicon
from common.decoding.lm import ArpaWordLM, KenLMWordLM

UNK_PREFIX_PENALTY = -10.0  # once per word that is not in the LM vocabulary
LanguageModel = ArpaWordLM | KenLMWordLM | CharLM


def char_code(label: str) -> int:
    """Character code used in word hashes (a stable number for multi-character labels)."""
    if len(label) == 1:
        return ord(label)
    return int.from_bytes(label.encode("utf-8")[:7], "little") | (1 << 60)


def _trie(labels: Sequence[str], lm: LanguageModel | None, lexicon) -> tuple[int, CharTrie | None]:
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


def build_tables(
    labels: Sequence[str],
    lm: LanguageModel | None,
    alpha: float,
    beta: float,
    lexicon: str | Path | list[str] | None,
    graph: HotwordGraph,
) -> tuple[S.Tables, int]:
    """Scoring tables for the compiled search, and the LM state of the empty prefix."""
    v = len(labels)
    lex_mode, trie = _trie(labels, lm, lexicon)
    char = lm.tables(labels) if isinstance(lm, CharLM) else None
    arpa = lm if isinstance(lm, ArpaWordLM) else None
    cache = lm.table if isinstance(lm, KenLMWordLM) else None
    kind = {CharLM: S.LM_CHAR, ArpaWordLM: S.LM_ARPA, KenLMWordLM: S.LM_KENLM}.get(type(lm), 0)
    no_keys = np.full(2, EMPTY_KEY, dtype=np.int64)
    zeros_f, zeros_i = np.zeros(2), np.zeros(2, dtype=np.int64)
    tables = S.Tables(
        sep=labels.index(" ") if " " in labels else -1,
        codes=np.array([char_code(s) for s in labels], dtype=np.int64),
        lm_kind=kind,
        alpha=float(alpha),
        beta=float(beta),
        bound=_score_bounds(labels, alpha, beta, lm, graph),
        clm_logp=char.logp if char else np.zeros((1, v), np.float32),
        clm_next=char.next if char else np.zeros((1, v), np.int32),
        clm_eos=char.eos if char else np.zeros(1, np.float32),
        kc_keys=cache.keys if cache else no_keys,
        kc_logp=cache.logp if cache else zeros_f,
        kc_next=cache.next if cache else zeros_i,
        ng_keys=arpa.ngrams.keys if arpa else no_keys,
        ng_logp=arpa.ngrams.logp if arpa else zeros_f,
        ng_next=arpa.ngrams.next if arpa else zeros_i,
        ng_backoff=arpa.backoff if arpa else zeros_f,
        ng_suffix=arpa.suffix if arpa else zeros_i,
        ng_uni_logp=arpa.unigram_logp if arpa else zeros_f,
        ng_uni_next=arpa.unigram_next if arpa else zeros_i,
        ng_eos=arpa.eos if arpa else 0,
        ng_unk=arpa.unk if arpa else 0,
        lex_mode=lex_mode,
        unk_penalty=UNK_PREFIX_PENALTY,
        lx_start=trie.start if trie else np.zeros(2, np.int32),
        lx_tok=trie.tokens if trie else np.zeros(1, np.int32),
        lx_child=trie.children if trie else np.zeros(1, np.int32),
        lx_final=trie.final if trie else np.zeros(1, np.bool_),
        lx_word=_word_ids(trie, labels, arpa) if arpa and trie else zeros_i,
        hw_next=graph.next,
        hw_delta=graph.delta,
        hw_final=graph.final,
    )
    start = char.start if char else arpa.start if arpa else 0
    return tables, start


def with_kenlm_cache(tables: S.Tables, lm: KenLMWordLM) -> S.Tables:
    """``tables`` pointing at the (possibly regrown) arrays of the KenLM score cache."""
    return tables._replace(kc_keys=lm.table.keys, kc_logp=lm.table.logp, kc_next=lm.table.next)
