"""Augmentation: seeded, pure, and each distortion does what it says."""

import numpy as np
import pytest

from handwriting.augment import AugmentConfig, augment, drop_points, random_affine, warp_time
from handwriting.ink import validate_ink
from handwriting.preprocess import estimate_slant
from handwriting.synth import synthesize_line
from handwriting.writer_styles import make_writers


@pytest.fixture(scope="module")
def ink():
    train, _ = make_writers(1, 0, seed=4)
    return synthesize_line("augment me", train[0], np.random.default_rng(2))


ON = AugmentConfig(enabled=True)


def test_same_seed_same_result_other_seed_other_result(ink):
    a = augment(ink, ON, np.random.default_rng(1))
    b = augment(ink, ON, np.random.default_rng(1))
    c = augment(ink, ON, np.random.default_rng(2))
    assert np.array_equal(a.points, b.points)
    assert a.points.shape != c.points.shape or not np.array_equal(a.points, c.points)
    assert a.text == ink.text and validate_ink(a) is a


def test_disabled_is_the_identity_and_input_is_untouched(ink):
    before = ink.points.copy()
    assert augment(ink, AugmentConfig(), np.random.default_rng(0)) is ink
    augment(ink, ON, np.random.default_rng(0))
    assert np.array_equal(ink.points, before)


def test_drop_points_keeps_stroke_ends(ink):
    out = drop_points(ink, 0.5, np.random.default_rng(0))
    assert out.num_strokes == ink.num_strokes
    assert out.num_points < ink.num_points
    for old, new in zip(ink.strokes, out.strokes, strict=True):
        assert np.array_equal(new[[0, -1]], old[[0, -1]])


def test_time_warp_keeps_time_increasing_and_shapes_fixed(ink):
    out = warp_time(ink, 0.5, np.random.default_rng(0))
    assert np.array_equal(out.points[:, :2], ink.points[:, :2])
    assert np.all(np.diff(out.points[:, 2]) >= 0)
    assert not np.allclose(out.points[:, 2], ink.points[:, 2])
    assert out.points[0, 2] == ink.points[0, 2]


def test_affine_shear_changes_the_slant(ink):
    cfg = AugmentConfig(enabled=True, scale=0, rotation_deg=0, shear_deg=30)
    slants = [
        estimate_slant(random_affine(ink, cfg, np.random.default_rng(s)), flip_y=True)
        for s in range(6)
    ]
    assert np.ptp(np.rad2deg(slants)) > 10
    none = AugmentConfig(scale=0, rotation_deg=0, shear_deg=0)
    same = random_affine(ink, none, np.random.default_rng(0))
    assert np.allclose(same.points, ink.points)


@pytest.mark.parametrize("field", ["scale", "rotation_deg", "shear_deg", "jitter", "speed"])
def test_negative_strengths_are_refused(ink, field):
    with pytest.raises(ValueError, match=field):
        augment(ink, AugmentConfig(enabled=True, **{field: -1.0}), np.random.default_rng(0))
