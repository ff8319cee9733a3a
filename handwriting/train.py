"""``handwriting train``: the Hydra app over ``conf/handwriting`` calling ``train``."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

from common.training import train
from handwriting.config import register_configs
from handwriting.modality import HANDWRITING

register_configs()
CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "conf" / "handwriting")


@hydra.main(config_path=CONFIG_DIR, config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Train; the monitored validation metric is returned for sweepers."""
    metrics = train(cfg, HANDWRITING)
    key = "valid_loss" if cfg.trainer.monitor == "loss" else cfg.trainer.monitor
    return float(metrics.get(key, metrics.get("train_loss", float("nan"))))


if __name__ == "__main__":
    main()
