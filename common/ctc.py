"""CTC loss over encoder output, with impossible alignments caught and reported.

A target needs at least ``len(target) + repeats`` frames (a blank must separate
repeated symbols). Such utterances would give an infinite loss; they are
detected before the loss, dropped from the batch average and reported.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F


class CTCResult(NamedTuple):
    """Mean loss over feasible utterances and the indices of the infeasible ones."""

    loss: torch.Tensor
    infeasible: list[int]


def min_frames(targets: torch.Tensor, target_lengths: torch.Tensor) -> torch.Tensor:
    """Minimum frames CTC needs per target: length plus number of adjacent repeats. (B,)"""
    if targets.shape[1] < 2:
        return target_lengths.clone()
    same = targets[:, 1:] == targets[:, :-1]  # (B, S-1)
    valid = (
        torch.arange(1, targets.shape[1], device=targets.device)[None, :] < target_lengths[:, None]
    )
    return target_lengths + (same & valid).sum(dim=1)


def ctc_loss(
    log_probs: torch.Tensor,
    lengths: torch.Tensor,
    targets: torch.Tensor,
    target_lengths: torch.Tensor,
    blank: int = 0,
) -> CTCResult:
    """CTC loss averaged over utterances, each normalised by its target length.

    Args:
        log_probs: (B, T', V) log-probabilities from the encoder.
        lengths: (B,) valid encoder frames.
        targets: (B, S) padded target ids.
        target_lengths: (B,) valid target lengths.
        blank: blank index.

    Returns:
        ``CTCResult``; the loss is 0 (with grad) when no utterance is feasible.
    """
    feasible = min_frames(targets, target_lengths) <= lengths.to(targets.device)
    feasible &= target_lengths > 0
    bad = (~feasible).nonzero().flatten().tolist()
    if not feasible.any():
        return CTCResult(log_probs.sum() * 0.0, bad)
    keep = feasible.nonzero().flatten()
    lp = log_probs[keep].transpose(0, 1).float()  # (B, T', V) -> (T', B, V)
    per_utt = F.ctc_loss(
        lp,
        targets[keep],
        lengths[keep],
        target_lengths[keep],
        blank=blank,
        reduction="none",
        zero_infinity=True,
    )
    loss = (per_utt / target_lengths[keep].clamp(min=1).to(per_utt.dtype)).mean()
    return CTCResult(loss, bad)
