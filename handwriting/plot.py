"""Draw ink as an image: strokes, the recognised text, character or word spans.

The output end of the ink flow, for people: it draws what it is given and runs
no model (``handwriting render`` and ``recognize --plot`` pass it the spans).
Pen-down strokes are drawn, pen-up moves are not. A span ``(label, start,
end)`` covers the ink points ``start..end - 1`` (counted over all strokes in
order, as ``handwriting.features.feature_point_index`` gives them); its points
are drawn in a colour of their own with the label above them. The image type
follows the file's suffix: png, jpg/jpeg, svg or pdf.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from common.fileio import write_bytes_atomic
from handwriting.ink import Ink, validate_ink

IMAGE_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg", ".pdf": "pdf"}

COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


class PlotError(ValueError):
    """Bad drawing request: a span outside the ink, an image type matplotlib cannot write."""


def _check_spans(spans: list[tuple[str, int, int]], num_points: int) -> None:
    """Raise ``PlotError`` for spans that are empty or leave ``[0, num_points)``."""
    for label, start, end in spans:
        if not 0 <= start < end <= num_points:
            raise PlotError(
                f"span {label!r} covers points {start}..{end - 1}, outside 0..{num_points - 1}"
            )


def _draw_strokes(ax, ink: Ink, colour: str, start: int = 0, end: int | None = None) -> None:
    """Plot the points ``start..end - 1`` of ``ink`` stroke by stroke."""
    end = ink.num_points if end is None else end
    for first, stroke in zip(ink.stroke_starts, ink.strokes, strict=True):
        lo, hi = max(start - first, 0), min(end - first, len(stroke))
        if lo >= hi:
            continue
        part = stroke[lo:hi]
        width = 2.0 if colour != "black" else 1.2
        ax.plot(
            part[:, 0], part[:, 1], "-", color=colour, lw=width, marker="." if hi - lo == 1 else ""
        )


def plot_ink(
    ink: Ink,
    path: str | os.PathLike,
    text: str | None = None,
    spans: list[tuple[str, int, int]] | None = None,
    y_down: bool = True,
) -> Path:
    """Draw ``ink`` into an image file (png, jpg, svg or pdf, by suffix), written atomically.

    Args:
        ink: the ink to draw.
        path: output file; its suffix picks the image format.
        text: title, e.g. the recognised text.
        spans: ``(label, start, end)`` point ranges (end exclusive) to colour and label.
        y_down: y points down (raw IAM-OnDB and screen ink); False for preprocessed ink.

    Returns:
        The path written.

    Raises:
        InkError: invalid ink.
        PlotError: a span outside the ink or an unsupported image suffix.
    """
    fmt = image_format(path)
    validate_ink(ink)
    spans = spans or []
    _check_spans(spans, ink.num_points)
    extent = np.ptp(ink.points[:, :2], axis=0) + 1e-9
    fig = Figure(figsize=(float(np.clip(3 * extent[0] / extent[1], 4, 20)), 3), dpi=100)
    ax = fig.subplots()
    _draw_strokes(ax, ink, "black")
    _draw_spans(ax, ink, spans, y_down)
    if y_down:
        ax.invert_yaxis()
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    if text:
        ax.set_title(text)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, bbox_inches="tight")
    return write_bytes_atomic(path, buffer.getvalue())


def _draw_spans(ax, ink: Ink, spans: list[tuple[str, int, int]], y_down: bool) -> None:
    """Colour each span's points and write its label above them."""
    points = ink.points
    for i, (label, start, end) in enumerate(spans):
        colour = COLOURS[i % len(COLOURS)]
        _draw_strokes(ax, ink, colour, start, end)
        part = points[start:end]
        top = part[:, 1].min() if y_down else part[:, 1].max()
        ax.annotate(
            label,
            (part[:, 0].mean(), top),
            color=colour,
            ha="center",
            va="bottom",
            xytext=(0, 4),
            textcoords="offset points",
            annotation_clip=False,
        )


def image_format(path: str | os.PathLike) -> str:
    """matplotlib's name of the image type ``path``'s suffix asks for.

    Raises:
        PlotError: a suffix that is not png, jpg, jpeg, svg or pdf.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        known = ", ".join(s.lstrip(".") for s in IMAGE_FORMATS)
        raise PlotError(f"{path}: cannot write a {suffix or 'suffix-less'!r} image (use {known})")
    return IMAGE_FORMATS[suffix]
