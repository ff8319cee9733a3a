"""Long-form training augmentation: random training utterances joined into one recording.

Sits at the start of the flow, between the reader and the features: with probability
``prob`` a training example becomes the first of 2..``max_parts`` random training
utterances, joined at the audio level with a random gap (0..``max_gap`` s) of digital
silence or low noise between them, before ``featurize``, so speed perturbation,
normalisation and SpecAugment see the joined signal. The transcripts are joined with a
space. The encoder thereby sees long inputs with pauses inside them, as it does when
``asr transcribe`` reads a long recording (issue #11: joined held-out utterances read
worse than the same utterances one by one).

Which examples are joined, with which partners and gaps, is drawn from
``(seed, epoch, index)``: reproducible on resume and in any data-loader worker, and
different every epoch. Batching uses the joined lengths (``LongFormDataset.lengths``).

Legend: N samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from common.alphabet import Alphabet
from common.data import BadExample, Example, Item
from common.dataset import ExampleDataset

_SALT = 0x10F0  # keeps the join draws apart from the featurizer's (seed, epoch, index) stream


@dataclass
class LongFormConfig:
    """``data.long_form``: join training utterances into longer ones (off when ``prob`` is 0).

    A joined example holds 2..``max_parts`` utterances and at most ``max_seconds`` of audio
    (partners that would pass it are left out). Each gap is uniform in [0, ``max_gap``]
    seconds; with probability ``noise_prob`` it holds Gaussian noise ``noise_db`` (±10) dB
    below the RMS of the speech around it, otherwise digital silence.
    """

    prob: float = 0.0  # chance that a training example is joined with others; 0 = off
    max_parts: int = 3
    max_gap: float = 0.6  # seconds
    max_seconds: float = 20.0
    noise_prob: float = 0.5
    noise_db: float = 40.0


def check_long_form(cfg: LongFormConfig) -> None:
    """Raise ``ValueError`` (one line) for a setting out of range."""
    if not 0.0 <= cfg.prob <= 1.0:
        raise ValueError(f"data.long_form.prob must be in [0, 1], not {cfg.prob}")
    if cfg.max_parts < 2:
        raise ValueError(f"data.long_form.max_parts must be at least 2, not {cfg.max_parts}")
    if not 0.0 <= cfg.max_gap < math.inf:
        raise ValueError(f"data.long_form.max_gap must be >= 0 seconds, not {cfg.max_gap}")
    if not cfg.max_seconds > 0:
        raise ValueError(f"data.long_form.max_seconds must be positive, not {cfg.max_seconds}")
    if not 0.0 <= cfg.noise_prob <= 1.0:
        raise ValueError(f"data.long_form.noise_prob must be in [0, 1], not {cfg.noise_prob}")
    if not cfg.noise_db > 0:
        raise ValueError(f"data.long_form.noise_db must be positive, not {cfg.noise_db}")


class Join(NamedTuple):
    """The utterances (dataset indices, in order) of one example and the gaps between them."""

    parts: tuple[int, ...]
    gaps: tuple[float, ...] = ()  # seconds, len(parts) - 1
    noisy: tuple[bool, ...] = ()  # per gap: low noise (True) or digital silence


def plan_joins(lengths: list[float], cfg: LongFormConfig, seed: int, epoch: int) -> list[Join]:
    """One ``Join`` per example: itself alone, or itself followed by random partners."""
    n = len(lengths)
    joins = []
    for index in range(n):
        rng = np.random.default_rng([seed, epoch, index, _SALT])
        if n < 2 or rng.random() >= cfg.prob:
            joins.append(Join((index,)))
            continue
        count = int(rng.integers(2, cfg.max_parts + 1)) - 1
        others = rng.choice(n - 1, size=min(count, n - 1), replace=False)
        gaps = rng.uniform(0.0, cfg.max_gap, size=len(others))
        noisy = rng.random(len(others)) < cfg.noise_prob
        parts, kept_gaps, kept_noisy = [index], [], []
        total = lengths[index]
        for other, gap, noise in zip(others, gaps, noisy, strict=True):
            partner = int(other) + int(other >= index)  # skip the example itself
            if total + gap + lengths[partner] > cfg.max_seconds:
                continue
            parts.append(partner)
            kept_gaps.append(float(gap))
            kept_noisy.append(bool(noise))
            total += gap + lengths[partner]
        joins.append(Join(tuple(parts), tuple(kept_gaps), tuple(kept_noisy)))
    return joins


def join_signals(
    signals: list[np.ndarray],
    join: Join,
    sample_rate: int,
    noise_db: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """``signals`` (N,) each, concatenated with ``join``'s gaps: silence or low noise."""
    pieces = [signals[0]]
    for signal, gap, noisy in zip(signals[1:], join.gaps, join.noisy, strict=True):
        size = int(round(gap * sample_rate))
        if noisy:
            speech = np.concatenate([pieces[-1], signal])
            rms = float(np.sqrt(np.mean(np.square(speech, dtype=np.float64)))) if speech.size else 0
            level = rms * 10.0 ** (-(noise_db + rng.uniform(-10.0, 10.0)) / 20.0)
            pieces.append((rng.standard_normal(size) * level).astype(np.float32))
        else:
            pieces.append(np.zeros(size, dtype=np.float32))
        pieces.append(signal)
    return np.concatenate(pieces).astype(np.float32, copy=False)


