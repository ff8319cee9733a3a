"""tune-lm's ranking: the best row is the lowest of the task's metric, the other breaks ties."""

import pytest

import common.decoding.factory
import common.scoring
from common.alphabet import Alphabet
from common.config import DecoderConfig
from common.tuning import grid_search

# (alpha, beta) -> (wer, cer): the lowest WER and the lowest CER are different settings,
# and two rows tie on CER so that WER must break the tie
SCORES = {
    (0.0, 0.0): (0.30, 0.050),
    (0.5, 0.0): (0.20, 0.080),  # best WER
    (0.0, 1.0): (0.40, 0.040),  # best CER, worse WER than the next
    (0.5, 1.0): (0.35, 0.040),  # same CER, better WER: the best CER row
}


@pytest.fixture
def scored(monkeypatch):
    monkeypatch.setattr(common.decoding.factory, "make_decoder", lambda cfg, alphabet: cfg)
    monkeypatch.setattr(
        common.scoring,
        "score",
        lambda emissions, cfg: dict(
            zip(("wer", "cer"), SCORES[(cfg.alpha, cfg.beta)], strict=True)
        ),
    )


@pytest.mark.parametrize(
    ("metric", "best", "order"),
    [
        ("cer", (0.5, 1.0), [(0.5, 1.0), (0.0, 1.0), (0.0, 0.0), (0.5, 0.0)]),
        ("wer", (0.5, 0.0), [(0.5, 0.0), (0.0, 0.0), (0.5, 1.0), (0.0, 1.0)]),
    ],
)
def test_rows_rank_by_the_tasks_metric(scored, metric, best, order):
    base = DecoderConfig(kind="beam", lm="lm.arpa")
    top, rows = grid_search(
        None, Alphabet.from_chars("ab"), base, [0.0, 0.5], [0.0, 1.0], metric=metric, progress=False
    )
    assert (top["alpha"], top["beta"]) == best
    assert [(r["alpha"], r["beta"]) for r in rows] == order
