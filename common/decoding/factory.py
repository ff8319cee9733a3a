"""``DecoderConfig`` + ``Alphabet`` -> a decoder (greedy or beam search with LM).

Every decoder has ``decode(lp) -> Hypothesis``, ``decode_nbest(lp, k)`` and
``decode_batch(lps)``. Loaded language models are cached per file, so building
many decoders over one LM (an alpha/beta grid) reads it once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from common.alphabet import Alphabet
from common.config import DecoderConfig
from common.decoding.arpa import LMError
from common.decoding.beam import MERGES, CTCBeamDecoder
from common.decoding.char_lm import CharLM
from common.decoding.greedy import greedy_decode
from common.decoding.hypothesis import Hypothesis
from common.decoding.lexicon import LexiconError
from common.decoding.lm import load_word_lm
from common.decoding.tables import LanguageModel

KINDS = ("greedy", "beam")
LM_UNITS = ("word", "char")


class DecoderSetupError(ValueError):
    """A decoder configuration that cannot be built."""


@dataclass(frozen=True)
class GreedyDecoder:
    """Best-path decoding behind the common decoder interface."""

    alphabet: Alphabet

    def decode(self, log_probs: np.ndarray | torch.Tensor) -> Hypothesis:
        """Best path of (T, V) log-probabilities."""
        return greedy_decode(log_probs, self.alphabet)

    def decode_nbest(self, log_probs: np.ndarray | torch.Tensor, k: int) -> list[Hypothesis]:
        """Greedy decoding has a single hypothesis: a one-element list for any ``k >= 1``."""
        if k < 1:
            raise ValueError(f"n-best size must be at least 1, not {k}")
        return [self.decode(log_probs)]

    def decode_batch(self, batch: Sequence[np.ndarray | torch.Tensor]) -> list[Hypothesis]:
        """Best path of each utterance."""
        return [self.decode(lp) for lp in batch]


@functools.lru_cache(maxsize=4)
def _cached_lm(path: str, unit: str, mtime_ns: int) -> LanguageModel:
    return CharLM.load(path) if unit == "char" else load_word_lm(path)


def load_lm(path: str | Path, unit: str) -> LanguageModel:
    """Word (KenLM ARPA / binary) or char (ARPA) LM, cached while the file is unchanged."""
    if unit not in LM_UNITS:
        raise DecoderSetupError(f"lm_unit must be one of {'|'.join(LM_UNITS)}, not {unit!r}")
    path = Path(path)
    if not path.is_file():
        raise DecoderSetupError(f"language model file not found: {path}")
    return _cached_lm(str(path.resolve()), unit, path.stat().st_mtime_ns)


def make_decoder(cfg: DecoderConfig, alphabet: Alphabet) -> GreedyDecoder | CTCBeamDecoder:
    """Build the decoder ``cfg`` describes for a model with ``alphabet``.

    Raises:
        DecoderSetupError: unknown kind or LM unit, a missing LM or lexicon file, or
            LM / lexicon / hotwords asked for with the greedy decoder.
    """
    if cfg.kind not in KINDS:
        raise DecoderSetupError(f"decoder kind must be one of {'|'.join(KINDS)}, not {cfg.kind!r}")
    if cfg.kind == "greedy":
        if cfg.lm or cfg.lexicon or cfg.hotwords:
            raise DecoderSetupError("an LM, lexicon or hotwords need the beam decoder (kind=beam)")
        return GreedyDecoder(alphabet)
    if cfg.merge not in MERGES:
        choices = "|".join(MERGES)
        raise DecoderSetupError(f"decoder merge must be one of {choices}, not {cfg.merge!r}")
    if cfg.lexicon and not Path(cfg.lexicon).is_file():
        raise DecoderSetupError(f"lexicon file not found: {cfg.lexicon}")
    try:
        return CTCBeamDecoder(
            list(alphabet.tokens),
            beam_size=cfg.beam_size,
            lm=load_lm(cfg.lm, cfg.lm_unit) if cfg.lm else None,
            alpha=cfg.alpha,
            beta=cfg.beta,
            lexicon=cfg.lexicon,
            hotwords=list(cfg.hotwords),
            hotword_weight=cfg.hotword_weight,
            token_topk=cfg.token_topk,
            token_min_logp=cfg.token_min_logp,
            blank_skip_threshold=cfg.blank_skip_threshold,
            beam_threshold=cfg.beam_threshold,
            merge=cfg.merge,
        )
    except (LMError, LexiconError) as err:
        raise DecoderSetupError(str(err)) from None
