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


@pytest.fixture(scope="session")
def hershey_ink():
    """``hershey_ink(text, font="rowmans")``: ``text`` set straight in a Hershey font (the
    glyph tables the synthesiser uses, no writer effects), densified, y down."""
    import numpy as np

    from handwriting.glyph_sources import hershey_table
    from handwriting.ink import make_ink

    def densify(stroke: np.ndarray, step: float = 1.0) -> np.ndarray:
        """Points at most ``step`` glyph units apart along a polyline."""
        out = [stroke[0]]
        for a, b in zip(stroke[:-1], stroke[1:], strict=True):
            n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
            out += [a + (b - a) * k / n for k in range(1, n + 1)]
        return np.array(out)

    def make(text: str, font: str = "rowmans"):
        table, x, strokes = hershey_table(font), 0.0, []
        for char in text:
            strokes += [densify(s + [x, 0.0]) for s in table[char].strokes]
            x += table[char].advance
        return make_ink(strokes, text=text)

    return make
