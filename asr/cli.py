"""The ``asr`` command: train, synth, transcribe, evaluate, lm, tune-lm."""

from __future__ import annotations

import argparse
import logging
import sys

from common.checkpoint import CheckpointError
from common.cli_util import UserError, report_error

EPILOG = "Run `asr train --help` for the Hydra training options (`asr train key=value ...`)."


def build_parser() -> argparse.ArgumentParser:
    from common.lm.cli import add_lm_parser

    from asr import evaluate, synth, transcribe, tune_lm

    parser = argparse.ArgumentParser(
        prog="asr", description="BiLSTM-CTC speech recognition.", epilog=EPILOG
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    sub.add_parser(
        "train", help="train a model (Hydra app over conf/asr; `asr train --help`)", add_help=False
    )
    synth.add_parser(sub)
    transcribe.add_parser(sub)
    evaluate.add_parser(sub)
    add_lm_parser(sub, default_unit="word")
    tune_lm.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "train":
        from asr.train import main as train_main

        sys.argv = [f"{sys.argv[0]} train", *argv[1:]]
        train_main()
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UserError, CheckpointError, ValueError, OSError) as err:
        report_error(str(err))
        return 2
    except KeyboardInterrupt:
        report_error("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
