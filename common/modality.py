"""What a task (speech, handwriting) hands to the shared training and inference code.

A ``Modality`` is a bundle of plain functions: the reader (lists examples), the
signal loader (file -> waveform or ink) and the featurizer (signal -> (T, F)).
``features_of`` is the one way inference (every command and the Python API)
turns a signal into model input.
Everything after the features — model, loss, loop, decoder, metrics,
checkpoints — is shared and knows nothing about audio or ink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from common.data import Example

_NO_RNG = np.random.default_rng(0)  # featurize(train=False) draws nothing from it


@dataclass(frozen=True)
class Modality:
    """The per-task functions of the pipeline.

    Attributes:
        name: ``asr`` or ``handwriting``; stored in checkpoints.
        load_examples: ``(data_cfg, split) -> examples``, split is ``train`` or ``valid``.
        load_input: ``(example, feature_cfg) -> signal``; raises ``ValueError`` on bad input.
        featurize: ``(signal, feature_cfg, train, rng) -> (T, F) float tensor``.
        feature_dim: ``feature_cfg -> F``.
        feature_config: ``dict -> feature config dataclass`` (rebuilds it from a checkpoint).
        augment_train_set: optional ``(train set, data_cfg, alphabet) -> train set``: a
            task's own dataset-level augmentation (speech: ``asr.long_form``).
    """

    name: str
    load_examples: Callable[[Any, str], list[Example]]
    load_input: Callable[[Example, Any], Any]
    featurize: Callable[[Any, Any, bool, np.random.Generator], torch.Tensor]
    feature_dim: Callable[[Any], int]
    feature_config: Callable[[dict], Any]
    augment_train_set: Callable[[Any, Any, Any], Any] | None = None

    def features_of(self, signal: Any, feature_cfg: Any) -> torch.Tensor:
        """Inference features of one signal: ``featurize`` without augmentation, (T, F)."""
        return self.featurize(signal, feature_cfg, False, _NO_RNG)

    def example_features(self, example: Example, feature_cfg: Any) -> torch.Tensor:
        """Inference features of one example: its signal loaded, then ``features_of``."""
        return self.features_of(self.load_input(example, feature_cfg), feature_cfg)
