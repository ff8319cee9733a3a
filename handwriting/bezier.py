"""Cubic Bézier fitting of strokes and the Bézier ink encoding of Carbune et al.

V. Carbune et al., "Fast multi-language LSTM-based online handwriting
recognition", IJDAR 23 (2020), Sec. 3.2: each stroke is cut into pieces, each
approximated by a cubic Bézier curve in x, y and t, and every curve becomes
one 10-dimensional input frame, so sequences get several times shorter than
one frame per point.

Fitting: points get chord-length parameters ``s`` in [0, 1]; the end control
points are the piece's first and last points, the two inner ones are solved
by least squares. A piece is split at its worst-fitting point (in the middle
if that point is in its outer tenths) while its largest point-to-curve
deviation ``|p_i - B(s_i)|`` exceeds ``max_error``, and in the middle while it
has more than ``max_points`` points (0: no limit) or its chord is shorter than
a third of its path (near-closed loops make the relative control-point
distances below ill-conditioned). All pieces of one splitting level are
fitted together in batched least-squares solves.

Frame of a pen-down curve with control points P0..P3 and time controls T0..T3:

    [dx, dy, d1, d2, a1, a2, tau1, tau2, tau3, pen_up]

* ``(dx, dy) = P3 - P0``, the vector between the end points;
* ``d1 = |P1 - P0| / |P3 - P0|`` and ``d2 = |P2 - P3| / |P3 - P0|``;
* ``a1`` the signed angle (radians) from ``P3 - P0`` to ``P1 - P0``, ``a2``
  the signed angle from ``P0 - P3`` to ``P2 - P3``;
* ``tau = (T1 - T0, T2 - T0, T3 - T0)``, the time coefficients (seconds);
* ``pen_up = 0``.

Between strokes a pen-up frame encodes the straight jump to the next stroke
(``d1 = d2 = 1/3``, zero angles, linear time, ``pen_up = 1``). A one-point
stroke (a dot) is an all-zero pen-down frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handwriting.ink import Ink

FRAME_DIM = 10
MIN_CHORD_RATIO = 1.0 / 3.0
BATCH_POINTS = 2**18  # padded points fitted per batch, bounding memory
_LINE = np.array([[1.0, 0.0], [2 / 3, 1 / 3], [1 / 3, 2 / 3], [0.0, 1.0]])  # (4, 2)


@dataclass(frozen=True)
class BezierPieces:
    """Fitted pieces in writing order; C pieces.

    Attributes:
        control: (C, 4, 2) control points P0..P3.
        times: (C, 4) time control values T0..T3.
        start: (C,) index of each piece's first point (in the fitted point array).
        end: (C,) index of its last point; consecutive pieces of a stroke share it.
        error: (C,) largest ``|p_i - B(s_i)|`` over the piece's points.
    """

    control: np.ndarray
    times: np.ndarray
    start: np.ndarray
    end: np.ndarray
    error: np.ndarray


def bernstein(s: np.ndarray) -> np.ndarray:
    """Cubic Bernstein basis at parameters ``s`` of any shape (...,), as (..., 4)."""
    s = np.asarray(s, dtype=np.float64)[..., None]
    return np.concatenate([(1 - s) ** 3, 3 * s * (1 - s) ** 2, 3 * s**2 * (1 - s), s**3], axis=-1)


def evaluate(control: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Points of the Bézier curve with ``control`` (4, D) at parameters ``s`` (M,), (M, D)."""
    return bernstein(s) @ control


