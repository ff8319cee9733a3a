"""Training logs: a CSV of epoch metrics, TensorBoard scalars and a console line.

``metrics.csv`` is rewritten (atomically) from the run's epoch history, which
``last.pt`` also holds: after a kill and resume it lists every epoch exactly once.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from common.fileio import write_text_atomic

log = logging.getLogger("train")


class RunLogger:
    """Writes ``metrics.csv`` and TensorBoard events in the run directory.

    The TensorBoard writer opens on first use; ``resume(step)`` first makes it drop
    events logged at ``step`` or later by the killed run (they are logged again).
    """

    def __init__(self, run_dir: Path, tensorboard: bool = True) -> None:
        self.run_dir = run_dir
        self.csv_path = run_dir / "metrics.csv"
        self.tensorboard = tensorboard
        self.purge_step: int | None = None
        self.writer = None

    def resume(self, step: int, history: list[dict]) -> None:
        """Continue a run restored at ``step``: drop later events, rewrite the CSV."""
        self.purge_step = step
        self.write_csv(history)

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Per-step scalars (TensorBoard only)."""
        if not self.tensorboard:
            return
        if self.writer is None:
            from torch.utils.tensorboard import SummaryWriter  # slow import; only when logging

            self.writer = SummaryWriter(
                str(self.run_dir / "tensorboard"), purge_step=self.purge_step
            )
        for key, value in values.items():
            self.writer.add_scalar(key, value, step)

    def epoch(self, row: dict[str, float | int], history: list[dict]) -> None:
        """Log one epoch's ``row``; ``history`` (all epochs, ``row`` last) becomes the CSV."""
        self.write_csv(history)
        self.scalars(int(row["step"]), {f"epoch/{k}": float(v) for k, v in row.items()})
        log.info("  ".join(f"{k}={_fmt(v)}" for k, v in row.items()))

    def write_csv(self, history: list[dict]) -> None:
        """``metrics.csv``: one row per epoch, columns in order of first appearance."""
        if not history:
            self.csv_path.unlink(missing_ok=True)
            return
        fields = list(dict.fromkeys(k for row in history for k in row))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(history)
        write_text_atomic(self.csv_path, out.getvalue())

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _fmt(value: float | int) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
