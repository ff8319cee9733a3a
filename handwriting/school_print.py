"""School print letters (``school:print`` glyph source): lowercase as children learn to print.

First stage of ``handwriting synth``, beside the Hershey and outline-font sources
(``handwriting.glyph_sources``). Most people print the way they were taught at
school, in the "ball and stick" manuscript style (Zaner-Bloser, D'Nealian
print): an ``a`` is a circle and then a stick on its right, a ``t`` a straight
stick and a cross with no hook, ``n``/``m``/``h``/``r`` a stick with the hump
pushed up from it, ``w`` four straight slants. Type designs draw few letters so,
and a reader trained only on fonts reads a printed ``t`` as ``f`` and an ``a`` as
``cl``. Each letter here is built from lines and circular arcs, in the stroke
order and direction taught: sticks top down, circles counter-clockwise from
about two o'clock, humps pushed up from the stick (retracing it), dots and
crosses last. Capitals, digits and punctuation are not defined: a writer of
this source takes them from their second hand (``WriterStyle.alt_font``).

Shapes are written in x-height units (baseline 0, x-height 1, ascenders 1.5,
descenders -0.5, y up) and converted to Hershey glyph units (y down, baseline
y = 9, x-height 14, so an ascender reaches the cap height, y = -12).
"""

from __future__ import annotations

import functools

import numpy as np

from handwriting.glyph_sources import BASELINE, X_HEIGHT, Glyph, GlyphTable

STEP = 0.06  # x-heights between points of a drawn line or arc
SIDE_BEARING = 0.2  # x-heights of space on each side of a letter


def line(*points: tuple[float, float]) -> np.ndarray:
    """A polyline through ``points`` (x-height units, y up), sampled every ``STEP``."""
    out = [np.asarray(points[0], dtype=np.float64)[None]]
    for a, b in zip(points[:-1], points[1:], strict=True):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        n = max(1, int(np.ceil(np.hypot(*(b - a)) / STEP)))
        out.append(a + np.outer(np.arange(1, n + 1) / n, b - a))
    return np.vstack(out)


def arc(cx: float, cy: float, r: float, start: float, end: float, ry: float | None = None):
    """An arc of the circle (ellipse with ``ry``) around (cx, cy) from angle ``start`` to
    ``end`` in degrees (0 = right, 90 = up; end > start runs counter-clockwise)."""
    ry = r if ry is None else ry
    n = max(2, int(np.ceil(np.radians(abs(end - start)) * max(r, ry) / STEP)) + 1)
    t = np.radians(np.linspace(start, end, n))
    return np.column_stack([cx + r * np.cos(t), cy + ry * np.sin(t)])


def chain(*parts: np.ndarray) -> np.ndarray:
    """One pen-down stroke through ``parts`` in order (each starts where the last ended)."""
    return np.vstack(parts)


def dot(x: float, y: float) -> np.ndarray:
    """An i/j dot: a tiny tap."""
    return np.array([[x, y], [x + 0.02, y - 0.03]])


def _bowl(x0: float = 0.0) -> np.ndarray:
    """The 'a'/'d'/'g'/'q' circle: from two o'clock round counter-clockwise, closed."""
    return arc(x0 + 0.45, 0.5, 0.45, 35.0, 395.0, ry=0.5)


def _hump(x0: float, width: float, top: float = 1.0) -> np.ndarray:
    """Pushed up from a stick at ``x0`` (retracing it), over, and down to the baseline."""
    r = width / 2
    return chain(line((x0, 0.0), (x0, top - r)), arc(x0 + r, top - r, r, 180.0, 0.0),
                 line((x0 + width, top - r), (x0 + width, 0.0)))  # fmt: skip


