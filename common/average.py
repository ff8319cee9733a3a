"""Checkpoint averaging: the mean of several checkpoints' weights, as one checkpoint.

Sits after training, before inference: ``trainer.keep_epochs=N`` keeps the last N
epochs' weights as ``epoch-NNN.pt``; their element-wise mean often reads better than
any single one (the weights of a run's last epochs lie around a flat minimum).

    python -m common.average OUT.pt runs/x/epoch-006.pt runs/x/epoch-007.pt ...

The checkpoints must share modality, alphabet, text, model and feature configs;
integer tensors (counters) are taken from the last one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from common.checkpoint import CheckpointError, load_checkpoint, save_atomic
from common.cli_util import report_error

_SAME = ("modality", "alphabet", "text", "model", "features")


def average_checkpoints(paths: list[str | Path]) -> dict[str, Any]:
    """An inference checkpoint whose float weights are the mean of ``paths``' (in float32).

    Raises:
        CheckpointError: no paths, an unreadable checkpoint, or configs/weights that differ.
    """
    if not paths:
        raise CheckpointError("no checkpoints to average")
    first = load_checkpoint(paths[0])
    out = {k: first[k] for k in ("format", *_SAME)}
    sums = {k: v.float() if v.is_floating_point() else v for k, v in first["state_dict"].items()}
    for path in paths[1:]:
        payload = load_checkpoint(path)
        for key in _SAME:
            if payload[key] != first[key]:
                raise CheckpointError(f"{path}: its {key} config differs from {paths[0]}'s")
        state = payload["state_dict"]
        if state.keys() != sums.keys() or any(state[k].shape != v.shape for k, v in sums.items()):
            raise CheckpointError(
                f"{path}: its weights differ in names or shapes from {paths[0]}'s"
            )
        for key, value in state.items():
            sums[key] = sums[key] + value.float() if value.is_floating_point() else value
    dtypes = {k: v.dtype for k, v in first["state_dict"].items()}
    out["state_dict"] = {
        k: (v / len(paths)).to(dtypes[k]) if v.is_floating_point() else v for k, v in sums.items()
    }
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m common.average OUT IN [IN ...]``; a user error is one ``error:`` line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="averaged checkpoint to write (.pt)")
    parser.add_argument("inputs", nargs="+", help="checkpoints to average (.pt)")
    args = parser.parse_args(argv)
    try:
        save_atomic(average_checkpoints(args.inputs), args.out)
    except (CheckpointError, OSError) as err:
        report_error(str(err))
        return 2
    print(f"wrote {args.out}: the mean of {len(args.inputs)} checkpoints")
    return 0


if __name__ == "__main__":
    sys.exit(main())
