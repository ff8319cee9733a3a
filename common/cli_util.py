"""Helpers shared by the ``asr`` and ``handwriting`` command lines."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from tqdm import tqdm


class UserError(Exception):
    """A problem with what the user asked for: reported in one line, exit status 2."""


def report_error(message: str) -> None:
    """Print ``error: message`` on stderr (one line), above any progress bar."""
    tqdm.write(f"error: {message}", file=sys.stderr)


def default_model(name: str) -> str:
    """The ``--model`` default: a shipped model's name (``an4.pt`` -> ``an4``).

    Commands turn it into a file with ``common.resources.resolve_model``, which finds the
    shipped models in an installed wheel as well as in a source checkout.
    """
    return name.removesuffix(".pt")


def expand_inputs(
    items: Iterable[str], suffixes: set[str], skip: Callable[[Path], bool] | None = None
) -> list[Path]:
    """Files as given, and files with one of ``suffixes`` found recursively in directories.

    Paths that do not exist are kept so the caller reports them one by one. Files
    found in a directory for which ``skip`` is true (e.g. our own earlier outputs)
    are left out; a file named twice is kept once.
    """
    out: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in suffixes and p.is_file()
            )
            found = [p for p in found if skip is None or not skip(p)]
            if not found:
                raise UserError(f"no {'/'.join(sorted(suffixes))} files in {path}")
            out.extend(found)
        else:
            out.append(path)
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]


def _int_at_least(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {what}, not {text}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int_at_least(text, 1, "a positive integer")


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    return _int_at_least(text, 0, "an integer >= 0")


def finite_float(text: str) -> float:
    """argparse type: a finite number (no nan, no inf)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = finite_float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def add_common_model_arguments(parser: argparse.ArgumentParser, task: str) -> None:
    """``--model``, ``--device``, ``--threads`` and ``--batch-size`` of every inference command."""
    from common.resources import default_model_name

    default = default_model_name(task)
    parser.add_argument(
        "--model",
        default=default,
        metavar="NAME|PATH",
        help=f"a shipped model's name (see the `models` command) or a checkpoint (.pt) "
        f"written by training (default: {default})",
    )
    parser.add_argument(
        "--device",
        default="auto",
        help="where the model runs: auto (a CUDA GPU when there is one, else cpu), cpu, "
        "cuda, cuda:N (default: auto)",
    )
    parser.add_argument(
        "--threads",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="CPU threads for the model (default: 0 = torch's choice)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=16,
        help="inputs run through the model together (default: 16)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="hide progress bars (shown only on a terminal)"
    )


def add_output_arguments(
    parser: argparse.ArgumentParser, formats: dict[str, str], plot_help: str
) -> None:
    """``--format`` (``formats``: name -> what it holds, the first is the default; ``all``
    is added), ``-o/--output-dir``, ``--plot`` and ``--verbose`` of transcribe/recognize."""
    default = next(iter(formats))
    described = "; ".join(f"{name}: {what}" for name, what in formats.items())
    parser.add_argument(
        "-f", "--format", choices=[*formats, "all"], default=default,
        help=f"{described}; all: every format (needs -o) (default: {default})",
    )  # fmt: skip
    parser.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="write <name>.<format> per input here (inputs of the same name from different "
        "folders keep their folders) instead of printing; several inputs printed to stdout "
        "are JSON lines (txt: 'path<TAB>text' lines)",
    )
    parser.add_argument("--plot", action="store_true", help=plot_help)
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="print each result on stderr as it is decoded"
    )


def show_progress(no_progress: bool) -> bool:
    """Progress bars only when stderr is a terminal and ``--no-progress`` was not given."""
    return not no_progress and sys.stderr.isatty()


def set_threads(threads: int) -> None:
    """``--threads N``: torch intra-op threads (0 leaves torch's default)."""
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


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
