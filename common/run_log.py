"""Training logs: a CSV of epoch metrics, TensorBoard scalars and a console line."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

log = logging.getLogger("train")


class RunLogger:
    """Writes ``metrics.csv`` and TensorBoard events in the run directory."""

    def __init__(self, run_dir: Path, tensorboard: bool = True) -> None:
        self.csv_path = run_dir / "metrics.csv"
        self.writer = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter  # slow import; only when logging

            self.writer = SummaryWriter(log_dir=str(run_dir / "tensorboard"))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """Per-step scalars (TensorBoard only)."""
        if self.writer is not None:
            for key, value in values.items():
                self.writer.add_scalar(key, value, step)

    def epoch(self, row: dict[str, float | int]) -> None:
        """One CSV row per epoch (header written once), mirrored to TensorBoard and the log."""
        new = not self.csv_path.exists()
        with open(self.csv_path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)
        self.scalars(int(row["step"]), {f"epoch/{k}": float(v) for k, v in row.items()})
        log.info("  ".join(f"{k}={_fmt(v)}" for k, v in row.items()))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _fmt(value: float | int) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
