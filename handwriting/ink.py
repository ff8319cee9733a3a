"""Digital ink: strokes of (x, y, t) points, and the checks every reader applies.

First stage of the handwriting pipeline (reader -> ``Ink`` -> preprocess ->
features). An ``Ink`` is immutable: every transformation returns a new one.

Conventions:
    * A stroke is an (N, 3) float64 array of ``(x, y, t)``: the pen is down
      between consecutive points of a stroke and up between strokes.
    * Coordinates are kept as the source gives them (IAM-OnDB uses screen
      coordinates with y pointing down); ``handwriting.preprocess`` flips y.
    * ``t`` is in seconds. Sources without timestamps get synthetic ones
      (``synthesize_timestamps``): one point every ``1 / DEFAULT_SAMPLE_RATE``
      seconds in writing order, counting the pen-up move between strokes as
      one sample interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_SAMPLE_RATE = 100.0  # Hz, for inks recorded without timestamps
MAX_POINTS = 20_000  # points of one ink; far above a text line, and the model stays < 20 s
MAX_COORDINATE = 1e9  # |x|, |y| in input units; digitisers report well below 1e6
MAX_TIME = 1e13  # |t| in seconds (Unix time in ms read as seconds still fits)
MAX_DURATION = 1e6  # seconds between the first and last point (11.6 days)


class InkError(ValueError):
    """Bad ink input: empty, non-finite, beyond the limits, or unreadable."""


@dataclass(frozen=True, eq=False)
class Ink:
    """A handwritten sample: pen-down strokes in writing order.

    Equality is identity (arrays have no single truth value); compare
    ``points`` with numpy when needed.

    Attributes:
        strokes: (N_i, 3) float64 arrays of (x, y, t), stored read-only.
        text: transcript ("" when unknown).
        id: sample id ("" when unknown).
    """

    strokes: tuple[np.ndarray, ...]
    text: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        arrays = []
        for i, stroke in enumerate(self.strokes):
            array = np.array(stroke, dtype=np.float64)  # always a private copy
            if array.ndim != 2 or array.shape[1] != 3:
                raise InkError(f"stroke {i} must have shape (N, 3), got {array.shape}")
            array.setflags(write=False)
            arrays.append(array)
        object.__setattr__(self, "strokes", tuple(arrays))

    @property
    def num_points(self) -> int:
        """Number of points over all strokes."""
        return sum(len(s) for s in self.strokes)

    @property
    def num_strokes(self) -> int:
        """Number of strokes (empty ones included)."""
        return len(self.strokes)

    @property
    def points(self) -> np.ndarray:
        """All points in writing order, (P, 3)."""
        if not self.strokes:
            return np.zeros((0, 3))
        return np.concatenate(self.strokes, axis=0)

    @property
    def stroke_starts(self) -> np.ndarray:
        """Index in ``points`` of each stroke's first point, (S,)."""
        lengths = [len(s) for s in self.strokes]
        return np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)


def synthesize_timestamps(
    strokes: Sequence[np.ndarray], sample_rate: float = DEFAULT_SAMPLE_RATE
) -> list[np.ndarray]:
    """Give (N, 2) strokes timestamps from point order at ``sample_rate``.

    Point ``k`` of the whole ink (counted over strokes) gets ``t = k / rate``
    plus one extra interval per pen lift, so pen-up moves take time too.
    """
    out = []
    k = 0
    for i, stroke in enumerate(strokes):
        xy = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
        t = (k + i + np.arange(len(xy))) / sample_rate
        out.append(np.column_stack([xy, t]))  # (N, 2) + (N,) -> (N, 3)
        k += len(xy)
    return out


