"""Ink normalisation: clean, flip, deslant, scale to unit core height, resample.

Second stage of the handwriting pipeline (reader -> preprocess -> features).
``preprocess(ink, cfg)`` applies, in order:

1. validation (``validate_ink``), repair of timestamps that go backwards
   (``repair_timestamps``), removal of empty strokes and of consecutive
   duplicate points;
2. outliers: a point farther than ``outlier_factor`` times the median step
   from both its neighbours (from its one neighbour at a stroke end) is a
   digitiser glitch and is dropped;
3. zero-length strokes (dots) are dropped unless ``keep_dots``;
4. y is flipped to point up when ``flip_y`` (IAM-OnDB and screen coordinates
   point down);
5. baseline (``baseline_correction``): the bottom of the core band is
   measured in windows a few core heights wide along x and a line (a
   parabola when the ink spans five or more windows) fitted through those
   points is subtracted from y, so tilted and curved lines come out straight;
   slant: the dominant slant of near-vertical pen-down segments (length-
   weighted median angle) is sheared out;
6. normalisation: the core band (``core_low``..``core_high`` percentiles of
   y, weighted by ink length) is scaled to height 1 with its bottom at y = 0,
   x starts at 0 and t at 0;
7. resampling equidistant along the pen path, ``resample_step`` core heights
   apart, or along a space-time path when ``time_aware`` (pauses then get
   extra points: time counts as distance at the ink's median pen speed).
   An ink whose path would need more than ``MAX_RESAMPLED_POINTS`` points
   (a huge extent next to a tiny core height) is refused with an ``InkError``
   before anything is allocated.

Every step is pure. ``preprocess_tracked`` also returns, for each output
point, the index of the input point (over all strokes, in order) it comes
from, so frames can be mapped back to the ink the user gave.

Internally the ink is one (P, 4) array of x, y, t and source index plus a
(P,) array of stroke numbers, so every step is vectorised over all strokes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handwriting.ink import MAX_POINTS, Ink, InkError, repair_timestamps, validate_ink

MAX_SLANT = np.deg2rad(45.0)  # largest slant corrected
SLANT_WINDOW = np.deg2rad(50.0)  # segments this close to the slant estimate vote on it; not 45
# degrees, which integer coordinates hit exactly (dx == dy), making the vote rounding-sensitive
_FLIP = np.array([1.0, -1.0, 1.0, 1.0])
MAX_RESAMPLED_POINTS = MAX_POINTS  # resampling never makes more points than a reader accepts


@dataclass
class PreprocessConfig:
    """Knobs of ``preprocess`` (see the module docstring for the order of steps)."""

    flip_y: bool = True  # input y points down (IAM-OnDB, screens)
    outlier_factor: float = 25.0  # x median step; 0 keeps every point
    keep_dots: bool = True  # zero-length strokes: i dots, full stops
    slant_correction: bool = True
    baseline_correction: bool = False  # straighten tilted and curved baselines (x-windowed fit)
    normalize: bool = True  # unit core height, origin at (min x, core bottom)
    core_low: float = 25.0  # percentile of y (ink-length weighted): core bottom
    core_high: float = 75.0  # percentile of y: core top
    resample_step: float = 0.2  # in core heights; 0 keeps the raw points
    time_aware: bool = False  # resample along space-time, keeping pauses


def check_preprocess_config(cfg: PreprocessConfig) -> None:
    """Raise ``ValueError`` for settings ``preprocess`` cannot honour."""
    if not 0 <= cfg.core_low < cfg.core_high <= 100:
        raise ValueError(
            f"need 0 <= core_low < core_high <= 100, got {cfg.core_low}, {cfg.core_high}"
        )
    if cfg.resample_step < 0 or cfg.outlier_factor < 0:
        raise ValueError("resample_step and outlier_factor must be >= 0")


def _flatten(ink: Ink) -> tuple[np.ndarray, np.ndarray]:
    """Points (P, 4) of x, y, t, source index and their stroke numbers (P,)."""
    points = ink.points
    lengths = [len(s) for s in ink.strokes]
    stroke = np.repeat(np.arange(len(lengths)), lengths)
    return np.column_stack([points, np.arange(len(points), dtype=np.float64)]), stroke


def _same_stroke(stroke: np.ndarray) -> np.ndarray:
    """(P - 1,) whether each consecutive pair of points lies in one stroke."""
    return stroke[1:] == stroke[:-1]


def _segments(pts: np.ndarray, stroke: np.ndarray) -> np.ndarray:
    """(P - 1,) lengths of consecutive moves, 0 across pen lifts."""
    return np.hypot(*np.diff(pts[:, :2], axis=0).T) * _same_stroke(stroke)


def _dedupe(pts: np.ndarray, stroke: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop points at the same (x, y) as the point before in their stroke."""
    moved = np.any(np.diff(pts[:, :2], axis=0) != 0, axis=1)
    keep = np.r_[True, moved | ~_same_stroke(stroke)]
    return pts[keep], stroke[keep]


