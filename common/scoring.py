"""Score a model on a list of examples: emissions -> decoder -> WER/CER, shared by the CLIs.

References and hypotheses go through the same normalisation (case folding,
punctuation removal); reference characters outside the model's alphabet are
kept, so they count as errors instead of crashing the run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from common.alphabet import normalize_text
from common.checkpoint import LoadedModel
from common.data import Example
from common.inference import emissions
from common.metrics import ErrorRates


@dataclass
class EmissionSet:
    """Log-probabilities of a data set, computed once (re-decoded by LM tuning)."""

    ids: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    log_probs: list[np.ndarray] = field(default_factory=list)
    input_units: float = 0.0  # seconds of audio or points of ink
    model_seconds: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)


def compute_emissions(
    loaded: LoadedModel,
    examples: list[Example],
    features_of: Callable[[Example], torch.Tensor],
    batch_size: int = 16,
    progress: bool = True,
) -> EmissionSet:
    """Run the model over ``examples``; bad inputs are collected in ``failed``."""
    ref_cfg = replace(loaded.text_cfg, unknown="keep")
    out = EmissionSet()
    for start in tqdm(
        range(0, len(examples), batch_size), desc="model", unit="batch", disable=not progress
    ):
        feats, kept = [], []
        for ex in examples[start : start + batch_size]:
            try:
                feats.append(features_of(ex))
                kept.append(ex)
            except (ValueError, OSError) as err:
                out.failed.append((ex.id, str(err)))
        started = time.perf_counter()
        out.log_probs.extend(emissions(loaded, feats, batch_size))
        out.model_seconds += time.perf_counter() - started
        for ex in kept:
            out.ids.append(ex.id)
            out.references.append(normalize_text(ex.text, loaded.alphabet, ref_cfg))
            out.input_units += ex.length
    return out


def score(emission_set: EmissionSet, decoder: Any, progress: bool = False) -> dict[str, Any]:
    """Decode every utterance and return WER, CER, counts and timings."""
    rates = ErrorRates.empty()
    started = time.perf_counter()
    hyps = []
    for lp in tqdm(emission_set.log_probs, desc="decoding", unit="utt", disable=not progress):
        hyps.append(decoder.decode(lp).text)
    decode_seconds = time.perf_counter() - started
    for ref, hyp in zip(emission_set.references, hyps, strict=True):
        rates.update(ref, hyp)
    return {
        "wer": rates.wer,
        "cer": rates.cer,
        "word_errors": rates.words.errors,
        "words": rates.words.reference_length,
        "char_errors": rates.chars.errors,
        "chars": rates.chars.reference_length,
        "utterances": len(hyps),
        "failed": len(emission_set.failed),
        "model_seconds": round(emission_set.model_seconds, 3),
        "decode_seconds": round(emission_set.model_seconds + decode_seconds, 3),
        "search_seconds": round(decode_seconds, 3),
        "hypotheses": hyps,
    }
