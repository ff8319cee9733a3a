"""The ``train`` Hydra app of a task: compose ``conf/<task>/train.yaml``, call ``train``."""

from __future__ import annotations

from collections.abc import Callable

import hydra
from omegaconf import DictConfig

from common.config import CONF_ROOT
from common.modality import Modality
from common.training import train


def make_train_app(task: str, modality: Modality) -> Callable[[], float]:
    """A Hydra entry point over ``conf/<task>`` (absolute, so it works from any caller).

    The app returns the monitored validation metric, which sweepers minimise.
    """

    @hydra.main(config_path=str(CONF_ROOT / task), config_name="train", version_base="1.3")
    def main(cfg: DictConfig) -> float:
        metrics = train(cfg, modality)
        key = "valid_loss" if cfg.trainer.monitor == "loss" else cfg.trainer.monitor
        return float(metrics.get(key, metrics.get("train_loss", float("nan"))))

    return main
