"""A torch Dataset over ``Example``s: normalised targets, cached signals, seeded augmentation.

Flow: examples (reader) -> ``load_input`` (signal, cached) -> ``featurize`` ->
``(id, features (T, F), target ids)`` -> ``common.data.collate``. An example that
cannot be read or gives non-finite features becomes a ``BadExample`` instead of
stopping the run; the training loop counts them (``trainer.max_bad_fraction``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from common.alphabet import Alphabet, TextNormalizerConfig, normalize_text
from common.data import BadExample, Example, Item
from common.modality import Modality

log = logging.getLogger(__name__)


@dataclass
class ExampleDataset(torch.utils.data.Dataset):
    """Featurized examples with encoded targets.

    Augmentation randomness is drawn from ``(seed, epoch, index)`` so every
    item is reproducible whatever the worker or resume point.
    """

    examples: list[Example]
    targets: list[list[int]]
    texts: list[str]
    modality: Modality
    feature_cfg: Any
    train: bool
    seed: int = 0
    cache: bool = True
    epoch: int = 0

    def __post_init__(self) -> None:
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.examples)

    def lengths(self) -> list[float]:
        """Batching lengths (seconds or points) of every example."""
        return [e.length for e in self.examples]

    def signal(self, index: int) -> Any:
        """The decoded signal of example ``index`` (cached when ``cache``)."""
        if index in self._cache:
            return self._cache[index]
        signal = self.modality.load_input(self.examples[index], self.feature_cfg)
        if self.cache:
            self._cache[index] = signal
        return signal

    def __getitem__(self, index: int) -> Item | BadExample:
        """``(id, features (T, F), target ids)``, or a ``BadExample`` when the signal cannot be
        read (the loader or featurizer raised ``ValueError``/``OSError``) or its features are
        empty or not finite."""
        rng = np.random.default_rng([self.seed, self.epoch, index])
        example, target = self.examples[index], self.targets[index]
        return self.featurized(example, lambda: self.signal(index), target, rng)

    def featurized(
        self,
        example: Example,
        load: Callable[[], Any],
        target: list[int],
        rng: np.random.Generator,
    ) -> Item | BadExample:
        """``(example.id, features of load(), target)``, or a ``BadExample`` (see above)."""
        try:
            feats = self.modality.featurize(load(), self.feature_cfg, self.train, rng)
        except (ValueError, OSError) as err:
            return BadExample(example.id, _one_line(err))
        if feats.shape[0] == 0:
            return BadExample(example.id, f"{example.path}: no feature frames")
        if not torch.isfinite(feats).all():
            return BadExample(example.id, f"{example.path}: NaN or infinite features")
        return example.id, feats, target


def _one_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return text[0] if text else type(err).__name__


def build_dataset(
    examples: list[Example],
    alphabet: Alphabet,
    text_cfg: TextNormalizerConfig,
    modality: Modality,
    feature_cfg: Any,
    train: bool,
    seed: int,
    cache: bool,
) -> ExampleDataset:
    """Normalise and encode every transcript; examples left with empty text are dropped."""
    kept, targets, texts = [], [], []
    for ex in examples:
        text = normalize_text(ex.text, alphabet, text_cfg)
        if not text:
            continue
        kept.append(ex)
        texts.append(text)
        targets.append(alphabet.encode(text))
    if len(kept) < len(examples):
        log.warning("dropped %d examples with empty transcripts", len(examples) - len(kept))
    if not kept:
        raise ValueError("no usable examples (all transcripts empty after normalisation)")
    return ExampleDataset(kept, targets, texts, modality, feature_cfg, train, seed, cache)
