"""Random ink distortions for training: affine, jitter, speed, dropped points.

Applied to the raw ink before preprocessing, training only. Every function is
pure and draws only from the ``rng`` it is given, so a seed fixes the result.
Uniform scaling is undone by height normalisation, so ``scale`` stretches x
and y independently (changing the aspect ratio).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handwriting.ink import Ink, validate_ink
from handwriting.preprocess import estimate_core_height


@dataclass
class AugmentConfig:
    """Strength of each distortion; 0 turns one off, ``enabled`` all of them."""

    enabled: bool = False
    scale: float = 0.1  # x and y stretched by factors in [1/(1+scale), 1+scale]
    rotation_deg: float = 3.0  # uniform in [-r, r]
    shear_deg: float = 10.0  # slant change, uniform in [-s, s]
    jitter: float = 0.02  # std of per-point noise, in core heights
    speed: float = 0.2  # per-stroke speed factors in [1/(1+speed), 1+speed], plus warping
    drop_points: float = 0.05  # probability of dropping each inner point of a stroke


def check_augment_config(cfg: AugmentConfig) -> None:
    """Raise ``ValueError`` for settings ``augment`` cannot honour."""
    for name in ("scale", "rotation_deg", "shear_deg", "jitter", "speed"):
        if getattr(cfg, name) < 0:
            raise ValueError(f"augment.{name} must be >= 0, got {getattr(cfg, name)}")
    if not 0 <= cfg.drop_points < 1:
        raise ValueError(f"augment.drop_points must be in [0, 1), got {cfg.drop_points}")


def _log_uniform(rng: np.random.Generator, spread: float, size: int | None = None):
    """Factors in [1/(1+spread), 1+spread], uniform in log space."""
    bound = np.log1p(spread)
    return np.exp(rng.uniform(-bound, bound, size))


def drop_points(ink: Ink, p: float, rng: np.random.Generator) -> Ink:
    """Drop each inner point of every stroke with probability ``p`` (ends are kept)."""
    strokes = []
    for s in ink.strokes:
        keep = rng.random(len(s)) >= p
        if len(s):
            keep[[0, -1]] = True
        strokes.append(s[keep])
    return Ink(tuple(strokes), text=ink.text, id=ink.id)


def warp_time(ink: Ink, spread: float, rng: np.random.Generator) -> Ink:
    """Change each stroke's speed and each pen-up pause by random factors, warping smoothly.

    Within a stroke, normalised time ``u`` becomes ``u + a u (1 - u)`` with
    ``|a| < 1``, which keeps timestamps increasing.
    """
    strokes, previous_end, new_end = [], None, None
    for s in ink.strokes:
        if not len(s):
            strokes.append(s)
            continue
        if previous_end is None:
            start = s[0, 2]
        else:
            start = new_end + (s[0, 2] - previous_end) * _log_uniform(rng, spread)
        duration = s[-1, 2] - s[0, 2]
        u = (s[:, 2] - s[0, 2]) / duration if duration > 0 else np.zeros(len(s))
        a = rng.uniform(-1, 1) * min(spread, 0.9)
        t = start + duration * _log_uniform(rng, spread) * (u + a * u * (1 - u))
        strokes.append(np.column_stack([s[:, :2], t]))  # (N, 2) + (N,) -> (N, 3)
        previous_end, new_end = s[-1, 2], t[-1]
    return Ink(tuple(strokes), text=ink.text, id=ink.id)


def random_affine(ink: Ink, cfg: AugmentConfig, rng: np.random.Generator) -> Ink:
    """Stretch, shear and rotate ``ink`` about its centre by random amounts."""
    sx, sy = _log_uniform(rng, cfg.scale, 2)
    shear = np.tan(np.deg2rad(rng.uniform(-cfg.shear_deg, cfg.shear_deg)))
    angle = np.deg2rad(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    matrix = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag([sx, sy])  # (2, 2)
    center = ink.points[:, :2].mean(axis=0)
    strokes = [
        np.column_stack([(s[:, :2] - center) @ matrix.T + center, s[:, 2]]) for s in ink.strokes
    ]
    return Ink(tuple(strokes), text=ink.text, id=ink.id)


def jitter(ink: Ink, std: float, rng: np.random.Generator) -> Ink:
    """Add Gaussian noise of ``std`` core heights to every point's x and y."""
    sigma = std * estimate_core_height(ink)
    strokes = [s + np.c_[rng.normal(0, sigma, (len(s), 2)), np.zeros(len(s))] for s in ink.strokes]
    return Ink(tuple(strokes), text=ink.text, id=ink.id)


def augment(ink: Ink, cfg: AugmentConfig, rng: np.random.Generator) -> Ink:
    """Apply the distortions of ``cfg`` in order: drop, time warp, affine, jitter.

    Returns ``ink`` itself when ``cfg.enabled`` is false.
    """
    check_augment_config(cfg)
    if not cfg.enabled:
        return ink
    validate_ink(ink)
    if cfg.drop_points > 0:
        ink = drop_points(ink, cfg.drop_points, rng)
    if cfg.speed > 0:
        ink = warp_time(ink, cfg.speed, rng)
    ink = random_affine(ink, cfg, rng)
    if cfg.jitter > 0:
        ink = jitter(ink, cfg.jitter, rng)
    return ink
