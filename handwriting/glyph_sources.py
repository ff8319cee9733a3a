"""Glyph sources of the ink synthesiser: characters as pen-down centre lines.

First stage of ``handwriting synth`` (glyphs -> writer habits -> line geometry
-> kinematics -> ink). A source maps each drawable character to a ``Glyph`` in
Hershey glyph units: y points down, the baseline is at y = 9, capitals reach
y = -12 (cap height 21), lowercase x reaches y = -5, descenders y ~ 16.

Sources: the Hershey vector fonts (``hershey:<name>``, or just ``<name>``) and
handwriting-style outline fonts turned into centre lines
(``ttf:<name>``, see ``handwriting.font_strokes``), and the lowercase letters
people are taught to print at school (``school:print``, see
``handwriting.school_print``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

BASELINE = 9.0  # y of the baseline in glyph units
CAP_TOP = -12.0  # y of the top of capitals
X_HEIGHT = 14.0  # height of lowercase x above the baseline (Hershey simplex)
SCHOOL_PRINT = "school:print"  # lowercase built from lines and arcs (handwriting.school_print)


@dataclass(frozen=True)
class Glyph:
    """One character: pen-down polylines in drawing order and the advance to the next glyph."""

    strokes: tuple[np.ndarray, ...]  # each (N, 2) float64, glyph units, y down
    advance: float


GlyphTable = dict[str, Glyph]


@functools.cache
def hershey_table(font: str) -> GlyphTable:
    """Glyphs of a built-in Hershey font, each shifted so that its left bearing starts at x = 0."""
    from HersheyFonts import HersheyFonts

    fonts = HersheyFonts()
    fonts.load_default_font(font)
    table = {}
    for char, glyph in fonts.all_glyphs.items():
        strokes = tuple(
            np.array(s, dtype=np.float64) - [glyph.left_offset, 0.0] for s in glyph.strokes if s
        )
        table[char] = Glyph(strokes=strokes, advance=float(glyph.char_width))
    return table


def glyph_table(source: str) -> GlyphTable:
    """The table of ``source``: ``hershey:NAME`` / ``NAME`` (Hershey), ``ttf:NAME`` or
    ``school:print``."""
    kind, _, name = source.rpartition(":")
    if kind in ("", "hershey"):
        return hershey_table(name)
    if kind == "ttf":
        from handwriting.font_strokes import ttf_table

        return ttf_table(name)
    if source == SCHOOL_PRINT:
        from handwriting.school_print import school_print_table

        return school_print_table()
    raise ValueError(
        f"unknown glyph source {source!r}: use hershey:NAME, ttf:NAME or {SCHOOL_PRINT}"
    )
