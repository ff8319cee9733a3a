"""Where recognised characters and words lie on the ink (``handwriting.api.locate``).

The decoder gives encoder frames; the featurizer's point map gives, for each feature
frame, the index of its last ink point, so feature frame ``k`` covers the points after
frame ``k - 1``'s last one up to its own. Spans are checked against that mapping worked
out by hand on a small ink, not against the code's output.
"""

from __future__ import annotations

import numpy as np

from common.decoding.hypothesis import Hypothesis, word_spans
from handwriting.api import locate
from handwriting.ink import make_ink

# 12 points in 3 strokes, 1 s apart; 6 feature frames ending at these points
INK = make_ink([[[x, 0, x] for x in range(5)], [[x, 1, x] for x in range(5, 9)],
                [[x, 2, x] for x in range(9, 12)]])  # fmt: skip
POINT_MAP = np.array([1, 3, 4, 6, 8, 11])


def hypothesis(text: str, frames: list[tuple[int, int]]) -> Hypothesis:
    starts, ends = tuple(f for f, _ in frames), tuple(e for _, e in frames)
    return Hypothesis(
        text, tuple(range(len(text))), starts, ends, 0.0, words=word_spans(text, starts, ends)
    )


def spans(items) -> list[tuple[str, int, int]]:
    return [(s.text, s.start, s.end) for s in items]


def test_characters_cover_the_points_of_their_feature_frames():
    # "ab c": a on feature frames [0, 1), b on [1, 3), space on [3, 4), c on [4, 6)
    hyp = hypothesis("ab c", [(0, 1), (1, 3), (3, 4), (4, 6)])
    words, chars = locate(hyp, INK, POINT_MAP, subsampling=1)
    # frame 0 ends at point 1: a = points 0..1; b = frames 1-2 = points 2..4; c = 7..11
    assert spans(chars) == [("a", 0, 2), ("b", 2, 5), ("c", 7, 12)]
    assert spans(words) == [("ab", 0, 5), ("c", 7, 12)]
    assert [(s.start_time, s.end_time) for s in chars] == [(0.0, 1.0), (2.0, 4.0), (7.0, 11.0)]


def test_encoder_frames_of_a_subsampling_model_cover_two_feature_frames_each():
    hyp = hypothesis("a b", [(0, 1), (1, 2), (2, 3)])  # encoder frames of 2 feature frames
    words, chars = locate(hyp, INK, POINT_MAP, subsampling=2)
    assert spans(chars) == [("a", 0, 4), ("b", 7, 12)]
    assert spans(words) == [("a", 0, 4), ("b", 7, 12)]