@dataclass
class LongFormDataset(ExampleDataset):
    """An ``ExampleDataset`` whose examples are, each epoch, sometimes joined with others."""

    long_form: LongFormConfig = field(default_factory=LongFormConfig)
    space: list[int] = field(default_factory=list)  # target ids put between joined texts

    def __post_init__(self) -> None:
        super().__post_init__()
        self._plan: list[Join] = []
        self._plan_epoch: int | None = None

    def joins(self) -> list[Join]:
        """This epoch's plan (computed once per epoch)."""
        if self._plan_epoch != self.epoch:
            base = [e.length for e in self.examples]
            self._plan = plan_joins(base, self.long_form, self.seed, self.epoch)
            self._plan_epoch = self.epoch
        return self._plan

    def joined_length(self, join: Join) -> float:
        """Seconds of ``join``: its utterances plus its gaps."""
        return sum(self.examples[i].length for i in join.parts) + sum(join.gaps)

    def lengths(self) -> list[float]:
        """Joined lengths of this epoch's examples, for batching."""
        return [self.joined_length(j) for j in self.joins()]

    def __getitem__(self, index: int) -> Item | BadExample:
        join = self.joins()[index]
        if len(join.parts) == 1:
            return super().__getitem__(index)
        rng = np.random.default_rng([self.seed, self.epoch, index])
        examples = [self.examples[i] for i in join.parts]
        joined = Example(
            id="+".join(e.id for e in examples),
            path=" + ".join(e.path for e in examples),
            text=" ".join(self.texts[i] for i in join.parts),
            length=self.joined_length(join),
        )
        target = list(self.targets[join.parts[0]])
        for i in join.parts[1:]:
            target += self.space + self.targets[i]

        def load() -> np.ndarray:
            signals = [self.signal(i) for i in join.parts]
            rate = self.feature_cfg.sample_rate
            return join_signals(signals, join, rate, self.long_form.noise_db, rng)

        return self.featurized(joined, load, target, rng)


def augment_train_set(dataset: ExampleDataset, data_cfg: Any, alphabet: Alphabet) -> Any:
    """The training set with ``data_cfg.long_form`` applied; unchanged when it is off."""
    cfg = getattr(data_cfg, "long_form", None) or LongFormConfig()
    check_long_form(cfg)
    if cfg.prob == 0:
        return dataset
    if " " not in alphabet.index():
        raise ValueError("data.long_form needs a space in the alphabet to join transcripts")
    kept = {f.name: getattr(dataset, f.name) for f in fields(ExampleDataset)}
    return LongFormDataset(**kept, long_form=cfg, space=alphabet.encode(" "))
