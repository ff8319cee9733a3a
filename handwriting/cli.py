"""The ``handwriting`` command: train, synth, recognize, evaluate, render, lm, tune-lm, models.

Entry point of the ink flow (reader -> features -> model -> decoder -> output). Building
the parser imports no torch: ``handwriting --help``, ``--version`` and ``models`` stay fast,
and each subcommand imports its heavy modules when it runs.
"""

from __future__ import annotations

import argparse
import sys

from common.cli_util import run_cli
from common.model_list import add_models_parser
from common.resources import package_version

EPILOG = "Run `handwriting train --help` for the Hydra training options."


def build_parser() -> argparse.ArgumentParser:
    from common.lm.cli import add_lm_parser
    from handwriting import evaluate, recognize, render, synth, tune_lm

    parser = argparse.ArgumentParser(
        prog="handwriting", description="BiLSTM-CTC online handwriting recognition.", epilog=EPILOG
    )
    parser.add_argument(
        "--version", action="version", version=f"handwriting (inkspeech) {package_version()}"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser("train", help="train a model (Hydra app over conf/handwriting)", add_help=False)
    synth.add_parser(sub)
    recognize.add_parser(sub)
    evaluate.add_parser(sub)
    render.add_parser(sub)
    add_lm_parser(sub, default_unit="char", task="handwriting", packaged_text=_packaged_sentences)
    tune_lm.add_parser(sub)
    add_models_parser(sub, "handwriting")
    return parser


def _packaged_sentences() -> list[str]:
    """The English sentences shipped with the package (``lm build --packaged-text``)."""
    from handwriting.synth import load_sentences

    return load_sentences()


def _train_main():
    from handwriting.train import main

    return main


def main(argv: list[str] | None = None) -> int:
    return run_cli(argv, build_parser, _train_main)


if __name__ == "__main__":
    sys.exit(main())
