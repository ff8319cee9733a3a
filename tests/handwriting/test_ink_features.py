"""Feature extraction: shapes, encodings, frame-to-point mapping, configs."""

import dataclasses

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from handwriting.augment import AugmentConfig
from handwriting.features import (
    InkFeatureConfig,
    feature_config_from_dict,
    feature_dim,
    feature_point_index,
    featurize,
    offset_frames,
)
from handwriting.ink import make_ink
from handwriting.preprocess import PreprocessConfig
from handwriting.synth import synthesize_line
from handwriting.writer_styles import make_writers

RAW = PreprocessConfig(flip_y=False, slant_correction=False, normalize=False, resample_step=0)


@pytest.fixture(scope="module")
def line_ink():
    train, _ = make_writers(3, 0, seed=2)
    return synthesize_line("a line of ink, 42", train[1], np.random.default_rng(1))


CONFIGS = [
    InkFeatureConfig(),
    InkFeatureConfig(direction=True),
    InkFeatureConfig(direction=True, curvature=True),
    InkFeatureConfig(curvature=True),
    InkFeatureConfig(kind="bezier"),
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c.kind}-{c.direction}-{c.curvature}")
def test_featurize_shape_dtype_and_point_index(line_ink, cfg):
    features = featurize(line_ink, cfg, train=False, rng=np.random.default_rng(0))
    assert features.dtype == torch.float32
    assert features.ndim == 2 and features.shape[1] == feature_dim(cfg)
    assert torch.isfinite(features).all()
    index = feature_point_index(line_ink, cfg)
    assert index.shape == (features.shape[0],) and index.dtype == np.int64
    assert np.all(np.diff(index) >= 0)
    assert index[0] >= 0 and index[-1] == line_ink.num_points - 1


def test_feature_dims():
    dims = [feature_dim(c) for c in CONFIGS]
    assert dims == [3, 5, 7, 5, 10]


def test_offsets_encode_moves_and_pen_lifts():
    ink = make_ink([[[0, 0, 0], [1, 0, 1], [1, 1, 2]], [[3, 1, 3], [3, 0, 4]]])
    frames = offset_frames(ink, direction=True, curvature=True)
    dx_dy_pen = frames[:, :3].tolist()
    assert dx_dy_pen == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [2, 0, 1], [0, -1, 0]]
    assert frames[:, 3:5].tolist() == [[0, 0], [1, 0], [0, 1], [1, 0], [0, -1]]
    # a left turn of 90 degrees at point 2; no turn where a move follows a pen lift
    assert frames[:, 5:7].tolist() == [[1, 0], [1, 0], [0, 1], [1, 0], [1, 0]]


def test_offsets_through_featurize_on_raw_points():
    ink = make_ink([[[0, 0, 0], [2, 0, 1]], [[2, 3, 2], [2, 5, 3]]])
    cfg = InkFeatureConfig(preprocess=RAW)
    features = featurize(ink, cfg, train=False, rng=np.random.default_rng(0))
    assert features.tolist() == [[0, 0, 1], [2, 0, 0], [0, 3, 1], [0, 2, 0]]
    assert feature_point_index(ink, cfg).tolist() == [0, 1, 2, 3]


def test_bezier_point_index_maps_frames_to_stroke_ends():
    ink = make_ink([[[0, 0, 0], [1, 0, 1], [2, 0, 2]], [[5, 0, 3], [6, 0, 4]]])
    cfg = InkFeatureConfig(kind="bezier", preprocess=RAW)
    assert feature_point_index(ink, cfg).tolist() == [2, 3, 4]  # curve, pen-up, curve


def test_training_augments_deterministically(line_ink):
    cfg = InkFeatureConfig(augment=AugmentConfig(enabled=True))
    a = featurize(line_ink, cfg, train=True, rng=np.random.default_rng(7))
    b = featurize(line_ink, cfg, train=True, rng=np.random.default_rng(7))
    clean = featurize(line_ink, cfg, train=False, rng=np.random.default_rng(7))
    assert torch.equal(a, b)
    assert a.shape != clean.shape or not torch.equal(a, clean)
    again = featurize(line_ink, cfg, train=False, rng=np.random.default_rng(99))
    assert torch.equal(clean, again)  # no randomness without training


@pytest.mark.parametrize(
    "cfg, message",
    [
        (InkFeatureConfig(kind="splines"), "features.kind"),
        (InkFeatureConfig(kind="bezier", direction=True), "offsets only"),
        (InkFeatureConfig(bezier_max_error=0), "bezier_max_error"),
        (InkFeatureConfig(augment=AugmentConfig(drop_points=1.5)), "drop_points"),
        (InkFeatureConfig(preprocess=PreprocessConfig(core_low=90)), "core_low"),
    ],
)
def test_bad_configs_are_one_line_value_errors(cfg, message):
    with pytest.raises(ValueError, match=message):
        feature_dim(cfg)


def test_config_survives_a_checkpoint_dict_and_hydra():
    cfg = InkFeatureConfig(kind="bezier", preprocess=PreprocessConfig(resample_step=0.15))
    data = dataclasses.asdict(cfg)
    assert feature_config_from_dict(data) == cfg
    structured = OmegaConf.structured(InkFeatureConfig)
    merged = OmegaConf.merge(structured, OmegaConf.create(data))
    assert OmegaConf.to_object(merged) == cfg
    with pytest.raises(ValueError, match="bad ink feature config"):
        feature_config_from_dict({**data, "kindd": "offsets"})
