"""CTC prefix beam search with optional word / char n-gram LM, lexicon and hotwords.

The search runs compiled (``_kernels``); this module checks the input, builds
the scoring tables once per decoder (``tables``), answers the search's KenLM
requests (binary word LMs only) and turns the final beams into ``Hypothesis``
objects with force-aligned token frames. Legend: T frames, V labels
(``labels[0]`` is the blank).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from common.decoding import _kernels as K
from common.decoding._hashing import EOS_WORD
from common.decoding._scoring import LEX_OFF
from common.decoding.char_lm import CharLM
from common.decoding.hotwords import build_hotword_graph, parse_hotword
from common.decoding.hypothesis import Hypothesis, word_spans
from common.decoding.lm import ArpaWordLM, KenLMWordLM, load_word_lm
from common.decoding.search_state import ensure_nodes, new_state, reset, word_before
from common.decoding.tables import LanguageModel, build_tables, with_kenlm_cache

DEFAULT_BEAM_THRESHOLD = 10.0  # as pyctcdecode's beam_prune_logp
MERGES = ("sum", "max")
_SUM_TOLERANCE = 0.1  # rows of exp(log_probs) must sum to 1 within this


class EmissionError(ValueError):
    """Log-probabilities of the wrong shape or kind."""


class CTCBeamDecoder:
    """CTC prefix beam search over (T, V) log-probabilities.

    Args:
        labels: output characters, ``labels[0]`` the blank (any string); " " separates words.
        beam_size: prefixes kept per frame.
        lm: None, a path to a word n-gram model (ARPA, or KenLM binary), or a loaded
            ``ArpaWordLM``, ``KenLMWordLM`` or ``CharLM``.
        alpha: LM weight on natural-log probabilities.
        beta: bonus per word (word LM) or per character (char LM).
        lexicon: allowed words (file, first field per line, or list); other words are
            never produced.
        hotwords: entries ``"word"`` or ``"multi word phrase:boost"``.
        hotword_weight: boost per word of entries given without ``:boost``.
        token_topk: labels tried per frame (0 = all that pass ``token_min_logp``).
        token_min_logp: labels below this log-prob in a frame are not tried.
        blank_skip_threshold: frames with p(blank) above this only extend beams with
            blank (1 = never skip).
        beam_threshold: prefixes scoring more than this below the frame's best are
            dropped even when the beam has room (``math.inf``: never).
        merge: how a prefix's alignments combine: ``"sum"`` scores a label sequence by
            its CTC probability (as pyctcdecode); ``"max"`` by its best alignment (Viterbi,
            as flashlight's default). Without an LM, ``"max"`` returns the greedy output.
    """

    def __init__(
        self,
        labels: list[str],
        beam_size: int = 64,
        lm: str | Path | LanguageModel | None = None,
        alpha: float = 0.5,
        beta: float = 1.0,
        lexicon: str | Path | list[str] | None = None,
        hotwords: list[str] | None = None,
        hotword_weight: float = 5.0,
        token_topk: int = 0,
        token_min_logp: float = -12.0,
        blank_skip_threshold: float = 0.999,
        beam_threshold: float = DEFAULT_BEAM_THRESHOLD,
        merge: str = "sum",
    ) -> None:
        _check_settings(labels, beam_size, token_topk, blank_skip_threshold, beam_threshold)
        if merge not in MERGES:
            raise ValueError(f"merge must be one of {'|'.join(MERGES)}, not {merge!r}")
        self.labels = list(labels)
        self.beam_size = beam_size
        self.lm = load_word_lm(lm) if isinstance(lm, (str, Path)) else lm
        if self.lm is not None and not isinstance(self.lm, (ArpaWordLM, KenLMWordLM, CharLM)):
            raise TypeError(f"lm must be a path, ArpaWordLM, KenLMWordLM or CharLM, not {lm!r}")
        self._pruning = K.Pruning(
            topk=int(token_topk),
            min_logp=float(token_min_logp),
            skip_logp=math.log(blank_skip_threshold),
            threshold=float(beam_threshold),
            viterbi=merge == "max",
        )
        graph = build_hotword_graph(
            [parse_hotword(h, hotword_weight) for h in hotwords or []], self.labels
        )
        self._hot_start = graph.start
        self._tables, self._lm_start = build_tables(
            self.labels, self.lm, alpha, beta, lexicon, graph
        )
        self._local = threading.local()  # search arrays, reused per thread

    def decode(self, log_probs: np.ndarray | torch.Tensor) -> Hypothesis:
        """Best hypothesis of one utterance of (T, V) log-probabilities."""
        return self.decode_nbest(log_probs, 1)[0]

    def decode_batch(self, batch: Sequence[np.ndarray | torch.Tensor]) -> list[Hypothesis]:
        """Best hypothesis of each utterance (each (T_i, V))."""
        return [self.decode(lp) for lp in batch]

    def decode_nbest(self, log_probs: np.ndarray | torch.Tensor, k: int) -> list[Hypothesis]:
        """Up to ``k`` best distinct hypotheses, best first.

        Each has ``acoustic_score`` (ln P of the label sequence under CTC, summed over
        its alignments kept by the search; with ``merge="max"``, ln P of its best
        alignment), ``lm_score`` (everything else: alpha-weighted
        LM, beta bonuses, unknown-word penalties, hotword boosts) and ``score``, their sum.
        With a lexicon, when no surviving beam ends on a whole word (input too short
        for any), the single best beam is returned as it is, with ``lm_score`` 0.
        """
        if k < 1:
            raise ValueError(f"n-best size must be at least 1, not {k}")
        lp = self._check(log_probs)
        state, extra = self._search(lp)
        n = int(state.counters[K.N_BEAMS])
        combine = np.maximum if self._pruning.viterbi else np.logaddexp
        acoustic = combine(state.beam_p[:n, K.PB], state.beam_p[:n, K.PNB])
        extra = extra[:n]
        total = acoustic + extra
        if not np.isfinite(total).any():  # lexicon: no beam ends on a whole word
            extra = np.zeros(n)  # fall back to the best beam alone, without its LM part
            total = acoustic
            k = 1
        order = np.argsort(-total, kind="stable")[:k]
        order = order[np.isfinite(total[order])]
        return [self._hypothesis(lp, state, i, acoustic[i], extra[i]) for i in order.tolist()]

    def _check(self, log_probs: np.ndarray | torch.Tensor) -> np.ndarray:
        """(T, V) float32 C array of log-probabilities, or EmissionError."""
        if isinstance(log_probs, torch.Tensor):
            log_probs = log_probs.detach().float().cpu().numpy()
        lp = np.ascontiguousarray(log_probs, dtype=np.float32)
        if lp.ndim != 2 or lp.shape[1] != len(self.labels):
            raise EmissionError(f"expected (T, {len(self.labels)}) log-probs, got {lp.shape}")
        if len(lp) and not (np.abs(np.exp(lp).sum(axis=1) - 1.0) <= _SUM_TOLERANCE).all():
            if np.isnan(lp).any():
                raise EmissionError("log-probs contain NaN")
            raise EmissionError("rows of log_probs must be log-probabilities (use log_softmax)")
        return lp

    def _search(self, lp: np.ndarray) -> tuple[K.State, np.ndarray]:
        """Run the compiled search to the end, answering its requests.

        Returns the final state and each final beam's non-acoustic score (-inf: invalid).
        The state's arrays are reused by the next call in the same thread.
        """
        state = getattr(self._local, "state", None)
        if state is None:
            busy = int((lp[:, 0] <= self._pruning.skip_logp).sum())
            state = new_state(self.beam_size, len(self.labels), busy)
        lex_on = self._tables.lexicon.mode != LEX_OFF
        reset(state, self._lm_start, self._hot_start, lex_on)
        extra = np.empty(self.beam_size)
        while True:
            status = K.search(lp, self._pruning, self._tables, state, extra)
            if status == K.DONE:
                self._local.state = state
                return state, extra
            if status == K.NEED_NODES:
                state = ensure_nodes(state, self.beam_size)
            else:
                self._answer(state)

    def _answer(self, state: K.State) -> None:
        """Score the word-LM requests of the last kernel call with KenLM."""
        for lm_state, word_hash, node in state.req[: int(state.counters[K.N_REQ])].tolist():
            word = "</s>" if word_hash == EOS_WORD else word_before(state, node, self.labels)
            self.lm.add(lm_state, word_hash, word)
        self._tables = with_kenlm_cache(self._tables, self.lm)

    def _hypothesis(
        self, lp: np.ndarray, state: K.State, beam: int, acoustic: float, extra: float
    ) -> Hypothesis:
        """Text, tokens and (force-aligned) frame spans of one final beam."""
        labels, starts, ends = K.final_path(lp, state.nodes_i, int(state.beam_node[beam]))
        tokens = tuple(labels.tolist())
        text = "".join([self.labels[t] for t in tokens])
        starts, ends = tuple(starts.tolist()), tuple(ends.tolist())
        return Hypothesis(
            text=text,
            tokens=tokens,
            token_frames=starts,
            token_end_frames=ends,
            score=float(acoustic + extra),
            acoustic_score=float(acoustic),
            lm_score=float(extra),
            words=word_spans(text, starts, ends),
        )


def _check_settings(
    labels: list[str], beam_size: int, topk: int, threshold: float, beam_threshold: float
) -> None:
    """Reject settings that cannot work."""
    if len(labels) < 2:
        raise ValueError("labels need a blank and at least one symbol")
    if len(set(labels)) != len(labels):
        raise ValueError("labels must be unique")
    if any(len(label) != 1 for label in labels[1:]):
        raise ValueError("labels after the blank must be single characters")
    if beam_size < 1:
        raise ValueError(f"beam size must be at least 1, not {beam_size}")
    if topk < 0:
        raise ValueError(f"token_topk must be >= 0, not {topk}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"blank_skip_threshold must be in (0, 1], not {threshold}")
    if not beam_threshold > 0.0:
        raise ValueError(f"beam_threshold must be positive, not {beam_threshold}")
