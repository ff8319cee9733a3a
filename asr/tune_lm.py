"""``asr tune-lm``: pick alpha/beta for beam search with an LM on a dev set."""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
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
from common.fileio import write_text_atomic
from common.scoring import compute_emissions
from common.tuning import grid_search, parse_grid

_NO_RNG = np.random.default_rng(0)


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
    add_common_model_arguments(p, default_model("an4.pt"))
    p.add_argument("--split", default="train", help="AN4 split (default: train)")
    p.add_argument(
        "--alphas",
        default="0:2:0.25",
        help="alpha values: comma list or start:stop:step (default: 0:2:0.25)",
    )
    p.add_argument(
        "--betas",
        default="-1:3:1",
        help="beta values: comma list or start:stop:step (default: -1:3:1)",
    )
    p.add_argument("--max-utterances", type=int, default=0, help="use the first N only (0 = all)")
    p.add_argument(
        "--json", type=Path, default=None, metavar="OUT", help="write all grid rows here"
    )
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    add_decoder_arguments(p, task_decoder_config("asr"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_model(args.model, args.device, modality="asr")
    cfg = ASR.feature_config(loaded.features)
    base = decoder_config_from_args(args, replace(task_decoder_config("asr"), kind="beam"))
    examples = load_data(args.data, split=args.split)
    if args.max_utterances > 0:
        examples = examples[: args.max_utterances]
    if not examples:
        raise UserError(f"no utterances in {args.data}")
    emission_set = compute_emissions(
        loaded,
        examples,
        lambda ex: featurize(read_audio(ex.path, cfg.sample_rate), cfg, False, _NO_RNG),
        args.batch_size,
        not args.no_progress,
    )
    best, rows = grid_search(
        emission_set,
        loaded.alphabet,
        base,
        parse_grid(args.alphas),
        parse_grid(args.betas),
        progress=not args.no_progress,
    )
    for row in rows[:5]:
        print(
            f"alpha={row['alpha']:<6g} beta={row['beta']:<6g} "
            f"WER {100 * row['wer']:.2f}%  CER {100 * row['cer']:.2f}%"
        )
    print(f"best: --alpha {best['alpha']:g} --beta {best['beta']:g}")
    if args.json is not None:
        write_text_atomic(args.json, json.dumps({"best": best, "grid": rows}, indent=2) + "\n")
    return 0
