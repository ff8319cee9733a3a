"""Examples, batches and length-bucketed batching shared by speech and ink.

Flow: a modality's reader lists ``Example``s -> its featurizer turns one into a
(T, F) tensor -> ``collate`` pads them into a ``Batch`` for the encoder (examples
that failed to load travel beside it as ``BadExample``s, so the loop can count them).
Legend: B batch, T frames, F feature dim, S target length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch


@dataclass(frozen=True)
class Example:
    """One utterance or text line as a reader lists it.

    Attributes:
        id: corpus-unique id (e.g. ``1089-134686-0000`` or ``a01-000u-01``).
        path: the file holding the signal (audio file or ink file).
        text: raw transcript, before normalisation ("" when unknown).
        length: size used for batching: seconds of audio, or points of ink.
        speaker: speaker or writer id ("" when unknown); used for held-out splits.
    """

    id: str
    path: str
    text: str
    length: float
    speaker: str = ""


class BadExample(NamedTuple):
    """An example whose signal could not be loaded or featurized, and why (one line)."""

    id: str
    reason: str


class Batch(NamedTuple):
    """Padded batch: features (B, T, F), lengths (B,), targets (B, S), target lengths (B,).

    ``bad`` lists the examples of the sampled batch that were dropped (``BadExample``);
    ``ids`` are the B examples kept. B is 0 when every example of the batch was bad.
    """

    features: torch.Tensor
    feature_lengths: torch.Tensor
    targets: torch.Tensor
    target_lengths: torch.Tensor
    ids: tuple[str, ...]
    bad: tuple[BadExample, ...] = ()


Item = tuple[str, torch.Tensor, list[int]]


def collate(items: list[Item | BadExample]) -> Batch:
    """Pad ``(id, features (T, F), target ids)`` items into a ``Batch``; set bad ones aside."""
    bad = tuple(i for i in items if isinstance(i, BadExample))
    good = [i for i in items if not isinstance(i, BadExample)]
    ids = tuple(i for i, _, _ in good)
    feats = [f for _, f, _ in good]
    targets = [torch.tensor(t, dtype=torch.long) for _, _, t in good]
    feature_lengths = torch.tensor([f.shape[0] for f in feats], dtype=torch.long)
    target_lengths = torch.tensor([len(t) for t in targets], dtype=torch.long)
    if feats:
        padded = torch.nn.utils.rnn.pad_sequence(feats, batch_first=True)  # (B, T, F)
    else:
        padded = torch.zeros(0, 0, 0)
    if targets and max(len(t) for t in targets) > 0:
        padded_targets = torch.nn.utils.rnn.pad_sequence(targets, batch_first=True)  # (B, S)
    else:
        padded_targets = torch.zeros(len(good), 0, dtype=torch.long)
    return Batch(padded, feature_lengths, padded_targets, target_lengths, ids, bad)


def bucketed_batches(
    lengths: list[float],
    batch_size: int,
    max_batch_length: float,
    seed: int,
    epoch: int,
    shuffle: bool = True,
    bucket_batches: int = 50,
) -> list[list[int]]:
    """Index batches of similar length, reproducible from ``(seed, epoch)``.

    Examples are shuffled, cut into pools of ``bucket_batches * batch_size``,
    each pool sorted by length and split into batches of at most ``batch_size``
    examples and at most ``max_batch_length`` total padded length (0 = no
    limit); the batches are then shuffled. An example longer than the limit
    forms a batch of its own.
    """
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths)) if shuffle else np.arange(len(lengths))
    pool_size = max(1, bucket_batches * batch_size)
    batches: list[list[int]] = []
    for start in range(0, len(order), pool_size):
        pool = sorted(order[start : start + pool_size].tolist(), key=lambda i: lengths[i])
        batch: list[int] = []
        longest = 0.0
        for i in pool:
            longest_if_added = max(longest, lengths[i])
            too_long = (
                max_batch_length > 0 and longest_if_added * (len(batch) + 1) > max_batch_length
            )
            if batch and (len(batch) >= batch_size or too_long):
                batches.append(batch)
                batch, longest_if_added = [], lengths[i]
            batch.append(i)
            longest = longest_if_added
        if batch:
            batches.append(batch)
    if shuffle:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches
