import itertools
import math

import torch

from common.ctc import ctc_loss, min_frames


def collapse(path, blank=0):
    out, prev = [], None
    for k in path:
        if k != prev and k != blank:
            out.append(k)
        prev = k
    return out


def naive_ctc_nll(log_probs, target):
    """-log sum over every frame path that collapses to target (Graves 2006, by enumeration)."""
    T, V = log_probs.shape
    total = -math.inf
    for path in itertools.product(range(V), repeat=T):
        if collapse(path) == list(target):
            score = sum(float(log_probs[t, k]) for t, k in enumerate(path))
            total = max(total, score) + math.log1p(math.exp(-abs(total - score)))
    return -total


def test_ctc_matches_enumeration_on_tiny_inputs():
    torch.manual_seed(0)
    cases = [([1], 3), ([1, 2], 4), ([1, 1], 4), ([2, 1, 2], 5)]
    for target, T in cases:
        lp = torch.randn(1, T, 3).log_softmax(-1)
        result = ctc_loss(
            lp, torch.tensor([T]), torch.tensor([target]), torch.tensor([len(target)])
        )
        expected = naive_ctc_nll(lp[0], target) / len(target)
        assert abs(float(result.loss) - expected) < 1e-4, (target, T)
        assert result.infeasible == []


def test_min_frames_counts_repeats():
    targets = torch.tensor([[1, 1, 2, 0], [3, 3, 3, 3], [1, 2, 1, 2]])
    assert min_frames(targets, torch.tensor([3, 4, 2])).tolist() == [4, 7, 2]


def test_infeasible_targets_reported_not_nan():
    lp = torch.randn(2, 3, 4, requires_grad=True)
    log_probs = lp.log_softmax(-1)
    targets = torch.tensor([[1, 1, 1], [2, 0, 0]])  # first needs 5 frames, has 3
    result = ctc_loss(log_probs, torch.tensor([3, 3]), targets, torch.tensor([3, 1]))
    assert result.infeasible == [0]
    assert torch.isfinite(result.loss)
    result.loss.backward()
    assert torch.isfinite(lp.grad).all()


def test_all_infeasible_gives_zero_loss_with_grad():
    lp = torch.randn(1, 1, 3, requires_grad=True)
    result = ctc_loss(
        lp.log_softmax(-1), torch.tensor([1]), torch.tensor([[1, 2]]), torch.tensor([2])
    )
    assert result.infeasible == [0] and float(result.loss.detach()) == 0.0
    result.loss.backward()
