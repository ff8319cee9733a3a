"""Score a model on a list of examples: emissions -> decoder -> WER/CER, shared by the CLIs.

References and hypotheses go through the same normalisation (case folding,
punctuation removal); reference characters outside the model's alphabet are
kept, so they count as errors instead of crashing the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
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


def evaluate_and_report(
    args: Any,
    loaded: LoadedModel,
    decoder_cfg: Any,
    examples: list[Example],
    features_of: Callable[[Example], torch.Tensor],
    units: str,
) -> int:
    """The body of every ``evaluate`` command: score, print a summary, write ``--json``.

    ``units`` names what ``Example.length`` measures (``audio_seconds`` or ``points``).
    Returns the exit status: 1 when some inputs could not be read.
    """
    from common.cli_util import report_error
    from common.decoding.factory import make_decoder
    from common.fileio import write_text_atomic

    decoder = make_decoder(decoder_cfg, loaded.alphabet)
    progress = not args.no_progress
    emission_set = compute_emissions(loaded, examples, features_of, args.batch_size, progress)
    for uid, message in emission_set.failed:
        report_error(f"{uid}: {message}")
    metrics = score(emission_set, decoder, progress)
    hyps = metrics.pop("hypotheses")
    metrics[units] = round(emission_set.input_units, 2)
    print(
        f"WER {100 * metrics['wer']:.2f}%  CER {100 * metrics['cer']:.2f}%  "
        f"utterances {metrics['utterances']}  {units} {metrics[units]:g}  "
        f"decode {metrics['decode_seconds']:.1f}s"
    )
    if args.json is not None:
        summary = {
            "model": str(args.model),
            "data": str(args.data),
            "split": args.split,
            "decoder": asdict(decoder_cfg),
            **metrics,
        }
        summary["utterances_detail"] = [
            {"id": i, "reference": r, "hypothesis": h}
            for i, r, h in zip(emission_set.ids, emission_set.references, hyps, strict=True)
        ]
        write_text_atomic(args.json, json.dumps(summary, indent=2) + "\n")
    return 1 if emission_set.failed else 0
