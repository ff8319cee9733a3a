"""``asr train``: the Hydra app over ``conf/asr`` that calls ``common.training.train``."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

from asr.config import register_configs
from asr.modality import ASR
from common.training import train

register_configs()


# An absolute path works whether this runs as a script, a module or the `asr` entry point.
CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "conf" / "asr")


@hydra.main(config_path=CONFIG_DIR, config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Train; the monitored validation metric is returned for sweepers."""
    metrics = train(cfg, ASR)
    key = "valid_loss" if cfg.trainer.monitor == "loss" else cfg.trainer.monitor
    return float(metrics.get(key, metrics.get("train_loss", float("nan"))))


if __name__ == "__main__":
    main()
