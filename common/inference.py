"""Features -> CTC log-probabilities with a loaded checkpoint, batched or in chunks.

Legend: T input frames, T' encoder frames, F features, V vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from common.checkpoint import LoadedModel


@torch.inference_mode()
def emissions(
    loaded: LoadedModel, features: list[torch.Tensor], batch_size: int = 16
) -> list[np.ndarray]:
    """Log-probabilities (T', V) for each (T, F) feature tensor, in input order.

    Inputs are sorted by length inside the call so each batch pads little.
    """
    order = sorted(range(len(features)), key=lambda i: features[i].shape[0])
    out: list[np.ndarray | None] = [None] * len(features)
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        batch = [features[i] for i in idx]
        lengths = torch.tensor([f.shape[0] for f in batch], dtype=torch.long)
        padded = torch.nn.utils.rnn.pad_sequence(batch, batch_first=True)  # (B, T, F)
        log_probs, out_lengths = loaded.model(padded.to(loaded.device), lengths.to(loaded.device))
        for j, i in enumerate(idx):
            out[i] = log_probs[j, : int(out_lengths[j])].float().cpu().numpy()
    return out  # type: ignore[return-value]


@dataclass(frozen=True)
class Chunk:
    """A window of features whose frames ``[left, left + keep)`` are kept; the rest is context.

    ``left`` must be a multiple of the encoder's subsampling; ``keep`` too, except
    in the last chunk, which keeps everything after ``left``.
    """

    features: torch.Tensor  # (T, F)
    left: int
    keep: int


@torch.inference_mode()
def chunked_emissions(loaded: LoadedModel, chunks: Iterable[Chunk]) -> np.ndarray:
    """Stitch log-probabilities of overlapping chunks: each keeps only its core frames.

    Memory holds one chunk of features at a time plus the (T', V) result.
    """
    parts: list[np.ndarray] = []
    s = loaded.model.subsampling
    for chunk in chunks:
        lp = emissions(loaded, [chunk.features])[0]
        left = chunk.left // s
        parts.append(lp[left : left + -(-chunk.keep // s)])
    if not parts:
        return np.zeros((0, len(loaded.alphabet)), dtype=np.float32)
    return np.concatenate(parts, axis=0)