# each letter: strokes in x-height units, y up, in the taught order and direction
LETTERS: dict[str, tuple[np.ndarray, ...]] = {
    "a": (_bowl(), line((0.9, 1.0), (0.9, 0.0))),
    "b": (line((0.0, 1.5), (0.0, 0.0)), arc(0.45, 0.5, 0.45, 180.0, -180.0, ry=0.5)),
    "c": (arc(0.45, 0.5, 0.45, 45.0, 315.0, ry=0.5),),
    "d": (_bowl(), line((0.9, 1.5), (0.9, 0.0))),
    "e": (chain(line((0.0, 0.5), (0.9, 0.5)), arc(0.45, 0.5, 0.45, 0.0, 320.0, ry=0.5)),),
    "f": (
        chain(arc(0.55, 1.2, 0.3, 30.0, 180.0), line((0.25, 1.2), (0.25, 0.0))),
        line((0.0, 1.0), (0.6, 1.0)),
    ),  # fmt: skip
    "g": (_bowl(), chain(line((0.9, 1.0), (0.9, -0.2)), arc(0.55, -0.2, 0.35, 0.0, -160.0))),
    "h": (line((0.0, 1.5), (0.0, 0.0)), _hump(0.0, 0.85)),
    "i": (line((0.0, 1.0), (0.0, 0.0)), dot(0.0, 1.35)),
    "j": (
        chain(line((0.35, 1.0), (0.35, -0.25)), arc(0.1, -0.25, 0.25, 0.0, -170.0)),
        dot(0.35, 1.35),
    ),  # fmt: skip
    "k": (line((0.0, 1.5), (0.0, 0.0)), line((0.75, 1.0), (0.0, 0.4), (0.8, 0.0))),
    "l": (line((0.0, 1.5), (0.0, 0.0)),),
    "m": (line((0.0, 1.0), (0.0, 0.0)), chain(_hump(0.0, 0.6), _hump(0.6, 0.6)[1:])),
    "n": (line((0.0, 1.0), (0.0, 0.0)), _hump(0.0, 0.85)),
    "o": (arc(0.5, 0.5, 0.5, 90.0, 450.0),),
    "p": (line((0.0, 1.0), (0.0, -0.5)), arc(0.45, 0.5, 0.45, 180.0, -180.0, ry=0.5)),
    "q": (_bowl(), line((0.9, 1.0), (0.9, -0.5))),
    "r": (
        line((0.0, 1.0), (0.0, 0.0)),
        chain(line((0.0, 0.0), (0.0, 0.6)), arc(0.4, 0.6, 0.4, 180.0, 45.0)),
    ),  # fmt: skip
    "s": (
        chain(
            arc(0.45, 0.75, 0.4, 30.0, 270.0, ry=0.25), arc(0.45, 0.25, 0.4, 90.0, -150.0, ry=0.25)
        ),
    ),  # fmt: skip
    "t": (line((0.3, 1.4), (0.3, 0.0)), line((0.0, 1.0), (0.6, 1.0))),
    "u": (
        chain(
            line((0.0, 1.0), (0.0, 0.45)),
            arc(0.425, 0.45, 0.425, 180.0, 360.0),
            line((0.85, 0.45), (0.85, 1.0)),
        ),
        line((0.85, 1.0), (0.85, 0.0)),
    ),  # fmt: skip
    "v": (line((0.0, 1.0), (0.45, 0.0), (0.9, 1.0)),),
    "w": (line((0.0, 1.0), (0.3, 0.0), (0.6, 0.8), (0.9, 0.0), (1.2, 1.0)),),
    "x": (line((0.0, 1.0), (0.8, 0.0)), line((0.8, 1.0), (0.0, 0.0))),
    "y": (line((0.0, 1.0), (0.45, 0.0)), line((0.9, 1.0), (0.15, -0.5))),
    "z": (line((0.0, 1.0), (0.8, 1.0), (0.0, 0.0), (0.85, 0.0)),),
}


def to_glyph_units(stroke: np.ndarray, x0: float) -> np.ndarray:
    """x-height units (y up) -> Hershey glyph units (y down, baseline 9), shifted by ``x0``."""
    return np.column_stack([(stroke[:, 0] + x0) * X_HEIGHT, BASELINE - stroke[:, 1] * X_HEIGHT])


@functools.cache
def school_print_table() -> GlyphTable:
    """The lowercase letters as glyphs, left bearing at x = 0 and advance past the right edge."""
    table = {}
    for char, strokes in LETTERS.items():
        left = min(s[:, 0].min() for s in strokes)
        right = max(s[:, 0].max() for s in strokes)
        shift = SIDE_BEARING - left
        glyph_strokes = tuple(to_glyph_units(s, shift) for s in strokes)
        table[char] = Glyph(glyph_strokes, advance=(right + shift + SIDE_BEARING) * X_HEIGHT)
    return table
