"""``handwriting evaluate``: CER/WER of a checkpoint on an IAM-OnDB root or a JSONL manifest.

Reader (``handwriting.readers``) -> the one inference path (``common.scoring``
over ``common.inference``) -> decoder -> metrics. An unreadable ink is named on
one line; the rest are scored and the exit status is 1. torch is imported only
when the command runs.
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
        help="character and word error rates of a model on an ink data set",
        description="Recognise a data set and report CER and WER. DATA is an IAM-OnDB root "
        "(lineStrokes/, ascii/ and the task files at its top) or a JSONL manifest of "
        '{"ink_filepath", "text"} lines. Reference characters outside the model\'s alphabet '
        "count as errors. Unreadable inks are named one per line; the rest are scored and "
        "the exit status is 1.",
    )
    p.add_argument("data", metavar="DATA", help="IAM-OnDB root or JSONL manifest")
    add_common_model_arguments(p, "handwriting")
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
    p.add_argument(
        "--max-lines", type=non_negative_int, default=0, help="evaluate the first N lines only"
    )
    p.add_argument("--y-up", action="store_true", help="the ink's y axis points up")
    add_decoder_arguments(p, task_decoder_config("handwriting"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from common.recognizer import load_checkpoint_for
    from common.scoring import EvaluationReport, evaluate_and_report
    from handwriting.api import to_ink
    from handwriting.modality import HANDWRITING
    from handwriting.readers import load_ink_data

    decoder_cfg = decoder_config_from_args(args, task_decoder_config("handwriting"))
    set_threads(args.threads)
    _, loaded = load_checkpoint_for("handwriting", args.model, args.device)
    cfg = HANDWRITING.feature_config(loaded.features)
    examples = load_ink_data(args.data, split=args.split)
    if args.max_lines > 0:
        examples = examples[: args.max_lines]
    if not examples:
        raise UserError(f"no lines in {args.data} ({args.split})")
    report = EvaluationReport(
        model=str(args.model),
        data=str(args.data),
        split=args.split,
        units="points",
        json_path=args.json,
        batch_size=args.batch_size,
        progress=show_progress(args.no_progress),
    )
    return evaluate_and_report(
        loaded,
        decoder_cfg,
        examples,
        lambda ex: HANDWRITING.features_of(to_ink(ex.path, args.y_up), cfg),
        report,
    )
