"""``asr evaluate``: WER/CER of a checkpoint on a LibriSpeech, AN4, FSDD or manifest data set."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from asr.audio import read_audio
from asr.features import featurize
from asr.modality import ASR
from asr.readers import load_data
from common.checkpoint import load_model
from common.cli_util import UserError, add_common_model_arguments, default_model
from common.config import task_decoder_config
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.scoring import evaluate_and_report

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
    add_decoder_arguments(p, task_decoder_config("asr"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_model(args.model, args.device, modality="asr")
    cfg = ASR.feature_config(loaded.features)
    decoder_cfg = decoder_config_from_args(args, task_decoder_config("asr"))
    examples = load_data(args.data, split=args.split)
    if args.max_utterances > 0:
        examples = examples[: args.max_utterances]
    if not examples:
        raise UserError(f"no utterances in {args.data}")

    def features_of(ex):
        return featurize(read_audio(ex.path, cfg.sample_rate), cfg, False, _NO_RNG)

    return evaluate_and_report(args, loaded, decoder_cfg, examples, features_of, "audio_seconds")
