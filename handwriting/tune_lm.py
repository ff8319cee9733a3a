"""``handwriting tune-lm``: pick alpha/beta for beam search with a character LM on ink.

The command is ``common.tune_lm`` (emissions once, then the alpha/beta grid); this module
only says how ink is read (an IAM-OnDB root, any split, or a JSONL manifest, as
``handwriting evaluate`` reads them) and that the best setting is the lowest CER, ties
broken by WER: ink models and their LMs work on characters. torch is imported only when
the command runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from common.tune_lm import TuneLMTask, add_tune_lm_parser

if TYPE_CHECKING:
    import torch

    from common.checkpoint import LoadedModel
    from common.data import Example


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--y-up", action="store_true", help="the ink's y axis points up")


def _load(
    args: argparse.Namespace, loaded: LoadedModel
) -> tuple[list[Example], Callable[[Example], torch.Tensor]]:
    """The dev set's lines and their features for ``loaded`` (as ``handwriting evaluate``)."""
    from handwriting.api import to_ink
    from handwriting.modality import HANDWRITING
    from handwriting.readers import load_ink_data

    cfg = HANDWRITING.feature_config(loaded.features)
    examples = load_ink_data(args.data, split=args.split)
    return examples, lambda ex: HANDWRITING.features_of(to_ink(ex.path, args.y_up), cfg)


INK = TuneLMTask(
    task="handwriting",
    data_help="dev set: IAM-OnDB root (lineStrokes/, ascii/ and the task files) or a JSONL "
    'manifest of {"ink_filepath", "text"} lines',
    split_default="testset_v",
    split_help="IAM-OnDB task file: trainset, testset_v, testset_t, testset_f "
    "(default: testset_v, the validation part; keep testset_f for the final figure)",
    items="lines",
    metric="cer",
    alphas="0:1:0.1",
    betas="0:3:0.5",
    load=_load,
    add_arguments=_add_arguments,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``handwriting tune-lm``."""
    add_tune_lm_parser(subparsers, INK)
