"""Writer habits of the ink synthesiser: how one person turns glyphs into pen strokes.

Second stage of ``handwriting synth`` (glyphs -> **writer habits** -> line
geometry -> kinematics -> ink). A glyph source gives each character one fixed
set of centre lines; people do not copy it. Per writer and character (a
*habit*, stable across that writer's lines) this module decides:

- decomposition: a stroke may be cut at its sharpest corner (a pen lift
  where the glyph has none, as an M or k written in several strokes);
- order and direction: strokes may be drawn in another order and backwards;
- per instance, never twice the same: a small random affine map and a smooth
  elastic displacement of the centre lines (``deform``);
- delayed strokes: i/j dots and t/f/x crosses (``delayed_stroke``) that the
  synthesiser writes after the word;
- cursive ligatures (``ligature``): the pen-down path from one letter's exit
  to the next letter's entry, dipping towards the baseline.

All functions work in glyph units (y down, baseline at ``BASELINE``) and are
pure given their random generator.
"""

from __future__ import annotations

import zlib

import numpy as np

from handwriting.glyph_sources import BASELINE, X_HEIGHT

DOT_SIZE = 2.0  # glyph units: a stroke no larger than this is a dot
CROSSED = frozenset("tfxT")  # letters whose cross or second bar people often add last
DOTTED = frozenset("ij")
MIN_CORNER = np.deg2rad(60.0)  # a decomposition cut needs a turn at least this sharp


def habit_rng(seed: int, char: str, salt: str) -> np.random.Generator:
    """Randomness of one writer's habit for one character: the same on every line."""
    return np.random.default_rng([seed, ord(char), zlib.crc32(salt.encode())])


def is_dot(stroke: np.ndarray) -> bool:
    """True for a stroke no larger than ``DOT_SIZE`` in both directions."""
    return bool(np.ptp(stroke, axis=0).max() <= DOT_SIZE)


def _sharpest_corner(stroke: np.ndarray) -> int | None:
    """Index of the interior point with the sharpest turn, if sharper than ``MIN_CORNER``."""
    if len(stroke) < 3:
        return None
    d = np.diff(stroke, axis=0)
    angles = np.arctan2(d[:, 1], d[:, 0])
    turn = np.abs((np.diff(angles) + np.pi) % (2 * np.pi) - np.pi)  # (N - 2,)
    k = int(np.argmax(turn))
    return k + 1 if turn[k] >= MIN_CORNER else None


def apply_habits(
    strokes: tuple[np.ndarray, ...],
    seed: int,
    char: str,
    p_split: float,
    p_reorder: float,
    p_reverse: float,
) -> list[np.ndarray]:
    """The strokes of ``char`` decomposed, ordered and directed as writer ``seed`` does.

    Dots are never cut or reversed. The choices come from ``habit_rng`` so a
    writer writes a letter the same way every time.
    """
    rng = habit_rng(seed, char, "strokes")
    out: list[np.ndarray] = []
    for stroke in strokes:
        corner = None if is_dot(stroke) else _sharpest_corner(stroke)
        if corner is not None and rng.random() < p_split:
            out += [stroke[: corner + 1], stroke[corner:]]
        else:
            out.append(stroke)
    if len(out) > 1 and rng.random() < p_reorder:
        out = [out[i] for i in rng.permutation(len(out))]
    return [s[::-1] if not is_dot(s) and rng.random() < p_reverse else s for s in out]


def deform(
    strokes: list[np.ndarray], amplitude: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """One instance of a glyph: a small random affine map and a smooth elastic warp.

    The warp is a sum of two low-frequency sine waves per axis over the glyph
    (wavelength ~ one to two glyph heights) of ``amplitude`` glyph units.
    """
    if amplitude <= 0 or not strokes:
        return strokes
    pts = np.vstack(strokes)
    centre = (pts.min(axis=0) + pts.max(axis=0)) / 2
    angle, shear = rng.normal(0, 0.04), rng.normal(0, 0.06)
    scale = np.exp(rng.normal(0, 0.05, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.array([[cos, -sin], [sin, cos]]) @ np.array([[1.0, shear], [0.0, 1.0]]) * scale
    freq = rng.uniform(0.1, 0.3, (2, 2, 2))  # axis, wave, (fx, fy) in radians per glyph unit
    phase = rng.uniform(0, 2 * np.pi, (2, 2))
    out = []
    for s in strokes:
        local = (s - centre) @ matrix.T
        warp = np.stack(
            [sum(np.sin(local @ freq[a, w] + phase[a, w]) for w in range(2)) / 2 for a in range(2)],
            axis=1,
        )
        out.append(local + centre + amplitude * warp)
    return out


def reproportion(
    strokes: list[np.ndarray], x_ratio: float, ascender: float, descender: float, lift: float
) -> list[np.ndarray]:
    """Strokes with the writer's own proportions: heights above the baseline are stretched
    by ``x_ratio`` up to the x-height and by ``ascender`` above it, depths below it by
    ``descender`` (a continuous, piecewise linear map), then lifted by ``lift`` glyph units."""
    out = []
    for s in strokes:
        h = BASELINE - s[:, 1]
        above = np.minimum(h, X_HEIGHT) * x_ratio + np.maximum(h - X_HEIGHT, 0.0) * ascender
        mapped = np.where(h >= 0, above, h * descender)
        out.append(np.column_stack([s[:, 0], BASELINE - mapped - lift]))
    return out


def delayed_stroke(char: str, strokes: list[np.ndarray]) -> int | None:
    """Index of the stroke of ``char`` people often write after the word, if any.

    An i/j dot, the flattest short stroke of t/f/T (the cross), the last
    stroke of x; None if the glyph has only one stroke.
    """
    if len(strokes) < 2:
        return None
    if char in DOTTED:
        dots = [i for i, s in enumerate(strokes) if is_dot(s)]
        return dots[0] if dots else None
    if char not in CROSSED:
        return None
    if char == "x":
        return len(strokes) - 1
    extent = [np.ptp(s, axis=0) for s in strokes]
    flat = [i for i, (w, h) in enumerate(extent) if w > 2 * h]
    return min(flat, key=lambda i: extent[i][1] - extent[i][0]) if flat else None


def raise_cross(strokes: list[np.ndarray], cross: int, share: float) -> list[np.ndarray]:
    """``strokes`` with stroke ``cross`` moved up ``share`` of the way from where it is to
    the top of the other strokes (people cross a t anywhere from x-height to its top)."""
    top = min(s[:, 1].min() for i, s in enumerate(strokes) if i != cross)
    lift = share * max(strokes[cross][:, 1].mean() - top, 0.0)
    return [s - [0.0, lift] if i == cross else s for i, s in enumerate(strokes)]


def ligature(start: np.ndarray, end: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pen-down connection (M, 2) from ``start`` to ``end``, dipping towards the baseline.

    A quadratic Bezier whose control point lies between the two, pulled down
    to near the baseline, as a cursive writer's joining stroke.
    """
    mid_x = (start[0] + end[0]) / 2
    low = max(start[1], end[1], BASELINE - 2.0)
    control = np.array([mid_x, low + rng.uniform(0.0, 3.0)])
    n = max(3, int((np.hypot(*(control - start)) + np.hypot(*(end - control))) / 1.2))
    u = np.linspace(0.0, 1.0, n)[1:-1, None]
    return (1 - u) ** 2 * start + 2 * u * (1 - u) * control + u**2 * end