def make_ink(strokes: Sequence[Sequence], text: str = "", id: str = "") -> Ink:
    """Build an ``Ink`` from strokes of (x, y) or (x, y, t) points.

    Args:
        strokes: per stroke a sequence of points; all with 2 values (no time,
            timestamps are synthesised) or all with 3.
        text: transcript.
        id: sample id.

    Returns:
        The ink (not yet validated: call ``validate_ink``).

    Raises:
        InkError: mixed or wrong point sizes.
    """
    arrays = []
    for i, stroke in enumerate(strokes):
        try:
            array = np.asarray(stroke, dtype=np.float64)
        except (ValueError, TypeError, OverflowError) as e:  # ragged or non-numeric points
            raise InkError(
                f"stroke {i}: points must all have 2 (x, y) or all 3 (x, y, t) values"
            ) from e
        if array.size == 0:
            array = array.reshape(0, 3)
        if array.ndim != 2 or array.shape[1] not in (2, 3):
            raise InkError(f"stroke {i}: points must have 2 (x, y) or 3 (x, y, t) values")
        arrays.append(array)
    widths = {a.shape[1] for a in arrays if len(a)}
    if len(widths) > 1:
        raise InkError("points mix (x, y) and (x, y, t): give timestamps for all or none")
    if widths == {2}:
        arrays = synthesize_timestamps(arrays)
    return Ink(tuple(a.reshape(-1, 3) for a in arrays), text=text, id=id)


def _typical_interval(t: np.ndarray) -> float:
    """Median forward time step of ``t`` (seconds), ``1 / DEFAULT_SAMPLE_RATE`` without one."""
    steps = np.diff(t)
    steps = steps[steps > 0]
    return float(np.median(steps)) if steps.size else 1.0 / DEFAULT_SAMPLE_RATE


def repair_timestamps(ink: Ink) -> Ink:
    """``ink`` with timestamps that never go backwards; ``ink`` itself when they already don't.

    Real corpora restart the clock inside a line (47 of IAM-OnDB's 12,178
    lines). Every backward step, inside a stroke or between strokes, is
    replaced by the ink's typical (median) forward step, so the times after it
    continue from the point before with their own intervals unchanged. Stroke
    and point order stay as in the file. Non-finite times are left for
    ``validate_ink`` to refuse.
    """
    points = ink.points
    if len(points) < 2 or not np.isfinite(points[:, 2]).all():
        return ink
    steps = np.diff(points[:, 2])
    backwards = steps < 0
    if not backwards.any():
        return ink
    steps[backwards] = _typical_interval(points[:, 2])
    t = points[0, 2] + np.r_[0.0, np.cumsum(steps)]
    repaired = np.column_stack([points[:, :2], t])  # (P, 2) + (P,) -> (P, 3)
    bounds = np.cumsum([len(s) for s in ink.strokes])[:-1]
    return Ink(tuple(np.split(repaired, bounds)), text=ink.text, id=ink.id)


def validate_ink(ink: Ink, max_points: int = MAX_POINTS) -> Ink:
    """Check that ``ink`` can be ink at all; return it unchanged.

    Only what cannot be handwriting is refused; readers repair timestamps that
    go backwards (``repair_timestamps``) and keep empty or duplicate strokes.

    Raises:
        InkError: no points, too many points, non-finite values, coordinates
            beyond ``MAX_COORDINATE`` or timestamps beyond ``MAX_TIME`` /
            spanning more than ``MAX_DURATION``.
    """
    name = f"ink {ink.id!r}: " if ink.id else "ink: "
    total = ink.num_points
    if total == 0:
        raise InkError(name + "no points (no strokes, or only empty strokes)")
    if total > max_points:
        raise InkError(name + f"enormous file: {total} points (limit {max_points})")
    points = ink.points
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise InkError(name + f"non-finite (NaN/inf) value at point {int(np.argmax(bad))}")
    if np.abs(points[:, :2]).max() > MAX_COORDINATE:
        raise InkError(name + f"coordinates beyond +-{MAX_COORDINATE:g} (not ink units)")
    t = points[:, 2]
    if np.abs(t).max() > MAX_TIME or t.max() - t.min() > MAX_DURATION:
        raise InkError(
            name + f"timestamps beyond +-{MAX_TIME:g} s or spanning more than "
            f"{MAX_DURATION:g} s (times must be in seconds)"
        )
    return ink
