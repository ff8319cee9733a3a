"""Preprocessing invariants: cleaning, flip, slant, normalisation, resampling, provenance."""

import numpy as np
import pytest

from handwriting.features import InkFeatureConfig, featurize
from handwriting.ink import Ink, InkError, make_ink
from handwriting.preprocess import (
    PreprocessConfig,
    estimate_core_height,
    estimate_slant,
    preprocess,
    preprocess_tracked,
)
from handwriting.synth import synthesize_line
from handwriting.writer_styles import make_writers

RAW = PreprocessConfig(
    flip_y=False, outlier_factor=0, slant_correction=False, normalize=False, resample_step=0
)


@pytest.fixture(scope="module")
def line_ink():
    train, _ = make_writers(2, 0, seed=5)
    return synthesize_line("Quick brown foxes jump", train[0], np.random.default_rng(0))


def transformed(ink: Ink, scale: float, shift: tuple[float, float, float]) -> Ink:
    strokes = [s * [scale, scale, 1.0] + shift for s in ink.strokes]
    return Ink(tuple(strokes), text=ink.text, id=ink.id)


@pytest.mark.parametrize("kind", ["offsets", "bezier"])
@pytest.mark.parametrize("writer", range(3))
def test_features_are_invariant_to_translation_and_scale(kind, writer):
    style = make_writers(3, 0, seed=8)[0][writer]  # cursive, futural, timesi
    ink = synthesize_line("Pack my box with 5 jugs.", style, np.random.default_rng(writer))
    cfg = InkFeatureConfig(kind=kind)
    rng = np.random.default_rng(0)
    reference = featurize(ink, cfg, train=False, rng=rng)
    for scale, shift in [(3.7, (1000.0, -500.0, 0.0)), (0.01, (-3.0, 7.0, 250.0))]:
        moved = featurize(transformed(ink, scale, shift), cfg, train=False, rng=rng)
        assert moved.shape == reference.shape
        assert np.allclose(moved.numpy(), reference.numpy(), atol=1e-4)


def test_normalised_core_band_is_unit_height(line_ink):
    out = preprocess(line_ink, PreprocessConfig())
    assert estimate_core_height(out) == pytest.approx(1.0, abs=0.05)
    assert 0.0 <= out.points[:, 0].min() < 0.2  # x starts at 0, up to one resampling step
    assert out.points[:, 2].min() == pytest.approx(0.0, abs=1e-9)


def test_y_is_flipped_to_point_up():
    ink = make_ink([[[0, 0, 0], [0, 10, 1], [5, 10, 2]]])  # screen: down, then right
    out = preprocess(ink, PreprocessConfig(slant_correction=False, resample_step=0))
    assert out.points[1, 1] < out.points[0, 1]
    kept = preprocess(ink, PreprocessConfig(flip_y=False, slant_correction=False, resample_step=0))
    assert kept.points[1, 1] > kept.points[0, 1]


def test_slant_is_estimated_and_sheared_out():
    strokes = []
    for k in range(6):  # upright bars, then sheared 20 degrees to the right (y up)
        y = np.linspace(0, 10, 11)
        strokes.append(np.column_stack([np.full(11, 5.0 * k), y, k + y / 100]))
    shear = np.tan(np.deg2rad(20))
    leaning = Ink(tuple(s + np.outer(s[:, 1], [shear, 0, 0]) for s in strokes))
    assert np.rad2deg(estimate_slant(leaning, flip_y=False)) == pytest.approx(20, abs=0.5)
    out = preprocess(leaning, PreprocessConfig(flip_y=False, resample_step=0))
    for stroke in out.strokes:
        assert np.ptp(stroke[:, 0]) < 1e-6


def test_duplicates_and_spikes_are_removed_with_provenance():
    xs = np.arange(10.0)
    points = np.column_stack([xs, np.zeros(10), xs])
    points = np.insert(points, 3, [2.0, 0.0, 2.5], axis=0)  # duplicate of point 2
    points[7, 1] = 500.0  # a glitch far away from both neighbours
    ink = Ink((points,))
    out, source = preprocess_tracked(
        ink, PreprocessConfig(**{**RAW.__dict__, "outlier_factor": 25})
    )
    assert source.tolist() == [0, 1, 2, 4, 5, 6, 8, 9, 10]
    assert np.array_equal(out.points, ink.points[source])
    assert ink.points[7, 1] == 500.0  # the input is untouched


def test_dots_are_kept_unless_asked():
    ink = make_ink([[[0, 0, 0], [10, 0, 1]], [[5, 5, 2], [5, 5, 3], [5, 5, 4]]])
    kept = preprocess(ink, RAW)
    assert [len(s) for s in kept.strokes] == [2, 1]
    dropped = preprocess(ink, PreprocessConfig(**{**RAW.__dict__, "keep_dots": False}))
    assert [len(s) for s in dropped.strokes] == [2]


