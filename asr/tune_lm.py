"""``asr tune-lm``: pick alpha/beta for beam search with a word LM on a speech dev set.

The command is ``common.tune_lm`` (emissions once, then the alpha/beta grid); this module
only says how speech data is read and that the best setting is the lowest WER.
torch is imported only when the command runs.
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


def _load(
    args: argparse.Namespace, loaded: LoadedModel
) -> tuple[list[Example], Callable[[Example], torch.Tensor]]:
    """The dev set's utterances and their features for ``loaded``."""
    from asr.modality import ASR
    from asr.readers import load_data

    cfg = ASR.feature_config(loaded.features)
    return load_data(args.data, split=args.split), lambda ex: ASR.example_features(ex, cfg)


SPEECH = TuneLMTask(
    task="asr",
    data_help="dev set: LibriSpeech folder, AN4 root, FSDD folder or JSONL manifest",
    split_default="train",
    split_help="AN4 split (train | test; default: train)",
    items="utterances",
    metric="wer",
    alphas="0:2:0.25",
    betas="-1:3:1",
    load=_load,
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``asr tune-lm``."""
    add_tune_lm_parser(subparsers, SPEECH)