def _remove_outliers(
    pts: np.ndarray, stroke: np.ndarray, factor: float
) -> tuple[np.ndarray, np.ndarray]:
    """Drop points of 3+-point strokes that jump ``factor`` median steps from their neighbours."""
    seg, same = _segments(pts, stroke), _same_stroke(stroke)
    if factor <= 0 or not seg[same].size:
        return pts, stroke
    jump = seg > factor * np.median(seg[same])
    before, after = np.r_[True, jump | ~same], np.r_[jump | ~same, True]
    long_stroke = np.bincount(stroke)[stroke] >= 3
    keep = ~(before & after & long_stroke)
    return pts[keep], stroke[keep]


def _ink_weights(pts: np.ndarray, stroke: np.ndarray) -> np.ndarray:
    """Each point's share of ink length (half of each adjacent pen-down segment)."""
    seg = _segments(pts, stroke)
    weights = (np.r_[seg, 0.0] + np.r_[0.0, seg]) / 2
    return weights if weights.sum() > 0 else np.ones(len(pts))


def _weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q``-th percentile of ``values`` under ``weights``."""
    order = np.argsort(values)
    v, w = values[order], weights[order]
    centers = np.cumsum(w) - w / 2
    return float(np.interp(q / 100.0 * w.sum(), centers, v))


def _core_band(pts: np.ndarray, stroke: np.ndarray, low: float, high: float) -> tuple[float, float]:
    """Bottom and height of the core band; the bounding box when the band is flat."""
    w = _ink_weights(pts, stroke)
    bottom = _weighted_percentile(pts[:, 1], w, low)
    height = _weighted_percentile(pts[:, 1], w, high) - bottom
    extent = float(np.ptp(pts[:, :2], axis=0).max())
    if extent <= 0:
        raise InkError("ink has no extent: all points coincide")
    if height <= 1e-6 * extent:
        return float(pts[:, 1].min()), extent
    return bottom, height


def estimate_core_height(ink: Ink, low: float = 25.0, high: float = 75.0) -> float:
    """Height of the ink's core band (percentiles of y weighted by ink length), input units."""
    pts, stroke = _dedupe(*_flatten(validate_ink(ink)))
    return _core_band(pts, stroke, low, high)[1]


def _slant(pts: np.ndarray, stroke: np.ndarray) -> float:
    """Dominant slant (radians from vertical, positive leaning right, y up)."""
    d = np.diff(pts[:, :2], axis=0)[_same_stroke(stroke)]
    d = d[d[:, 1] != 0]
    d = d * np.sign(d[:, 1:2])  # every segment pointing up
    angle, length = np.arctan2(d[:, 0], d[:, 1]), np.hypot(d[:, 0], d[:, 1])
    estimate = 0.0
    for _ in range(2):  # the second pass re-centres the window on the first estimate
        near = np.abs(angle - estimate) < SLANT_WINDOW
        if not near.any():
            return 0.0
        estimate = _weighted_percentile(angle[near], length[near], 50.0)
    return float(np.clip(estimate, -MAX_SLANT, MAX_SLANT))


def estimate_slant(ink: Ink, flip_y: bool = True) -> float:
    """Dominant slant of ``ink`` in radians (positive: leaning right)."""
    pts, stroke = _dedupe(*_flatten(validate_ink(ink)))
    return _slant(pts * _FLIP if flip_y else pts, stroke)


BASELINE_WINDOW = 4.0  # core heights of x per baseline measurement


