"""Ink representation and validation."""

import numpy as np
import pytest

from handwriting.ink import (
    DEFAULT_SAMPLE_RATE,
    Ink,
    InkError,
    make_ink,
    synthesize_timestamps,
    validate_ink,
)


def test_ink_copies_and_freezes_its_strokes():
    source = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 0.1]])
    ink = Ink((source,), text="a", id="x")
    source[0, 0] = 99.0
    assert ink.strokes[0][0, 0] == 0.0
    with pytest.raises(ValueError):
        ink.strokes[0][0, 0] = 5.0
    assert ink.num_points == 2 and ink.num_strokes == 1


def test_points_and_stroke_starts_count_over_strokes():
    ink = make_ink([[[0, 0, 0], [1, 0, 1]], [], [[2, 0, 2], [3, 0, 3], [4, 0, 4]]])
    assert ink.points.shape == (5, 3)
    assert ink.stroke_starts.tolist() == [0, 2, 2]
    assert ink.points[:, 0].tolist() == [0, 1, 2, 3, 4]


def test_wrong_stroke_shape_is_an_ink_error():
    with pytest.raises(InkError, match="shape"):
        Ink((np.zeros((3, 2)),))


def test_missing_timestamps_are_synthesised_in_writing_order():
    ink = make_ink([[[0, 0], [1, 1]], [[5, 5], [6, 6]]])
    step = 1.0 / DEFAULT_SAMPLE_RATE
    # one extra interval for the pen-up move between the strokes
    assert np.allclose(ink.points[:, 2], [0, step, 3 * step, 4 * step])


def test_synthesize_timestamps_keeps_coordinates():
    out = synthesize_timestamps([np.array([[3.0, 4.0]])], sample_rate=10.0)
    assert out[0].tolist() == [[3.0, 4.0, 0.0]]


def test_mixed_point_sizes_are_refused():
    with pytest.raises(InkError, match="mix"):
        make_ink([[[0, 0, 0], [1, 1, 1]], [[2, 2], [3, 3]]])


@pytest.mark.parametrize(
    "strokes, message",
    [
        ([], "no points"),
        ([[], []], "no points"),
        ([[[1, 1, 0]]], "single point"),
        ([[[0, 0, 0], [np.nan, 1, 1]]], "non-finite"),
        ([[[0, 0, 0], [1, np.inf, 1]]], "non-finite"),
        ([[[0, 0, 1.0], [1, 1, 0.5]]], "backwards"),
        ([[[0, 0, 0], [1, 1, 2.0]], [[2, 2, 1.0], [3, 3, 3.0]]], "backwards"),
    ],
)
def test_validate_rejects_bad_ink_with_one_line(strokes, message):
    with pytest.raises(InkError, match=message) as info:
        validate_ink(make_ink(strokes, id="bad"))
    assert "\n" not in str(info.value)
    assert "bad" in str(info.value)


def test_validate_rejects_enormous_ink():
    ink = make_ink([np.column_stack([np.arange(11.0), np.zeros(11), np.arange(11.0)])])
    with pytest.raises(InkError, match="enormous"):
        validate_ink(ink, max_points=10)
    assert validate_ink(ink) is ink


def test_equal_timestamps_are_allowed():
    ink = make_ink([[[0, 0, 1.0], [1, 0, 1.0], [2, 0, 1.5]]])
    assert validate_ink(ink) is ink
