"""Score a model on a list of examples: emissions -> decoder -> WER/CER, shared by the CLIs.

Emissions come from the one inference path (``common.inference.run_model``);
options arrive as typed values (``EvaluationReport``), never as argparse namespaces.

References and hypotheses go through the same normalisation (case folding,
punctuation removal); reference characters outside the model's alphabet are
kept, so they count as errors instead of crashing the run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from common.alphabet import normalize_text
from common.checkpoint import LoadedModel
from common.cli_util import report_error
from common.config import DecoderConfig
from common.data import Example
from common.decoding.factory import make_decoder
from common.fileio import write_text_atomic
from common.inference import Failure, InferenceOptions, Prepared, run_model
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
    progress: bool = False,
) -> EmissionSet:
    """Run the model over ``examples`` (``common.inference.run_model``); bad inputs are
    collected in ``failed`` and the rest scored.

    ``model_seconds`` counts reading, featurising and the model.
    """
    ref_cfg = replace(loaded.text_cfg, unknown="keep")
    out = EmissionSet()
    options = InferenceOptions(batch_size=batch_size, progress=progress)

    def prepare(ex: Example) -> Prepared:
        return Prepared(features=features_of(ex))

    started = time.perf_counter()
    for result in run_model(loaded, examples, prepare, options):
        ex = result.item
        if isinstance(result, Failure):
            out.failed.append((ex.id, result.message))
            continue
        out.log_probs.append(result.log_probs)
        out.ids.append(ex.id)
        out.references.append(normalize_text(ex.text, loaded.alphabet, ref_cfg))
        out.input_units += ex.length
    out.model_seconds = time.perf_counter() - started
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


@dataclass(frozen=True)
class EvaluationReport:
    """What an ``evaluate`` command was asked, and where its summary goes.

    Attributes:
        model: the checkpoint (name or path) as given.
        data: the data set as given.
        split: the split read.
        units: what ``Example.length`` measures (``audio_seconds`` or ``points``).
        json_path: write the metrics and per-utterance hypotheses here (None: don't).
        batch_size: inputs run through the model together.
        progress: draw progress bars.
    """

    model: str
    data: str
    split: str
    units: str
    json_path: Path | None = None
    batch_size: int = 16
    progress: bool = False


def evaluate_and_report(
    loaded: LoadedModel,
    decoder_cfg: DecoderConfig,
    examples: list[Example],
    features_of: Callable[[Example], torch.Tensor],
    report: EvaluationReport,
) -> int:
    """The body of every ``evaluate`` command: score, print a summary, write the JSON.

    Each unreadable input is named on one line; the rest are scored. Returns the
    exit status: 1 when some inputs could not be read.
    """
    decoder = make_decoder(decoder_cfg, loaded.alphabet)
    emission_set = compute_emissions(
        loaded, examples, features_of, report.batch_size, report.progress
    )
    for uid, message in emission_set.failed:
        report_error(f"{uid}: {message}")
    metrics = score(emission_set, decoder, report.progress)
    hyps = metrics.pop("hypotheses")
    units = report.units
    metrics[units] = round(emission_set.input_units, 2)
    print(
        f"WER {100 * metrics['wer']:.2f}%  CER {100 * metrics['cer']:.2f}%  "
        f"utterances {metrics['utterances']}  {units} {metrics[units]:g}  "
        f"decode {metrics['decode_seconds']:.1f}s"
    )
    if report.json_path is not None:
        summary = {
            "model": report.model,
            "data": report.data,
            "split": report.split,
            "decoder": asdict(decoder_cfg),
            **metrics,
            "failed_inputs": [{"id": i, "error": m} for i, m in emission_set.failed],
        }
        summary["utterances_detail"] = [
            {"id": i, "reference": r, "hypothesis": h}
            for i, r, h in zip(emission_set.ids, emission_set.references, hyps, strict=True)
        ]
        write_text_atomic(report.json_path, json.dumps(summary, indent=2) + "\n")
    if emission_set.failed:
        report_error(f"{len(emission_set.failed)} of {len(examples)} inputs could not be read")
    return 1 if emission_set.failed else 0
