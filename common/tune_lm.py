"""The ``tune-lm`` command of both CLIs: pick alpha/beta for beam search with an LM on a dev set.

Reader (the task's ``TuneLMTask.load``) -> the one inference path (emissions computed
once, ``common.scoring``) -> a beam decoder per grid point (``common.tuning``) -> the
best setting. Speech and ink differ only in what a ``TuneLMTask`` holds: how DATA is
read, help texts and the criterion (WER for a word LM on speech, CER for a character LM
on ink). torch is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from common.cli_util import (
    UserError,
    add_common_model_arguments,
    non_negative_int,
    positive_int,
    set_threads,
    show_progress,
)
from common.config import DecoderConfig, task_decoder_config
from common.decoding.cli_args import LM_UNITS, MERGES

if TYPE_CHECKING:
    import torch

    from common.checkpoint import LoadedModel
    from common.data import Example

METRICS = ("wer", "cer")


@dataclass(frozen=True)
class TuneLMTask:
    """What one task's ``tune-lm`` reads and optimises.

    Attributes:
        task: ``asr`` or ``handwriting`` (default model, decoder settings).
        data_help: help of the DATA argument (which layouts are read).
        split_default: ``--split`` default.
        split_help: ``--split`` help.
        items: what one example is called (``utterances``, ``lines``); the limit flag is
            ``--max-<items>``.
        metric: ``wer`` or ``cer``: the best row has the lowest; the other breaks ties.
        alphas: ``--alphas`` default grid.
        betas: ``--betas`` default grid.
        load: ``(args, loaded model) -> (examples, features_of)``: reads DATA (``args.data``,
            ``args.split`` and the task's own flags) and says how an example becomes
            model input.
        add_arguments: adds the task's own flags (None: none).
    """

    task: str
    data_help: str
    split_default: str
    split_help: str
    items: str
    metric: str
    alphas: str
    betas: str
    load: Callable[
        [argparse.Namespace, LoadedModel],
        tuple[list[Example], Callable[[Example], torch.Tensor]],
    ]
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {'|'.join(METRICS)}, not {self.metric!r}")


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


def _description(spec: TuneLMTask) -> str:
    first, second = spec.metric.upper(), ({"wer", "cer"} - {spec.metric}).pop().upper()
    return (
        f"Compute the model's emissions on DATA once, then beam-decode them with the "
        f"language model --lm for every (alpha, beta) of the grid and report the best "
        f"setting: the lowest {first} (ties broken by {second}). Pass the result to the "
        f"decoding commands as --alpha A --beta B. Unreadable inputs are named one per "
        f"line and left out; the exit status is then 1."
    )


def add_tune_lm_parser(subparsers: argparse._SubParsersAction, spec: TuneLMTask) -> None:
    """Register ``tune-lm DATA --lm LM [--split S] [--alphas ..] [--betas ..] ...``."""
    p = subparsers.add_parser(
        "tune-lm",
        help=f"grid-search LM weight and bonus on a dev set (best by {spec.metric.upper()})",
        description=_description(spec),
    )
    p.add_argument("data", metavar="DATA", help=spec.data_help)
    add_common_model_arguments(p, spec.task)
    p.add_argument("--split", default=spec.split_default, help=spec.split_help)
    p.add_argument(
        "--alphas",
        type=_grid,
        default=spec.alphas,
        help=f"LM weights to try: comma list or start:stop:step, stop included "
        f"(default: {spec.alphas})",
    )
    p.add_argument(
        "--betas",
        type=_grid,
        default=spec.betas,
        help=f"bonuses per word (word LM) or per character (char LM) to try: comma list or "
        f"start:stop:step (default: {spec.betas})",
    )
    p.add_argument(
        f"--max-{spec.items}",
        dest="max_items",
        type=non_negative_int,
        default=0,
        metavar="N",
        help=f"use the first N {spec.items} only (default: 0 = all)",
    )
    p.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="OUT",
        help="write the best setting and every grid row (alpha, beta, WER, CER) here",
    )
    if spec.add_arguments is not None:
        spec.add_arguments(p)
    _add_beam_arguments(p, task_decoder_config(spec.task))
    p.set_defaults(func=functools.partial(run, spec=spec))


def _add_beam_arguments(parser: argparse.ArgumentParser, d: DecoderConfig) -> None:
    """The beam-search settings held fixed over the grid (``--lm`` is required)."""
    g = parser.add_argument_group(
        "beam search", "Held fixed over the grid; left out, they keep the task's beam settings."
    )
    g.add_argument(
        "--lm",
        required=True,
        metavar="FILE",
        help="the n-gram language model to tune: ARPA (word or char) or KenLM binary (word); "
        "build one with the `lm build` command",
    )
    g.add_argument(
        "--lm-unit",
        choices=LM_UNITS,
        default=d.lm_unit,
        help=f"whether --lm is a word or a character n-gram model (default: {d.lm_unit})",
    )
    g.add_argument(
        "--beam-size",
        type=positive_int,
        default=d.beam_size,
        metavar="N",
        help=f"prefixes kept per frame; decode later with the same size (default: {d.beam_size})",
    )
    g.add_argument(
        "--merge",
        choices=MERGES,
        default=d.merge,
        help=f"sum: a text scores all its alignments; max: its best one (default: {d.merge})",
    )
    g.add_argument(
        "--lexicon",
        default=None,
        metavar="FILE",
        help="allowed words, one per line (first field), if you will decode with one",
    )


def _beam_config(args: argparse.Namespace, task: str) -> DecoderConfig:
    """The base beam config of the grid: the task's beam settings and the flags given."""
    if not Path(args.lm).is_file():
        raise UserError(f"language model not found: {args.lm}")
    if args.lexicon is not None and not Path(args.lexicon).is_file():
        raise UserError(f"lexicon not found: {args.lexicon}")
    return replace(
        task_decoder_config(task),
        kind="beam",
        lm=args.lm,
        lm_unit=args.lm_unit,
        beam_size=args.beam_size,
        merge=args.merge,
        lexicon=args.lexicon,
        nbest=1,
    )


def _print_rows(rows: list[dict[str, Any]], best: dict[str, Any]) -> None:
    """The five best grid rows, a note if the best lies on the grid's edge, its flags."""
    for row in rows[:5]:
        print(
            f"alpha={row['alpha']:<6g} beta={row['beta']:<6g} "
            f"WER {100 * row['wer']:.2f}%  CER {100 * row['cer']:.2f}%"
        )
    for name in ("alpha", "beta"):
        values = sorted({row[name] for row in rows})
        if len(values) > 1 and best[name] in (values[0], values[-1]) and best[name] != 0:
            print(f"note: the best {name} is at the edge of the grid; try a wider --{name}s")
    print(f"best: --alpha {best['alpha']:g} --beta {best['beta']:g}")


def run(args: argparse.Namespace, spec: TuneLMTask) -> int:
    """``tune-lm``: emissions once, the grid, the best row; returns the exit status."""
    from common.cli_util import report_error
    from common.fileio import write_text_atomic
    from common.recognizer import load_checkpoint_for
    from common.scoring import compute_emissions
    from common.tuning import grid_search

    base = _beam_config(args, spec.task)
    set_threads(args.threads)
    _, loaded = load_checkpoint_for(spec.task, args.model, args.device)
    examples, features_of = spec.load(args, loaded)
    if args.max_items > 0:
        examples = examples[: args.max_items]
    if not examples:
        raise UserError(f"no {spec.items} in {args.data} ({args.split})")
    progress = show_progress(args.no_progress)
    emission_set = compute_emissions(loaded, examples, features_of, args.batch_size, progress)
    for uid, message in emission_set.failed:
        report_error(f"{uid}: {message}")
    if not emission_set.log_probs:
        raise UserError(f"none of the {len(examples)} {spec.items} could be read")
    best, rows = grid_search(
        emission_set, loaded.alphabet, base, args.alphas, args.betas, spec.metric, progress
    )
    _print_rows(rows, best)
    if args.json is not None:
        doc = {"metric": spec.metric, spec.items: len(emission_set.ids), "best": best, "grid": rows}
        write_text_atomic(args.json, json.dumps(doc, indent=2) + "\n")
    return 1 if emission_set.failed else 0
