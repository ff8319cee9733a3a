"""The whole ink pipeline learns: a tiny synthetic set is overfit to CER < 5 %."""

import pytest

from common.checkpoint import load_checkpoint


@pytest.mark.slow
def test_overfits_tiny_ink_set(tiny_ink_model):
    best, metrics = tiny_ink_model
    assert metrics["cer"] < 0.05, metrics
    history = load_checkpoint(best.parent / "last.pt")["train_state"]["history"]
    assert history[-1]["train_loss"] < 0.1 * history[0]["train_loss"]
    payload = load_checkpoint(best)
    assert payload["modality"] == "handwriting" and payload["features"]["kind"] == "bezier"
