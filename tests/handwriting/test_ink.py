"""Ink representation and validation."""

import numpy as np
import pytest

from handwriting.ink import (
    DEFAULT_SAMPLE_RATE,
    Ink,
    InkError,
    make_ink,
    repair_timestamps,
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
        ([[[0, 0, 0], [2e9, 1, 1]]], "coordinates"),
        ([[[0, 0, 0], [1, 1, 1e300]]], "timestamps"),
        ([[[0, 0, 0], [1, 1, 2e6]]], "spanning"),
        ([[[0, 0, 0], [np.nan, 1, 1]]], "non-finite"),
        ([[[0, 0, 0], [1, np.inf, 1]]], "non-finite"),
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


def test_single_point_is_ink():
    ink = make_ink([[[1, 1, 0]]])
    assert validate_ink(ink) is ink


def test_backwards_timestamps_are_repaired_not_refused():
    ink = make_ink([[[0, 0, 0.0], [1, 0, 0.1], [2, 0, 0.2]], [[3, 0, 0.0], [4, 0, 0.3]]], id="r")
    assert validate_ink(ink) is ink  # validation no longer judges time order
    fixed = repair_timestamps(ink)
    # the backward step (0.2 -> 0.0) becomes the median forward step (0.1); later steps stay
    np.testing.assert_allclose(fixed.points[:, 2], [0.0, 0.1, 0.2, 0.3, 0.6])
    np.testing.assert_array_equal(fixed.points[:, :2], ink.points[:, :2])
    assert [len(s) for s in fixed.strokes] == [3, 2] and fixed.id == "r"


def test_restart_at_zero_inside_a_stroke_continues_the_clock():
    ink = make_ink([[[0, 0, 5.0], [1, 0, 5.5], [2, 0, 0.0], [3, 0, 0.5]]])
    np.testing.assert_allclose(repair_timestamps(ink).points[:, 2], [5.0, 5.5, 6.0, 6.5])


def test_monotone_ink_is_returned_as_is_and_time_never_decreases():
    ink = make_ink([[[0, 0, 1.0], [1, 0, 1.0], [2, 0, 1.5]]])
    assert repair_timestamps(ink) is ink
    rng = np.random.default_rng(3)
    for _ in range(20):
        pts = np.column_stack([rng.normal(size=(30, 2)), rng.uniform(-5, 5, 30)])
        fixed = repair_timestamps(make_ink(np.array_split(pts, 4)))
        assert (np.diff(fixed.points[:, 2]) >= 0).all()
