"""Speech as a ``Modality``: readers and audio features plugged into the shared core."""

from __future__ import annotations

from typing import Any

import numpy as np

from asr.audio import read_audio
from asr.features import AudioFeatureConfig, feature_dim, featurize
from asr.long_form import augment_train_set
from asr.readers import load_spec
from common.data import Example
from common.modality import Modality
from common.structured import from_dict


def load_examples(data_cfg: Any, split: str) -> list[Example]:
    """``split`` is ``train`` or ``valid``: the matching ``DataSpec`` of the data config."""
    spec = data_cfg.train if split == "train" else data_cfg.valid
    if split == "valid" and not spec.path:
        return []
    return load_spec(spec)


def load_input(example: Example, feature_cfg: AudioFeatureConfig) -> np.ndarray:
    """Mono float32 waveform at the model's sample rate."""
    return read_audio(example.path, feature_cfg.sample_rate)


ASR = Modality(
    name="asr",
    load_examples=load_examples,
    load_input=load_input,
    featurize=featurize,
    feature_dim=feature_dim,
    feature_config=lambda d: from_dict(AudioFeatureConfig, d),
    augment_train_set=augment_train_set,
)
