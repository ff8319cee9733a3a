"""The state of a training run and the limits that stop it.

Used by the loop in ``common.training``: ``Run`` holds everything the loop mutates,
``TrainState`` the counters saved in ``last.pt``. The checks here turn one bad
example or batch into a logged skip, and too many of them into a ``TrainingError``
with a one-line message (``trainer.max_bad_fraction``, ``trainer.max_nonfinite_batches``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import torch

from common.alphabet import Alphabet
from common.data import BadExample, Batch
from common.dataset import ExampleDataset
from common.encoder import Encoder
from common.modality import Modality
from common.run_log import RunLogger

log = logging.getLogger("train")


class TrainingError(ValueError):
    """A training run cannot start or go on (bad settings, refused resume, diverged)."""


@dataclass
class TrainState:
    """Counters saved in ``last.pt``; ``batch_in_epoch`` > 0 means a mid-epoch save."""

    epoch: int = 0
    step: int = 0
    batch_in_epoch: int = 0
    best: float = math.inf
    bad_epochs: int = 0
    finished: bool = False
    history: list[dict] = field(default_factory=list)
    bad_examples: dict[str, str] = field(default_factory=dict)  # training example id -> reason
    nonfinite_run: int = 0  # batches in a row skipped for a NaN/inf loss or gradient
    partial: dict[str, float] = field(default_factory=dict)  # sums of the epoch in progress


class StepResult(NamedTuple):
    """What one ``train_step`` did: the loss, infeasible utterances, whether it stepped."""

    loss: float
    infeasible: int
    finite: bool = True


@dataclass
class Run:
    """Everything the loop mutates, in one place."""

    cfg: Any
    modality: Modality
    alphabet: Alphabet
    model: Encoder
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LambdaLR
    scaler: torch.amp.GradScaler
    device: torch.device
    train_set: ExampleDataset
    valid_set: ExampleDataset | None
    run_dir: Path
    logger: RunLogger
    state: TrainState
    ema: torch.optim.swa_utils.AveragedModel | None = None
    record: dict[str, Any] = field(default_factory=dict)  # settings saved in last.pt
    reported: set[str] = field(default_factory=set)  # bad validation examples already logged

    @property
    def eval_model(self) -> Encoder:
        """The weights validated and saved as ``best.pt``: the average when there is one."""
        return self.ema.module if self.ema is not None else self.model


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when available, else CPU.

    Raises:
        TrainingError: an unknown device, or CUDA asked for where there is none.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise TrainingError(f"trainer.device must be auto, cpu, cuda or cuda:N, not {name!r}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            f"trainer.device={name} but no CUDA GPU is available (use trainer.device=cpu or auto)"
        )
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise TrainingError(f"trainer.device={name}: only {torch.cuda.device_count()} GPU(s)")
    return device


def check_settings(tcfg: Any) -> None:
    """Refuse trainer settings out of range before any data is read.

    Raises:
        TrainingError: naming the setting.
    """
    if not 0.0 <= tcfg.ema_decay < 1.0:
        raise TrainingError(f"trainer.ema_decay must be in [0, 1), not {tcfg.ema_decay}")
    if tcfg.keep_epochs < 0:
        raise TrainingError(f"trainer.keep_epochs must be >= 0, not {tcfg.keep_epochs}")
    if not 0.0 <= tcfg.max_bad_fraction <= 1.0:
        raise TrainingError(
            f"trainer.max_bad_fraction must be in [0, 1], not {tcfg.max_bad_fraction}"
        )
    if tcfg.monitor not in ("cer", "wer", "loss"):
        raise TrainingError(f"trainer.monitor must be cer, wer or loss, not {tcfg.monitor!r}")
    if tcfg.patience < 0:
        raise TrainingError(f"trainer.patience must be >= 0, not {tcfg.patience}")
    if tcfg.max_nonfinite_batches < 0:
        raise TrainingError(
            f"trainer.max_nonfinite_batches must be >= 0, not {tcfg.max_nonfinite_batches}"
        )
    resolve_device(tcfg.device)


def note_bad_examples(run: Run, bad: tuple[BadExample, ...]) -> None:
    """Log each unusable training example once and stop past ``trainer.max_bad_fraction``.

    Raises:
        TrainingError: more than that share of the training set is unusable.
    """
    known = run.state.bad_examples
    for example in bad:
        if example.id not in known:
            known[example.id] = example.reason
            log.warning("skipping training example %s: %s", example.id, example.reason)
    limit = run.cfg.trainer.max_bad_fraction
    total = len(run.train_set)
    if bad and len(known) > limit * total:
        first_id, reason = next(iter(known.items()))
        raise TrainingError(
            f"{len(known)} of {total} training examples are unusable, more than "
            f"trainer.max_bad_fraction={limit:g} (first: {first_id}: {reason})"
        )


def note_nonfinite(run: Run, batch: Batch, epoch: int) -> None:
    """Log a batch skipped for a NaN/inf loss or gradient; stop after too many in a row.

    Raises:
        TrainingError: ``trainer.max_nonfinite_batches`` such batches in a row.
    """
    state, limit = run.state, run.cfg.trainer.max_nonfinite_batches
    state.nonfinite_run += 1
    names = ", ".join(batch.ids[:3]) + (", ..." if len(batch.ids) > 3 else "")
    log.warning(
        "skipped a batch of epoch %d with a NaN or infinite loss or gradient (%s)",
        epoch + 1,
        names,
    )
    if limit > 0 and state.nonfinite_run >= limit:
        raise TrainingError(
            f"training diverged: {state.nonfinite_run} batches in a row had a NaN or infinite "
            f"loss or gradient (epoch {epoch + 1}, step {state.step}); lower optim.lr or check "
            "the data (the last checkpoint is kept)"
        )
