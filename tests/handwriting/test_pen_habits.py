"""Writer habits and pen kinematics of the ink synthesiser, against their definitions."""

import numpy as np
import pytest

from handwriting.glyph_sources import BASELINE, X_HEIGHT, hershey_table
from handwriting.kinematics import add_hooks, bell_samples, components, lognormal_samples
from handwriting.pen_habits import (
    apply_habits,
    deform,
    delayed_stroke,
    is_dot,
    ligature,
    reproportion,
)

L_SHAPE = np.array([[0.0, 0.0], [0.0, 10.0], [0.0, 20.0], [10.0, 20.0], [20.0, 20.0]])


def _same_points(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    key = lambda strokes: sorted(map(tuple, np.vstack(strokes).round(9)))  # noqa: E731
    return key(a) == key(b)


def test_habits_are_stable_per_writer_and_letter_and_keep_the_ink():
    strokes = hershey_table("futural")["E"].strokes
    first = apply_habits(strokes, 7, "E", 0.5, 0.5, 0.5)
    again = apply_habits(strokes, 7, "E", 0.5, 0.5, 0.5)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert _same_points(first, list(strokes))  # cut, reordered or reversed: the same ink
    untouched = apply_habits(strokes, 7, "E", 0.0, 0.0, 0.0)
    assert all(np.array_equal(a, b) for a, b in zip(untouched, strokes, strict=True))
    starts = [
        np.vstack([s[0] for s in apply_habits(strokes, w, "E", 0.5, 0.5, 0.5)]) for w in range(30)
    ]
    writers = {a.tobytes() for a in starts}
    assert len(writers) > 1  # writers differ


def test_split_cuts_at_the_sharpest_corner_and_reverse_flips_direction():
    (head, tail) = apply_habits((L_SHAPE,), 1, "L", 1.0, 0.0, 0.0)
    assert np.array_equal(head[-1], [0.0, 20.0]) and np.array_equal(tail[0], [0.0, 20.0])
    (back,) = apply_habits((L_SHAPE,), 1, "L", 0.0, 0.0, 1.0)
    assert np.array_equal(back, L_SHAPE[::-1])
    dot = np.array([[0.0, 0.0], [1.0, 1.0]])
    assert is_dot(dot) and np.array_equal(apply_habits((dot,), 1, "i", 1.0, 0.0, 1.0)[0], dot)


def test_deformation_is_small_smooth_and_new_each_time():
    strokes = list(hershey_table("futural")["B"].strokes)
    rng = np.random.default_rng(0)
    assert deform(strokes, 0.0, rng) is strokes
    a, b = deform(strokes, 1.0, rng), deform(strokes, 1.0, rng)
    shift = np.abs(np.vstack(a) - np.vstack(strokes))
    assert 0.05 < shift.mean() < 3.0 and shift.max() < 6.0  # cap height is 21
    assert not np.allclose(np.vstack(a), np.vstack(b))
    steps_before = np.hypot(*np.diff(strokes[0], axis=0).T)
    steps_after = np.hypot(*np.diff(a[0], axis=0).T)
    assert np.allclose(steps_after, steps_before, rtol=0.35, atol=0.5)  # no tearing


@pytest.mark.parametrize("font", ["futural", "rowmans", "timesr"])
def test_delayed_strokes_are_dots_and_crosses(font):
    table = hershey_table(font)
    t = list(table["t"].strokes)
    cross = delayed_stroke("t", t)
    assert cross is not None
    width, height = np.ptp(t[cross], axis=0)
    assert width > 2 * height  # the flat bar, not the stem
    i = list(table["i"].strokes)
    assert is_dot(i[delayed_stroke("i", i)])
    assert delayed_stroke("x", list(table["x"].strokes)) == len(table["x"].strokes) - 1
    assert delayed_stroke("a", list(table["a"].strokes)) is None
    assert delayed_stroke("l", list(table["l"].strokes)) is None


def test_ligature_joins_the_letters_through_the_baseline_zone():
    start, end = np.array([0.0, -5.0]), np.array([12.0, -4.0])
    bridge = ligature(start, end, np.random.default_rng(0))
    path = np.vstack([start, bridge, end])
    assert np.hypot(*np.diff(path, axis=0).T).max() < 3.0  # continuous
    assert path[:, 1].max() > max(start[1], end[1]) + 3.0  # dips towards the baseline (y down)
    assert path[:, 1].max() < BASELINE + 3.0
    assert np.all(np.diff(path[:, 0]) > 0)  # moves forward


@pytest.mark.parametrize("sampler", ["bell", "lognormal"])
def test_kinematics_follow_the_path_at_the_writers_rate(sampler):
    rate = 130.0
    if sampler == "bell":
        xy, t = bell_samples(L_SHAPE, 150.0, rate)
    else:
        xy, t = lognormal_samples(L_SHAPE, 150.0, rate, 0.3, np.random.default_rng(1))
    assert np.allclose(xy[0], L_SHAPE[0]) and np.allclose(xy[-1], L_SHAPE[-1])
    assert np.all(np.diff(t) > 0) and np.allclose(np.diff(t)[:-1], 1 / rate)
    on_path = (np.isclose(xy[:, 0], 0.0) & (xy[:, 1] <= 20 + 1e-9)) | np.isclose(xy[:, 1], 20.0)
    assert on_path.all()
    assert 0.1 < t[-1] < 2.0  # 40 units at ~150 units/s


def test_lognormal_pen_slows_in_the_turn():
    assert np.allclose(components(L_SHAPE), [0.0, 20.0, 40.0])
    assert np.allclose(components(L_SHAPE[[0, 2, 4]]), [0.0, 20.0, 40.0])
    xy, t = lognormal_samples(L_SHAPE, 100.0, 200.0, 0.25, np.random.default_rng(2))
    speed = np.hypot(*np.diff(xy, axis=0).T) / np.diff(t)
    corner = np.argmin(np.hypot(*(xy[:-1] - [0.0, 20.0]).T))
    assert speed[corner] < 0.6 * speed.max()


def test_hooks_add_a_short_flick_in_time():
    xy, t = bell_samples(L_SHAPE, 150.0, 100.0)
    hooked, times = add_hooks(xy, t, 1.0, 100.0, np.random.default_rng(3))
    assert len(hooked) == len(xy) + 2 and np.all(np.diff(times) > 0)
    extra = hooked[:2] if not np.allclose(hooked[:2], xy[:2]) else hooked[-2:]
    assert np.hypot(*(extra - (xy[0] if extra is hooked[:2] else xy[-1])).T).max() <= 1.0 + 1e-9


def test_proportions_stretch_each_zone_continuously():
    heights = np.array([-6.0, 0.0, 7.0, X_HEIGHT, X_HEIGHT + 7.0])  # above the baseline
    stroke = np.column_stack([np.arange(5.0), BASELINE - heights])
    (same,) = reproportion([stroke], 1.0, 1.0, 1.0, 0.0)
    assert np.allclose(same, stroke)
    (bent,) = reproportion([stroke], 1.2, 0.5, 0.8, 1.0)
    expected = np.array([-4.8, 0.0, 8.4, 16.8, 16.8 + 3.5]) + 1.0
    assert np.allclose(BASELINE - bent[:, 1], expected) and np.allclose(bent[:, 0], stroke[:, 0])