def _fit_ranges(pts: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple:
    """Fit one cubic in x, y, t to each range ``start[r]..end[r]`` of ``pts`` (P, 3).

    Ranges are padded to the longest with copies of their last point, which
    lie at s = 1 where the inner basis functions vanish, so padding changes
    nothing. The inner control points are the straight line's plus the
    minimum-norm least-squares correction (exact for 2 points).

    Returns:
        control (R, 4, 3), largest deviation ``|p_i - B(s_i)|`` (R,), offset of
        the worst inner point (R,), path length (R,).
    """
    width = int((end - start).max()) + 1
    idx = np.minimum(start[:, None] + np.arange(width), end[:, None])  # (R, L)
    part = pts[idx]  # (R, L, 3)
    seg = np.hypot(*np.moveaxis(np.diff(part[..., :2], axis=1), -1, 0))  # (R, L - 1)
    arc = np.concatenate([np.zeros((len(idx), 1)), np.cumsum(seg, axis=1)], axis=1)  # (R, L)
    steps = (
        np.minimum(np.arange(width), (end - start)[:, None]) / np.maximum(end - start, 1)[:, None]
    )
    s = np.divide(arc, arc[:, -1:], out=steps, where=arc[:, -1:] > 0)  # by index if no length
    basis = bernstein(s)  # (R, L, 4)
    line = _LINE @ part[:, [0, -1]]  # (R, 4, 3)
    residual = part - basis @ line  # (R, L, 3)
    inner = basis[..., 1:3]  # (R, L, 2)
    gram = np.swapaxes(inner, 1, 2) @ inner  # (R, 2, 2)
    delta = np.linalg.pinv(gram, rcond=1e-10) @ np.swapaxes(inner, 1, 2) @ residual  # (R, 2, 3)
    control = line + np.pad(delta, ((0, 0), (1, 1), (0, 0)))
    deviation = np.linalg.norm(basis @ control[..., :2] - part[..., :2], axis=-1)  # (R, L)
    worst = np.argmax(deviation[:, 1:], axis=1) + 1 if width > 1 else np.zeros(len(idx), int)
    return control, deviation.max(axis=1), worst, arc[:, -1]


def _fit_batched(pts: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple:
    """``_fit_ranges`` on ranges grouped by length, ``BATCH_POINTS`` padded points a batch."""
    order = np.argsort(end - start, kind="stable")
    results, i = [], 0
    while i < len(order):
        width = end[order[i:]] - start[order[i:]] + 1  # non-decreasing
        fits = np.flatnonzero(width * np.arange(1, len(width) + 1) <= BATCH_POINTS)
        j = i + (int(fits[-1]) + 1 if len(fits) else 1)
        results.append(_fit_ranges(pts, start[order[i:j]], end[order[i:j]]))
        i = j
    inverse = np.argsort(order)
    return tuple(np.concatenate(parts)[inverse] for parts in zip(*results, strict=True))


def fit_points(
    pts: np.ndarray, first: np.ndarray, last: np.ndarray, max_error: float, max_points: int = 0
) -> BezierPieces:
    """Cut the strokes ``first[k]..last[k]`` of ``pts`` (P, 3) into fitted cubic pieces.

    Every stroke must have at least 2 distinct consecutive points.

    Args:
        pts: points of x, y, t.
        first, last: (K,) index of each stroke's first and last point.
        max_error: largest allowed ``|p_i - B(s_i)|``, in the units of x and y.
        max_points: most points one piece may cover (0: no limit).

    Returns:
        The pieces of all strokes in writing order.
    """
    start, end = np.asarray(first, dtype=np.int64), np.asarray(last, dtype=np.int64)
    done = [(np.zeros((0, 4, 3)), start[:0], end[:0], np.zeros(0))]
    while len(start):
        control, error, worst, path = _fit_batched(pts, start, end)
        n = end - start + 1
        chord = np.hypot(*(pts[end, :2] - pts[start, :2]).T)
        too_long = (max_points > 0) & (n > max_points)
        split = (n >= 3) & ((error > max_error) | too_long | (chord < MIN_CHORD_RATIO * path))
        keep = ~split
        done.append((control[keep], start[keep], end[keep], error[keep]))
        # cut at the worst point unless it hugs an end: halving keeps the depth logarithmic
        central = (worst >= n // 10) & (worst <= n - 1 - n // 10)
        cut = start + np.where((error > max_error) & central, worst, (n - 1) // 2)
        start = np.concatenate([start[split], cut[split]])
        end = np.concatenate([cut[split], end[split]])
    control, start, end, error = (np.concatenate(a) for a in zip(*done, strict=True))
    order = np.argsort(start, kind="stable")
    control = control[order]
    return BezierPieces(control[..., :2], control[..., 2], start[order], end[order], error[order])


def fit_stroke(stroke: np.ndarray, max_error: float, max_points: int = 0) -> BezierPieces:
    """Cut one stroke (N, 3), N >= 2 distinct points, into fitted cubic pieces."""
    return fit_points(stroke, np.array([0]), np.array([len(stroke) - 1]), max_error, max_points)


def piece_frames(pieces: BezierPieces) -> np.ndarray:
    """Pen-down frames (C, 10) of fitted pieces (layout in the module docstring)."""
    p0, p1, p2, p3 = np.moveaxis(pieces.control, 1, 0)  # each (C, 2)
    chord, out, back = p3 - p0, p1 - p0, p2 - p3
    length = np.hypot(*chord.T)
    safe = np.where(length > 0, length, 1.0)
    d1, d2 = np.hypot(*out.T) / safe, np.hypot(*back.T) / safe
    a1 = np.arctan2(chord[:, 0] * out[:, 1] - chord[:, 1] * out[:, 0], (chord * out).sum(1))
    a2 = np.arctan2(chord[:, 1] * back[:, 0] - chord[:, 0] * back[:, 1], -(chord * back).sum(1))
    tau = pieces.times[:, 1:] - pieces.times[:, :1]
    zeros = np.zeros(len(length))
    return np.column_stack([chord, d1, d2, a1, a2, tau, zeros])


def pen_up_frames(ends: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Frames (K, 10) of straight pen-up moves from points ``ends`` to ``starts`` (K, 3)."""
    dt = starts[:, 2] - ends[:, 2]
    third, zeros = np.full(len(dt), 1 / 3), np.zeros(len(dt))
    move = starts[:, :2] - ends[:, :2]
    return np.column_stack([move, third, third, zeros, zeros, dt / 3, 2 * dt / 3, dt, zeros + 1])


def bezier_frames(ink: Ink, max_error: float, max_points: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Bézier encoding of ``ink`` (consecutive duplicate points removed, as by preprocessing).

    Returns:
        frames (T, 10) float64, and end point indices (T,) int64 counted over
        all points of ``ink`` in order (a pen-up frame ends on the first point
        of the next stroke, a dot's frame on its point).
    """
    pts = ink.points
    lengths = np.array([len(s) for s in ink.strokes if len(s)], dtype=np.int64)
    first = np.cumsum(lengths) - lengths
    last = first + lengths - 1
    lines = lengths > 1
    pieces = fit_points(pts, first[lines], last[lines], max_error, max_points)
    frames = [piece_frames(pieces), np.zeros((int((~lines).sum()), FRAME_DIM))]
    frames.append(pen_up_frames(pts[last[:-1]], pts[first[1:]]))
    ends = np.concatenate([pieces.end, first[~lines], first[1:]])
    kind = np.concatenate([np.ones(len(pieces.end) + (~lines).sum()), np.zeros(len(first) - 1)])
    order = np.lexsort((kind, ends))  # by end point; a pen-up move before what follows it
    return np.concatenate(frames)[order], ends[order]
