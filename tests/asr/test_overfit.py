"""The whole speech pipeline learns: a tiny espeak-ng set is overfit to CER < 5 %."""

import pytest

from common.checkpoint import load_checkpoint


@pytest.mark.slow
def test_overfits_tiny_speech_set(tiny_model):
    best, metrics = tiny_model
    assert metrics["cer"] < 0.05, metrics
    history = load_checkpoint(best.parent / "last.pt")["train_state"]["history"]
    assert history[-1]["train_loss"] < 0.1 * history[0]["train_loss"]
    payload = load_checkpoint(best)
    assert payload["modality"] == "asr" and payload["features"]["n_mels"] == 40
    assert "optimizer" not in payload  # best.pt is inference-only
