"""Shared fixtures: the optional real data beside the checkout and tiny training configs."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

# Test models are tiny: one thread is as fast as two and never oversubscribes the cores.
torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` when present; the test is skipped otherwise."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present (only in the project's workplace)")
    return SHARED_DATA
