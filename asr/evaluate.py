"""``asr evaluate``: WER/CER of a checkpoint on a LibriSpeech, AN4, FSDD or manifest data set.

Reader (``asr.readers``) -> the one inference path (``common.scoring`` over
``common.inference``) -> decoder -> metrics. torch is imported only when the
command runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common.cli_util import (
    UserError,
    add_common_model_arguments,
    non_negative_int,
    set_threads,
    show_progress,
)
from common.config import task_decoder_config
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="word and character error rates of a model on a data set",
        description="Decode a data set and report WER and CER after the same normalisation "
        "of reference and hypothesis (lower case, punctuation removed). DATA is a "
        "LibriSpeech-layout folder, an AN4 root, an FSDD folder or a JSONL manifest. "
        "Unreadable recordings are named one per line; the rest are scored and the exit "
        "status is 1.",
    )
    p.add_argument("data", metavar="DATA", help="data set folder or manifest")
    add_common_model_arguments(p, "asr")
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
        type=non_negative_int,
        default=0,
        help="evaluate only the first N utterances (0 = all)",
    )
    add_decoder_arguments(p, task_decoder_config("asr"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asr.modality import ASR
    from asr.readers import load_data
    from common.recognizer import load_checkpoint_for
    from common.scoring import EvaluationReport, evaluate_and_report

    decoder_cfg = decoder_config_from_args(args, task_decoder_config("asr"))
    set_threads(args.threads)
    _, loaded = load_checkpoint_for("asr", args.model, args.device)
    cfg = ASR.feature_config(loaded.features)
    examples = load_data(args.data, split=args.split)
    if args.max_utterances > 0:
        examples = examples[: args.max_utterances]
    if not examples:
        raise UserError(f"no utterances in {args.data}")
    report = EvaluationReport(
        model=str(args.model),
        data=str(args.data),
        split=args.split,
        units="audio_seconds",
        json_path=args.json,
        batch_size=args.batch_size,
        progress=show_progress(args.no_progress),
    )
    return evaluate_and_report(
        loaded, decoder_cfg, examples, lambda ex: ASR.example_features(ex, cfg), report
    )
