"""``asr evaluate``: WER/CER of a checkpoint on a LibriSpeech, AN4, FSDD or manifest data set."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.decoding.factory import make_decoder

from asr.audio import read_audio
from asr.features import featurize
from asr.modality import ASR
from asr.readers import load_data
from common.checkpoint import load_model
from common.cli_util import UserError, add_common_model_arguments, default_model, report_error
from common.config import DecoderConfig
from common.fileio import write_text_atomic
from common.scoring import compute_emissions, score

_NO_RNG = np.random.default_rng(0)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="word and character error rates of a model on a data set",
        description="Decode a data set and report WER and CER after the same normalisation "
        "of reference and hypothesis (lower case, punctuation removed). DATA is a "
        "LibriSpeech-layout folder, an AN4 root, an FSDD folder or a JSONL manifest.",
    )
    p.add_argument("data", metavar="DATA", help="data set folder or manifest")
    add_common_model_arguments(p, default_model("an4.pt"))
    p.add_argument(
        "--split", default="train", help="AN4 split to read (train | test; default: train)"
    )
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="OUT",
        help="write the metrics (and per-utterance hypotheses) to this JSON file",
    )
    p.add_argument(
        "--max-utterances",
        type=int,
        default=0,
        help="evaluate only the first N utterances (0 = all)",
    )
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_decoder_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_model(args.model, args.device, modality="asr")
    cfg = ASR.feature_config(loaded.features)
    decoder_cfg = decoder_config_from_args(args, DecoderConfig())
    decoder = make_decoder(decoder_cfg, loaded.alphabet)
    examples = load_data(args.data, split=args.split)
    if args.max_utterances > 0:
        examples = examples[: args.max_utterances]
    if not examples:
        raise UserError(f"no utterances in {args.data}")

    def features_of(ex):
        return featurize(read_audio(ex.path, cfg.sample_rate), cfg, False, _NO_RNG)

    progress = not args.no_progress
    emission_set = compute_emissions(loaded, examples, features_of, args.batch_size, progress)
    for uid, message in emission_set.failed:
        report_error(f"{uid}: {message}")
    metrics = score(emission_set, decoder, progress)
    hyps = metrics.pop("hypotheses")
    metrics["audio_seconds"] = round(emission_set.input_units, 2)
    summary = {
        "model": str(args.model),
        "data": str(args.data),
        "split": args.split,
        "decoder": asdict(decoder_cfg),
        **metrics,
    }
    print(
        f"WER {100 * metrics['wer']:.2f}%  CER {100 * metrics['cer']:.2f}%  "
        f"utterances {metrics['utterances']}  audio {metrics['audio_seconds']:.1f}s  "
        f"decode {metrics['decode_seconds']:.1f}s"
    )
    if args.json is not None:
        summary["utterances_detail"] = [
            {"id": i, "reference": r, "hypothesis": h}
            for i, r, h in zip(emission_set.ids, emission_set.references, hyps, strict=True)
        ]
        write_text_atomic(args.json, json.dumps(summary, indent=2) + "\n")
    return 1 if emission_set.failed else 0
