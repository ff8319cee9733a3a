"""The ``asr`` command: train, synth, transcribe, evaluate, lm, tune-lm, models.

Entry point of the speech flow (reader -> features -> model -> decoder -> output). Building
the parser imports no torch: ``asr --help``, ``asr --version`` and ``asr models`` stay fast,
and each subcommand imports its heavy modules when it runs.
"""

from __future__ import annotations

import argparse
import sys

from common.cli_util import run_cli
from common.model_list import add_models_parser
from common.resources import package_version

EPILOG = "Run `asr train --help` for the Hydra training options (`asr train key=value ...`)."


def build_parser() -> argparse.ArgumentParser:
    from asr import evaluate, synth, transcribe, tune_lm
    from common.lm.cli import add_lm_parser

    parser = argparse.ArgumentParser(
        prog="asr", description="BiLSTM-CTC speech recognition.", epilog=EPILOG
    )
    version = f"asr (inkspeech) {package_version()}"
    parser.add_argument("--version", action="version", version=version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser(
        "train", help="train a model (Hydra app over conf/asr; `asr train --help`)", add_help=False
    )
    synth.add_parser(sub)
    transcribe.add_parser(sub)
    evaluate.add_parser(sub)
    add_lm_parser(sub, default_unit="word", task="asr")
    tune_lm.add_parser(sub)
    add_models_parser(sub, "asr")
    return parser


def _train_main():
    from asr.train import main

    return main


def main(argv: list[str] | None = None) -> int:
    return run_cli(argv, build_parser, _train_main)


if __name__ == "__main__":
    sys.exit(main())
