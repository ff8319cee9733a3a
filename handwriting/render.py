"""Draw ink as a PNG: strokes, the recognised text, character or word spans.

Pen-down strokes are drawn, pen-up moves are not. A span ``(label, start,
end)`` covers the ink points ``start..end - 1`` (counted over all strokes in
order, as ``handwriting.features.feature_point_index`` gives them); its points
are drawn in a colour of their own with the label above them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from common.fileio import save_figure_atomic
from handwriting.ink import Ink, validate_ink
from handwriting.readers import read_ink

COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


class RenderError(ValueError):
    """Bad rendering request, e.g. a span outside the ink."""


def _check_spans(spans: list[tuple[str, int, int]], num_points: int) -> None:
    """Raise ``RenderError`` for spans that are empty or leave ``[0, num_points)``."""
    for label, start, end in spans:
        if not 0 <= start < end <= num_points:
            raise RenderError(
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


def render_ink(
    ink: Ink,
    path_png: str | os.PathLike,
    text: str | None = None,
    spans: list[tuple[str, int, int]] | None = None,
    y_down: bool = True,
) -> Path:
    """Render ``ink`` to a PNG file, written atomically.

    Args:
        ink: the ink to draw.
        path_png: output file.
        text: title, e.g. the recognised text.
        spans: ``(label, start, end)`` point ranges (end exclusive) to colour and label.
        y_down: y points down (raw IAM-OnDB and screen ink); False for preprocessed ink.

    Returns:
        The path written.

    Raises:
        InkError: invalid ink.
        RenderError: a span outside the ink.
    """
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
    return save_figure_atomic(fig, path_png, bbox_inches="tight")


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


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``render FILE -o out.png [--text TEXT]`` on a CLI's subparsers."""
    parser = subparsers.add_parser(
        "render",
        help="draw an ink file as a PNG",
        description="Draw an ink file (.xml IAM-OnDB line, .inkml, .json) as a PNG image.",
    )
    parser.add_argument("file", metavar="FILE", help="ink file to draw")
    parser.add_argument("-o", "--output", required=True, metavar="PNG", help="image to write")
    parser.add_argument("--text", default=None, help="title (default: the file's transcript)")
    parser.add_argument("--y-up", action="store_true", help="the file's y axis points up")
    parser.add_argument(
        "--model",
        default=None,
        metavar="CKPT",
        help="recognise the ink with this checkpoint and draw the recognised text and "
        "character spans (e.g. models/ink-synthetic.pt)",
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the ``render`` subcommand; 0 on success, 1 with a one-line error otherwise."""
    try:
        ink = read_ink(args.file)
        title = args.text if args.text is not None else ink.text
        spans = None
        if args.model is not None:
            title, spans = _recognised(ink, args.model)
        path = render_ink(ink, args.output, text=title, spans=spans, y_down=not args.y_up)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


def _recognised(ink: Ink, model: str) -> tuple[str, list[tuple[str, int, int]]]:
    """Greedy recognition of ``ink`` and its character spans."""
    from common.checkpoint import load_model
    from common.decoding.factory import GreedyDecoder
    from handwriting.modality import HANDWRITING
    from handwriting.recognize import recognize_ink

    loaded = load_model(model, modality="handwriting")
    cfg = HANDWRITING.feature_config(loaded.features)
    rec = recognize_ink(loaded, cfg, ink, GreedyDecoder(loaded.alphabet))
    return rec.hypothesis.text, [(s.text, s.start, s.end) for s in rec.chars]
