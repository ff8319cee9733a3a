"""The ``models`` subcommand of both CLIs: which shipped models are installed, and for what.

Sits beside the flow (reader -> features -> model -> decoder -> output): it only reads
``common.resources`` (``models.json`` and file sizes), never a checkpoint, so it needs no torch.
"""

from __future__ import annotations

import argparse
import json
import textwrap

from common.resources import ShippedModel, default_model_name, list_models

WIDTH = 88


def add_models_parser(subparsers: argparse._SubParsersAction, task: str) -> None:
    """Register ``models [--json]`` listing the shipped models of ``task``."""
    p = subparsers.add_parser(
        "models",
        help="list the installed models (name for --model, domain, alphabet, size, accuracy)",
        description=f"The {task} models shipped with the package; pass a name to --model.",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    p.set_defaults(func=lambda args: run(args, task))


def run(args: argparse.Namespace, task: str) -> int:
    """Print the shipped models of ``task``; exit status 0."""
    models = list_models(task)
    if args.json:
        print(json.dumps([m.to_dict() for m in models], indent=2, ensure_ascii=False))
        return 0
    if not models:
        print(f"no {task} models installed; pass a checkpoint path to --model")
    for model in models:
        print(describe(model, default=model.name == default_model_name(task)))
    return 0


def describe(model: ShippedModel, default: bool = False) -> str:
    """A few wrapped lines about one model, headed by its name."""
    tag = ", default" if default else ""
    head = f"{model.name}  ({model.task}{tag}, {model.size_bytes / 1e6:.1f} MB)  {model.path}"
    fields = {
        "domain": model.domain,
        "alphabet": f"{model.alphabet!r} ({len(model.alphabet)} symbols + blank)"
        if model.alphabet
        else "",
        "accuracy": model.accuracy,
        "trained on": model.training_data,
    }
    lines = [head]
    for key, value in fields.items():
        if value:
            lines += textwrap.wrap(
                value, WIDTH, initial_indent=f"  {key + ':':<12}", subsequent_indent=" " * 14
            )
    return "\n".join(lines)