def test_resampling_is_equidistant_along_the_path():
    ink = make_ink([[[0, 0, 0], [3, 4, 1], [3, 10, 2]]])  # path length 11
    out = preprocess(
        ink,
        PreprocessConfig(flip_y=False, slant_correction=False, normalize=False, resample_step=1.0),
    )
    steps = np.hypot(*np.diff(out.points[:, :2], axis=0).T)
    assert out.num_points == 12
    assert np.allclose(steps, 1.0)  # the corner falls on a sample: every chord is one step


def test_resampling_keeps_time_order_and_provenance(line_ink):
    cfg = PreprocessConfig(resample_step=0.1)
    out, source = preprocess_tracked(line_ink, cfg)
    steps = np.concatenate([np.hypot(*np.diff(s[:, :2], axis=0).T) for s in out.strokes])
    assert steps.max() <= 0.1 + 1e-9 and np.median(steps) > 0.095
    assert np.all(np.diff(source) >= 0)
    assert source.min() >= 0 and source.max() < line_ink.num_points
    for stroke in out.strokes:
        assert np.all(np.diff(stroke[:, 2]) >= 0)


def test_time_aware_resampling_adds_points_where_the_pen_pauses():
    x = np.linspace(0, 10, 101)
    t = np.linspace(0, 1, 101)
    t[51:] += 2.0  # a two-second pause half way
    ink = Ink((np.column_stack([x, np.zeros(101), t]),))
    base = dict(flip_y=False, slant_correction=False, normalize=False, resample_step=1.0)
    plain = preprocess(ink, PreprocessConfig(**base))
    timed = preprocess(ink, PreprocessConfig(**base, time_aware=True))
    assert plain.num_points == 11
    # the pause counts as 2 s at the median speed of 10 units/s: about 20 more points, there
    paused = (timed.points[:, 0] > 5.0) & (timed.points[:, 0] < 5.1)
    assert timed.num_points >= plain.num_points + 19
    assert paused.sum() >= 18


def test_degenerate_and_bad_settings_are_errors():
    with pytest.raises(InkError, match="fewer than two"):
        preprocess(make_ink([[[1, 1, 0], [1, 1, 1]]]), PreprocessConfig())
    with pytest.raises(InkError, match="no extent"):
        preprocess(make_ink([[[1, 1, 0]], [[1, 1, 1]]]), PreprocessConfig())
    with pytest.raises(ValueError, match="core_low"):
        preprocess(make_ink([[[0, 0, 0], [1, 1, 1]]]), PreprocessConfig(core_low=80, core_high=20))
    with pytest.raises(ValueError, match="resample_step"):
        preprocess(make_ink([[[0, 0, 0], [1, 1, 1]]]), PreprocessConfig(resample_step=-1))


def test_flat_line_falls_back_to_its_extent():
    ink = make_ink([[[0, 5, 0], [40, 5, 1]]])
    out = preprocess(ink, PreprocessConfig(resample_step=0))
    assert out.points[:, 0].tolist() == [0.0, 1.0]


def _bent(ink: Ink, tilt_deg: float, bow: float) -> Ink:
    """``ink`` (y down) on a tilted, bowed baseline: y += tan(tilt) x + bow * parabola."""
    x0, x1 = ink.points[:, 0].min(), ink.points[:, 0].max()
    out = []
    for s in ink.strokes:
        u = (s[:, 0] - x0) / (x1 - x0)
        y = s[:, 1] + np.tan(np.radians(tilt_deg)) * (s[:, 0] - x0) + bow * (1 - (2 * u - 1) ** 2)
        out.append(np.column_stack([s[:, 0], y, s[:, 2]]))
    return Ink(tuple(out), text=ink.text, id=ink.id)


@pytest.mark.parametrize(("tilt", "bow"), [(5.0, 0.0), (-6.0, 0.0), (0.0, 1.5), (3.0, -1.2)])
def test_baseline_correction_straightens_tilted_and_curved_lines(line_ink, tilt, bow):
    """Point for point (no resampling), a bent line comes out as the straight one does."""
    on = PreprocessConfig(baseline_correction=True, resample_step=0)
    off = PreprocessConfig(baseline_correction=False, resample_step=0)
    bent = _bent(line_ink, tilt, bow * estimate_core_height(line_ink))

    def gap(a: Ink, b: Ink) -> float:  # mean |dy| in core heights, up to a shift
        dy = a.points[:, 1] - b.points[:, 1]
        return float(np.abs(dy - np.median(dy)).mean())

    straight = preprocess(line_ink, on)
    assert gap(preprocess(bent, off), preprocess(line_ink, off)) > 0.25
    assert gap(preprocess(bent, on), straight) < 0.12
    assert gap(straight, preprocess(line_ink, off)) < 0.12  # a straight line is left alone