def _straighten(pts: np.ndarray, stroke: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """``pts`` (y up) with a fitted baseline (tilt, and bow on long lines) subtracted from y."""
    bottom, height = _core_band(pts, stroke, cfg.core_low, cfg.core_high)
    weights = _ink_weights(pts, stroke)
    edges = np.arange(
        pts[:, 0].min(), pts[:, 0].max() + BASELINE_WINDOW * height, BASELINE_WINDOW * height
    )
    xs, ys, ws = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (pts[:, 0] >= lo) & (pts[:, 0] < hi)
        w = weights[inside]
        if w.sum() >= height:  # at least about one core height of ink
            xs.append(np.average(pts[inside, 0], weights=w))
            ys.append(_weighted_percentile(pts[inside, 1], w, cfg.core_low))
            ws.append(w.sum())
    if len(xs) < 2:
        return pts
    degree = 2 if len(xs) >= 5 else 1
    centre, scale = np.mean(xs), max(np.ptp(xs), 1e-9)
    coef = np.polyfit((np.array(xs) - centre) / scale, ys, degree, w=np.sqrt(ws))
    fitted = np.polyval(coef, (pts[:, 0] - centre) / scale)
    out = pts.copy()
    out[:, 1] -= fitted - bottom
    return out


def _path_steps(pts: np.ndarray, stroke: np.ndarray, time_aware: bool) -> np.ndarray:
    """(P - 1,) path length of each pen-down move; with time counted at the median speed."""
    seg = _segments(pts, stroke)
    if not time_aware:
        return seg
    dt = np.diff(pts[:, 2]) * _same_stroke(stroke)
    moving = dt > 0
    speed = float(np.median(seg[moving] / dt[moving])) if moving.any() else 0.0
    return np.hypot(seg, speed * dt)


def _resample(
    pts: np.ndarray, stroke: np.ndarray, step: float, time_aware: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Points every ``step`` along each stroke's path (both ends kept)."""
    path = _path_steps(pts, stroke, time_aware)
    # Strokes laid end to end on one increasing axis, one unit of gap between them.
    axis = np.r_[0.0, np.cumsum(path + ~_same_stroke(stroke))]
    first = np.flatnonzero(np.r_[True, ~_same_stroke(stroke)])
    last = np.r_[first[1:] - 1, len(pts) - 1]
    length = axis[last] - axis[first]
    total = float(np.sum(length / step)) + len(first)
    if not total <= MAX_RESAMPLED_POINTS:  # also catches inf/NaN
        raise InkError(
            f"ink path is {total:.3g} resampling steps long (limit {MAX_RESAMPLED_POINTS}): "
            "its extent is out of proportion to its core height"
        )
    count = np.ceil(length / step).astype(np.int64) + 1  # a dot keeps its one point
    new_stroke = np.repeat(stroke[first], count)
    k = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    spacing = np.divide(length, count - 1, out=np.zeros_like(length), where=count > 1)
    grid = np.repeat(axis[first], count) + k * np.repeat(spacing, count)
    new = np.column_stack([np.interp(grid, axis, pts[:, j]) for j in range(4)])  # (Q, 4)
    return new, new_stroke


def _normalize(pts: np.ndarray, stroke: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """Translate and scale so the core band is [0, 1] in y, x and t start at 0."""
    bottom, height = _core_band(pts, stroke, cfg.core_low, cfg.core_high)
    shift = np.array([pts[:, 0].min(), bottom, pts[:, 2].min(), 0.0])
    return (pts - shift) / [height, height, 1.0, 1.0]


def preprocess_tracked(ink: Ink, cfg: PreprocessConfig) -> tuple[Ink, np.ndarray]:
    """Preprocess ``ink`` and say where each output point comes from.

    Returns:
        The preprocessed ink, and for each of its points (over all strokes,
        in order) the index of the nearest-in-path input point, (P,) int64.

    Raises:
        InkError: invalid input, or nothing left after cleaning.
        ValueError: invalid ``cfg``.
    """
    check_preprocess_config(cfg)
    pts, stroke = _dedupe(*_flatten(repair_timestamps(validate_ink(ink))))
    pts, stroke = _remove_outliers(pts, stroke, cfg.outlier_factor)
    if not cfg.keep_dots:
        keep = np.bincount(stroke)[stroke] > 1
        pts, stroke = pts[keep], stroke[keep]
    if len(pts) < 2:
        raise InkError(f"ink {ink.id!r}: fewer than two distinct points after cleaning")
    if cfg.flip_y:
        pts = pts * _FLIP
    if cfg.baseline_correction:
        pts = _straighten(pts, stroke, cfg)
    if cfg.slant_correction:
        pts = pts - np.outer(pts[:, 1], [np.tan(_slant(pts, stroke)), 0, 0, 0])
    if cfg.normalize:
        pts = _normalize(pts, stroke, cfg)
    if cfg.resample_step > 0:
        pts, stroke = _resample(pts, stroke, cfg.resample_step, cfg.time_aware)
    bounds = np.flatnonzero(~_same_stroke(stroke)) + 1
    strokes = tuple(np.split(pts[:, :3], bounds))
    return Ink(strokes, text=ink.text, id=ink.id), np.rint(pts[:, 3]).astype(np.int64)


def preprocess(ink: Ink, cfg: PreprocessConfig) -> Ink:
    """Clean, deslant, normalise and resample ``ink`` (see the module docstring)."""
    return preprocess_tracked(ink, cfg)[0]
