"""bench/cells.py: equal-size cells, and the input-gradient profile against an oracle."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from common.encoder import Encoder, count_parameters

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def cells():
    spec = importlib.util.spec_from_file_location("cells", REPO / "bench" / "cells.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["cells"] = module
    spec.loader.exec_module(module)
    return module


def size(cells, cell: str, hidden: int) -> int:
    dim = cells.feature_dim(cells.FEATURES)
    return count_parameters(Encoder(dim, len(cells.ALPHABET), cells.model_config(cell, hidden)))


def test_matched_hidden_equalises_parameter_counts(cells) -> None:
    target = size(cells, "lstm", 64)
    for cell in ("rnn", "gru", "lstm"):
        hidden = cells.matched_hidden(cell, target)
        assert abs(size(cells, cell, hidden) - target) / target < 0.02
        assert (
            size(cells, cell, hidden - 1) < target < size(cells, cell, hidden + 1) or cell == "lstm"
        )


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_profile_without_recurrence_only_reaches_the_last_frame(cells, cell: str) -> None:
    torch.manual_seed(0)
    dim = cells.feature_dim(cells.FEATURES)
    model = Encoder(dim, len(cells.ALPHABET), cells.model_config(cell, 8))
    keep_gate = {"gru": 1, "lstm": 1}.get(cell)  # z of (r, z, n); f of (i, f, g, o)
    with torch.no_grad():  # oracle: no path from earlier frames to the last output
        for name, p in model.named_parameters():
            if "weight_hh" in name:
                p.zero_()
            if "bias_ih" in name and keep_gate is not None:
                p.view(-1, 8)[keep_gate] = -1000.0  # gate that carries the old state: shut
    data = [(torch.randn(cells.MAX_DISTANCE + 5, dim), [1], "a")]
    profile = np.array(cells.gradient_profile(model, data))
    assert profile.shape == (cells.MAX_DISTANCE,)
    assert profile[0] > 1e-6 and np.all(profile[1:] < 1e-25)


def test_profile_of_a_recurrent_model_reaches_back(cells) -> None:
    torch.manual_seed(0)
    dim = cells.feature_dim(cells.FEATURES)
    model = Encoder(dim, len(cells.ALPHABET), cells.model_config("lstm", 8))
    data = [(torch.randn(cells.MAX_DISTANCE, dim), [1], "a") for _ in range(2)]
    profile = np.array(cells.gradient_profile(model, data))
    assert np.all(profile > 0) and profile[1] > 1e-25


def test_digit_strings_join_one_speakers_digits(cells, shared_data: Path) -> None:
    pairs = cells.digit_strings(str(shared_data / "fsdd"), 5, {"jackson"}, np.random.default_rng(0))
    words = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
    for wave, text in pairs:
        assert 1 <= len(text.split()) <= 5 and set(text.split()) <= words
        assert wave.dtype == np.float32 and len(wave) > 0.2 * cells.RATE * len(text.split())
