"""Typed schema of ``conf/asr/train.yaml``: ``TrainConfig`` plus audio features and data."""

from __future__ import annotations

from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore

from asr.features import AudioFeatureConfig
from asr.long_form import LongFormConfig
from asr.readers import DataSpec
from common.config import TrainConfig


@dataclass
class AsrDataConfig:
    """Training and validation data; ``root`` is interpolated into the specs' paths.

    ``long_form`` joins training utterances into longer ones (``asr.long_form``); off
    unless ``data.long_form.prob`` > 0.
    """

    name: str = "synth"
    root: str = ""
    train: DataSpec = field(default_factory=DataSpec)
    valid: DataSpec = field(default_factory=DataSpec)
    long_form: LongFormConfig = field(default_factory=LongFormConfig)


@dataclass
class AsrTrainConfig(TrainConfig):
    features: AudioFeatureConfig = field(default_factory=AudioFeatureConfig)
    data: AsrDataConfig = field(default_factory=AsrDataConfig)


def register_configs() -> None:
    """Make the schema available as ``asr_train_schema`` to ``conf/asr/train.yaml``."""
    ConfigStore.instance().store(name="asr_train_schema", node=AsrTrainConfig)
