"""Typed schema of ``conf/handwriting/train.yaml``: ``TrainConfig`` plus ink features and data."""

from __future__ import annotations

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore

from common.config import TrainConfig
from handwriting.features import InkFeatureConfig

INK_CHARS = " !\"'(),-.0123456789:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class InkDataSpec:
    """One split: an IAM-OnDB root with a task file name, or a JSONL manifest."""

    kind: str = "iam_ondb"  # iam_ondb | manifest
    path: str = ""
    split: str = "trainset"  # IAM-OnDB task file: trainset | testset_v | testset_t | testset_f
    max_lines: int = 0  # 0 = all


@dataclass
class InkDataConfig:
    name: str = "synth"
    root: str = ""
    train: InkDataSpec = field(default_factory=InkDataSpec)
    valid: InkDataSpec = field(default_factory=InkDataSpec)


@dataclass
class HandwritingTrainConfig(TrainConfig):
    features: InkFeatureConfig = field(default_factory=InkFeatureConfig)
    data: InkDataConfig = field(default_factory=InkDataConfig)
    alphabet: str = INK_CHARS


def register_configs() -> None:
    """Make the schema available as ``handwriting_train_schema`` to the YAML root."""
    ConfigStore.instance().store(name="handwriting_train_schema", node=HandwritingTrainConfig)
