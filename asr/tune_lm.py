"""``asr tune-lm``: pick alpha/beta for beam search with an LM on a dev set.

Reader -> the one inference path (emissions computed once, ``common.scoring``)
-> a beam decoder per grid point (``common.tuning``) -> the best setting.
torch is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
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


def _grid(text: str) -> list[float]:
    """argparse type of ``--alphas`` / ``--betas``."""
    from common.tuning import parse_grid

    try:
        values = parse_grid(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if not values:
        raise argparse.ArgumentTypeError(f"no values in {text!r}")
    return values


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "tune-lm",
        help="grid-search LM weight and word bonus on a dev set",
        description="Compute the model's emissions on DATA once, then beam-decode them for "
        "every (alpha, beta) in the grid and report the best by WER.",
    )
    p.add_argument(
        "data", metavar="DATA", help="dev set: LibriSpeech folder, AN4 root, FSDD or manifest"
    )
    add_common_model_arguments(p, "asr")
    p.add_argument("--split", default="train", help="AN4 split (default: train)")
    p.add_argument(
        "--alphas",
        type=_grid,
        default="0:2:0.25",
        help="alpha values: comma list or start:stop:step (default: 0:2:0.25)",
    )
    p.add_argument(
        "--betas",
        type=_grid,
        default="-1:3:1",
        help="beta values: comma list or start:stop:step (default: -1:3:1)",
    )
    p.add_argument(
        "--max-utterances", type=non_negative_int, default=0, help="use the first N only (0 = all)"
    )
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write all grid rows here"
    )
    add_decoder_arguments(p, task_decoder_config("asr"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asr.modality import ASR
    from asr.readers import load_data
    from common.cli_util import report_error
    from common.fileio import write_text_atomic
    from common.recognizer import load_checkpoint_for
    from common.scoring import compute_emissions
    from common.tuning import grid_search

    base = decoder_config_from_args(args, replace(task_decoder_config("asr"), kind="beam"))
    set_threads(args.threads)
    _, loaded = load_checkpoint_for("asr", args.model, args.device)
    cfg = ASR.feature_config(loaded.features)
    examples = load_data(args.data, split=args.split)
    if args.max_utterances > 0:
        examples = examples[: args.max_utterances]
    if not examples:
        raise UserError(f"no utterances in {args.data}")
    progress = show_progress(args.no_progress)
    emission_set = compute_emissions(
        loaded, examples, lambda ex: ASR.example_features(ex, cfg), args.batch_size, progress
    )
    for uid, message in emission_set.failed:
        report_error(f"{uid}: {message}")
    best, rows = grid_search(
        emission_set, loaded.alphabet, base, args.alphas, args.betas, progress=progress
    )
    for row in rows[:5]:
        print(
            f"alpha={row['alpha']:<6g} beta={row['beta']:<6g} "
            f"WER {100 * row['wer']:.2f}%  CER {100 * row['cer']:.2f}%"
        )
    print(f"best: --alpha {best['alpha']:g} --beta {best['beta']:g}")
    if args.json is not None:
        write_text_atomic(args.json, json.dumps({"best": best, "grid": rows}, indent=2) + "\n")
    return 1 if emission_set.failed else 0
