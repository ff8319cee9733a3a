"""``handwriting evaluate``: CER/WER of a checkpoint on an IAM-OnDB root or a JSONL manifest."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from common.checkpoint import load_model
from common.cli_util import UserError, add_common_model_arguments, default_model
from common.config import task_decoder_config
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.scoring import evaluate_and_report
from handwriting.features import featurize
from handwriting.modality import HANDWRITING
from handwriting.readers import load_ink_data, read_ink

_NO_RNG = np.random.default_rng(0)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="character and word error rates of a model on an ink data set",
        description="Recognise a data set and report CER and WER. DATA is an IAM-OnDB root "
        "(lineStrokes/, ascii/ and the task files at its top) or a JSONL manifest of "
        '{"ink_filepath", "text"} lines. Reference characters outside the model\'s alphabet '
        "count as errors.",
    )
    p.add_argument("data", metavar="DATA", help="IAM-OnDB root or JSONL manifest")
    add_common_model_arguments(p, default_model("ink-synthetic.pt"))
    p.add_argument(
        "--split",
        default="testset_f",
        help="IAM-OnDB task file: trainset, testset_v, testset_t, testset_f (default: testset_f)",
    )
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="OUT",
        help="write the metrics (and per-line hypotheses) to this JSON file",
    )
    p.add_argument("--max-lines", type=int, default=0, help="evaluate the first N lines only")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_decoder_arguments(p, task_decoder_config("handwriting"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_model(args.model, args.device, modality="handwriting")
    cfg = HANDWRITING.feature_config(loaded.features)
    decoder_cfg = decoder_config_from_args(args, task_decoder_config("handwriting"))
    examples = load_ink_data(args.data, split=args.split)
    if args.max_lines > 0:
        examples = examples[: args.max_lines]
    if not examples:
        raise UserError(f"no lines in {args.data} ({args.split})")
    return evaluate_and_report(
        args,
        loaded,
        decoder_cfg,
        examples,
        lambda ex: featurize(read_ink(ex.path), cfg, False, _NO_RNG),
        "points",
    )
