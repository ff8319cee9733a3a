"""Bézier fitting: error bound, frame layout, sequence shortening."""

import numpy as np
import pytest

from handwriting import bezier
from handwriting.bezier import FRAME_DIM, bezier_frames, evaluate, fit_stroke
from handwriting.features import InkFeatureConfig, featurize
from handwriting.ink import Ink, make_ink
from handwriting.preprocess import PreprocessConfig, preprocess
from handwriting.synth import synthesize_line
from handwriting.writer_styles import make_writers


@pytest.fixture(scope="module")
def lines():
    train, test = make_writers(4, 3, seed=11)
    rng = np.random.default_rng(3)
    texts = ["handwriting recognition", "The 3 quick foxes, (2024)!", "minimum jumps over it"]
    return [synthesize_line(t, w, rng) for w in train + test for t in texts]


def distance_to_curve(points: np.ndarray, control: np.ndarray) -> np.ndarray:
    """Distance from each point to a densely sampled curve."""
    curve = evaluate(control, np.linspace(0, 1, 2001))
    return np.sqrt(((points[:, None, :] - curve[None]) ** 2).sum(-1)).min(axis=1)


@pytest.mark.parametrize("max_error", [0.02, 0.1])
def test_fitted_curves_stay_within_the_error_bound(lines, max_error):
    for ink in lines[::7]:
        clean = preprocess(ink, PreprocessConfig())
        for stroke in clean.strokes:
            if len(stroke) < 2:
                continue
            pieces = fit_stroke(stroke, max_error, max_points=0)
            assert pieces.start[0] == 0 and pieces.end[-1] == len(stroke) - 1
            assert np.array_equal(pieces.start[1:], pieces.end[:-1])  # shared boundaries
            assert np.all(pieces.error <= max_error + 1e-12)
            for control, a, b in zip(pieces.control, pieces.start, pieces.end, strict=True):
                points = stroke[a : b + 1, :2]
                assert distance_to_curve(points, control).max() <= max_error + 1e-3


def test_straight_line_is_one_exact_piece():
    x = np.linspace(0, 4, 9)
    stroke = np.column_stack([x, 0.5 * x, np.linspace(0, 0.8, 9)])
    pieces = fit_stroke(stroke, max_error=1e-6)
    assert len(pieces.start) == 1 and pieces.error[0] < 1e-9
    frames, ends = bezier_frames(Ink((stroke,)), max_error=1e-6)
    dx, dy, d1, d2, a1, a2, tau1, tau2, tau3, pen_up = frames[0]
    assert (dx, dy) == pytest.approx((4.0, 2.0))
    assert (d1, d2, a1, a2) == pytest.approx((1 / 3, 1 / 3, 0, 0), abs=1e-9)
    assert (tau1, tau2, tau3) == pytest.approx((0.8 / 3, 1.6 / 3, 0.8))
    assert pen_up == 0 and ends.tolist() == [8]


def test_symmetric_arc_has_mirrored_angles():
    angle = np.linspace(np.pi, 0, 40)
    stroke = np.column_stack([1 + np.cos(angle), np.sin(angle), np.linspace(0, 1, 40)])
    frames, _ = bezier_frames(Ink((stroke,)), max_error=0.05)
    (frame,) = frames  # a half circle is one cubic within 0.05
    assert frame[4] > 0.5 and frame[5] == pytest.approx(-frame[4], abs=1e-6)
    assert frame[2] == pytest.approx(frame[3], abs=1e-6)


def test_closed_loop_is_split_even_with_a_loose_error():
    angle = np.linspace(0, 2 * np.pi, 60)
    stroke = np.column_stack([np.cos(angle), np.sin(angle), angle])
    assert len(fit_stroke(stroke, max_error=10.0).start) >= 2


def test_pieces_respect_max_points():
    stroke = np.column_stack([np.arange(100.0), np.zeros(100), np.arange(100.0)])
    pieces = fit_stroke(stroke, max_error=1.0, max_points=16)
    assert np.all(pieces.end - pieces.start + 1 <= 16)


def test_pen_up_and_dot_frames_in_writing_order():
    ink = make_ink(
        [[[0, 0, 0.0], [1, 0, 0.1], [2, 0, 0.2]], [[5, 1, 0.5]], [[6, 0, 1.0], [7, 0, 1.1]]]
    )
    frames, ends = bezier_frames(ink, max_error=0.01)
    assert frames.shape == (5, FRAME_DIM)
    assert ends.tolist() == [2, 3, 3, 4, 5]
    assert frames[:, 9].tolist() == [0, 1, 0, 1, 0]
    assert frames[1] == pytest.approx([3, 1, 1 / 3, 1 / 3, 0, 0, 0.1, 0.2, 0.3, 1])
    assert not frames[2].any()  # the dot


def test_bezier_shortens_sequences_several_fold(lines):
    rng = np.random.default_rng(0)
    offsets = [len(featurize(ink, InkFeatureConfig(), False, rng)) for ink in lines]
    bezier = [len(featurize(ink, InkFeatureConfig(kind="bezier"), False, rng)) for ink in lines]
    assert np.mean(offsets) >= 3 * np.mean(bezier)
    chars = [len(ink.text) for ink in lines]
    assert min(b / c for b, c in zip(bezier, chars, strict=True)) >= 2  # room for CTC


def test_batching_by_length_does_not_change_the_fit(lines, monkeypatch):
    clean = preprocess(lines[0], PreprocessConfig())
    whole = bezier_frames(clean, max_error=0.05)
    monkeypatch.setattr(bezier, "BATCH_POINTS", 64)
    batched = bezier_frames(clean, max_error=0.05)
    assert np.allclose(whole[0], batched[0]) and np.array_equal(whole[1], batched[1])
