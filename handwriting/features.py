"""Ink -> (T, F) feature frames: point offsets or Bézier curves.

Third stage of the handwriting pipeline (reader -> preprocess -> features ->
model). ``featurize`` follows the featurizer contract of
``docs/ARCHITECTURE.md``: augmentation (training only), then
``handwriting.preprocess``, then one of two encodings:

* ``offsets``: one frame per preprocessed point, ``(dx, dy, pen_up)`` where
  ``(dx, dy)`` is the move from the previous point (zero for the first) and
  ``pen_up`` is 1 when that move was made with the pen lifted (the first point
  of every stroke). ``direction`` adds ``(cos, sin)`` of the move,
  ``curvature`` adds ``(cos, sin)`` of the turn from the previous pen-down
  move (``(1, 0)`` where there is none).
* ``bezier``: one 10-dimensional frame per fitted cubic Bézier curve
  (``handwriting.bezier``), several times shorter than ``offsets``.

``feature_point_index`` maps each frame back to the input point it ends on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from common.structured import from_dict
from handwriting.augment import AugmentConfig, augment, check_augment_config
from handwriting.bezier import FRAME_DIM, bezier_frames
from handwriting.ink import Ink
from handwriting.preprocess import PreprocessConfig, check_preprocess_config, preprocess_tracked

KINDS = ("offsets", "bezier")


@dataclass
class InkFeatureConfig:
    """How ink becomes feature frames (saved in checkpoints as a dict)."""

    kind: str = "offsets"  # offsets | bezier
    direction: bool = False  # offsets only: (cos, sin) of each move
    curvature: bool = False  # offsets only: (cos, sin) of the turn between moves
    bezier_max_error: float = 0.05  # in core heights
    bezier_max_points: int = 32  # most points per curve; 0 = no limit
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)


def check_feature_config(cfg: InkFeatureConfig) -> None:
    """Raise ``ValueError`` with a one-line message for an unusable configuration."""
    if cfg.kind not in KINDS:
        raise ValueError(f"features.kind must be one of {', '.join(KINDS)}, got {cfg.kind!r}")
    if cfg.kind == "bezier" and (cfg.direction or cfg.curvature):
        raise ValueError("features.direction and features.curvature apply to kind=offsets only")
    if cfg.bezier_max_error <= 0 or cfg.bezier_max_points < 0:
        raise ValueError("features.bezier_max_error must be > 0 and bezier_max_points >= 0")
    check_preprocess_config(cfg.preprocess)
    check_augment_config(cfg.augment)


def feature_config_from_dict(data: Mapping) -> InkFeatureConfig:
    """Rebuild an ``InkFeatureConfig`` from ``dataclasses.asdict`` output (e.g. a checkpoint).

    Raises:
        ValueError: unknown keys or invalid values.
    """
    try:  # typed: a value of the wrong type (a tensor, a string for a number) is refused
        cfg = from_dict(InkFeatureConfig, dict(data))
    except (TypeError, ValueError) as e:
        raise ValueError(f"bad ink feature config: {e}") from e
    check_feature_config(cfg)
    return cfg


def feature_dim(cfg: InkFeatureConfig) -> int:
    """Size F of one frame under ``cfg``."""
    check_feature_config(cfg)
    if cfg.kind == "bezier":
        return FRAME_DIM
    return 3 + 2 * cfg.direction + 2 * cfg.curvature


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Rows of ``vectors`` (M, 2) scaled to length 1 (zero rows stay zero)."""
    norm = np.hypot(vectors[:, 0], vectors[:, 1])[:, None]
    return np.divide(vectors, norm, out=np.zeros_like(vectors), where=norm > 0)


def offset_frames(ink: Ink, direction: bool = False, curvature: bool = False) -> np.ndarray:
    """Offset encoding of ``ink``: one frame per point, (P, 3 [+2] [+2]) float64."""
    points = ink.points
    pen_up = np.zeros(len(points))
    pen_up[ink.stroke_starts] = 1.0
    moves = np.diff(points[:, :2], axis=0, prepend=points[:1, :2])  # (P, 2), first is (0, 0)
    columns = [moves, pen_up[:, None]]
    unit = _unit(moves)
    if direction:
        columns.append(unit)
    if curvature:
        previous = np.vstack([np.zeros((1, 2)), unit[:-1]])  # (P, 2): the move before
        down = (pen_up == 0) & (np.r_[1.0, pen_up[:-1]] == 0)
        cos = np.where(down, (unit * previous).sum(axis=1), 1.0)
        sin = np.where(down, previous[:, 0] * unit[:, 1] - previous[:, 1] * unit[:, 0], 0.0)
        turn = _unit(np.column_stack([cos, sin]))
        turn[~turn.any(axis=1)] = (1.0, 0.0)  # a zero move has no turn
        columns.append(turn)
    return np.hstack(columns)


def _encode(ink: Ink, cfg: InkFeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    """Frames (T, F) of ``ink`` and, per frame, the input point it ends on (T,)."""
    clean, source = preprocess_tracked(ink, cfg.preprocess)
    if cfg.kind == "bezier":
        frames, ends = bezier_frames(clean, cfg.bezier_max_error, cfg.bezier_max_points)
        return frames, source[ends]
    return offset_frames(clean, cfg.direction, cfg.curvature), source


def featurize(
    ink: Ink, cfg: InkFeatureConfig, train: bool, rng: np.random.Generator
) -> torch.Tensor:
    """Feature frames of ``ink``: (T, F) float32 with ``F = feature_dim(cfg)``.

    Args:
        ink: raw ink as read (see ``handwriting.readers``).
        cfg: feature configuration.
        train: apply ``cfg.augment`` (when enabled) before preprocessing.
        rng: source of randomness for augmentation.

    Raises:
        InkError: invalid ink.
        ValueError: invalid ``cfg``.
    """
    check_feature_config(cfg)
    if train:
        ink = augment(ink, cfg.augment, rng)
    frames, _ = _encode(ink, cfg)
    return torch.from_numpy(frames.astype(np.float32))


def featurize_tracked(ink: Ink, cfg: InkFeatureConfig) -> tuple[torch.Tensor, np.ndarray]:
    """Inference features of ``ink`` and the point each frame ends on, from one fit.

    Returns:
        ``(featurize(ink, cfg, False, rng), feature_point_index(ink, cfg))``:
        (T, F) float32 and (T,) int64.
    """
    check_feature_config(cfg)
    frames, ends = _encode(ink, cfg)
    return torch.from_numpy(frames.astype(np.float32)), ends


def feature_point_index(ink: Ink, cfg: InkFeatureConfig) -> np.ndarray:
    """For each frame of ``featurize(ink, cfg, train=False, ...)``, the input point it ends on.

    Returns:
        (T,) int64 indices into ``ink.points`` (all strokes, in order),
        non-decreasing, so a span of frames maps to a span of points.
    """
    check_feature_config(cfg)
    return _encode(ink, cfg)[1]
