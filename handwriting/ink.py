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
MAX_POINTS = 200_000  # more than this is not a text line


class InkError(ValueError):
    """Bad ink input: empty, degenerate, non-finite, unordered or unreadable."""


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
        array = np.asarray(stroke, dtype=np.float64)
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


def validate_ink(ink: Ink, max_points: int = MAX_POINTS) -> Ink:
    """Check that ``ink`` is usable; return it unchanged.

    Raises:
        InkError: no points, a single point, too many points, non-finite
            values, or timestamps that go backwards.
    """
    name = f"ink {ink.id!r}: " if ink.id else "ink: "
    total = ink.num_points
    if total == 0:
        raise InkError(name + "no points (no strokes, or only empty strokes)")
    if total == 1:
        raise InkError(name + "a single point is not handwriting")
    if total > max_points:
        raise InkError(name + f"enormous file: {total} points (limit {max_points})")
    points = ink.points
    bad = ~np.isfinite(points).all(axis=1)
    if bad.any():
        raise InkError(name + f"non-finite (NaN/inf) value at point {int(np.argmax(bad))}")
    backwards = np.diff(points[:, 2]) < 0
    if backwards.any():
        i = int(np.argmax(backwards)) + 1
        raise InkError(name + f"timestamps go backwards at point {i} (t={points[i, 2]:g})")
    return ink
