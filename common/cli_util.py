"""Helpers shared by the ``asr`` and ``handwriting`` command lines."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm

REPO_MODELS = Path(__file__).resolve().parents[1] / "models"


class UserError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


def report_error(message: str) -> None:
    """Print ``error: message`` on stderr (one line), above any progress bar."""
    tqdm.write(f"error: {message}", file=sys.stderr)


def default_model(name: str) -> str:
    """Path of a model shipped in the repository's ``models/`` folder."""
    return str(REPO_MODELS / name)


def expand_inputs(items: Iterable[str], suffixes: set[str]) -> list[Path]:
    """Files as given, and files with one of ``suffixes`` found recursively in directories.

    Paths that do not exist are kept so the caller reports them one by one.
    """
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in suffixes and p.is_file()
            )
            if not found:
                raise UserError(f"no {'/'.join(sorted(suffixes))} files in {path}")
            out.extend(found)
        else:
            out.append(path)
    return out


def add_common_model_arguments(parser: argparse.ArgumentParser, default: str) -> None:
    """``--model``, ``--device`` and ``--batch-size`` as every inference command has them."""
    parser.add_argument(
        "--model",
        default=default,
        help=f"checkpoint (.pt) written by training (default: {default})",
    )
    parser.add_argument(
        "--device",
        default="cpu",
        help="torch device to run the model on: cpu, cuda, cuda:1 (default: cpu)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=16,
        help="inputs run through the model together (default: 16)",
    )


def add_output_arguments(
    parser: argparse.ArgumentParser, formats: dict[str, str], plot_help: str
) -> None:
    """``--format`` (``formats``: name -> what it holds, the first is the default),
    ``--output-dir``, ``--plot`` and ``--no-progress`` of the transcribe/recognise commands."""
    default = next(iter(formats))
    described = "; ".join(f"{name}: {what}" for name, what in formats.items())
    parser.add_argument(
        "--format", choices=list(formats), default=default,
        help=f"{described} (default: {default})",
    )  # fmt: skip
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="write <name>.<format> per input here instead of printing",
    )
    parser.add_argument("--plot", action="store_true", help=plot_help)
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def output_path(src: Path, output_dir: Path, suffix: str) -> Path:
    """``output_dir/<src stem><suffix>``."""
    return output_dir / (src.stem + suffix)


def run_cli(
    argv: list[str] | None,
    build_parser: Callable[[], argparse.ArgumentParser],
    train_main: Callable[[], Callable[[], object]],
) -> int:
    """Shared ``main`` of the task CLIs: ``train`` goes to Hydra, the rest to argparse.

    User errors (``UserError``, ``ValueError`` subclasses, ``OSError``) are printed
    as one line and give exit status 2; no traceback.
    """
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "train":
        sys.argv = [f"{sys.argv[0]} train", *argv[1:]]
        train_main()()
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (UserError, ValueError, OSError) as err:
        report_error(str(err))
        return 2
    except KeyboardInterrupt:
        report_error("interrupted")
        return 130
