"""Write ink as JSON, InkML or an IAM-OnDB line file, atomically.

The inverse of ``handwriting.readers``: ``read_ink(write_xxx(ink, path))``
gives the same points back (numbers are written with full precision; IAM-OnDB
files carry no transcript). Every file is written to a temporary file in the
target directory and moved into place with ``os.replace``, so a reader never
sees a half-written file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from common.fileio import write_bytes_atomic
from handwriting.ink import Ink, validate_ink

INKML_NAMESPACE = "http://www.w3.org/2003/InkML"


def format_number(value: float) -> str:
    """Shortest exact text of ``value``: ``1073`` for integral values, else ``repr``."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def write_json_ink(ink: Ink, path: str | os.PathLike) -> Path:
    """Write ``ink`` in the JSON ink format (see ``handwriting.readers.json_ink``)."""
    validate_ink(ink)
    data = {
        "id": ink.id,
        "text": ink.text,
        "strokes": [s.tolist() for s in ink.strokes if len(s)],
    }
    return write_bytes_atomic(path, json.dumps(data).encode("utf-8"))


def inkml_bytes(ink: Ink) -> bytes:
    """InkML document of ``ink``: channels X, Y, T (seconds) and a truth annotation."""
    root = Element("ink", xmlns=INKML_NAMESPACE)
    trace_format = SubElement(root, "traceFormat")
    for name in ("X", "Y"):
        SubElement(trace_format, "channel", name=name, type="decimal")
    SubElement(trace_format, "channel", name="T", type="decimal", units="s")
    if ink.text:
        SubElement(root, "annotation", type="truth").text = ink.text
    for stroke in ink.strokes:
        if len(stroke):
            trace = SubElement(root, "trace")
            trace.text = ", ".join(" ".join(format_number(v) for v in p) for p in stroke)
    indent(root)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def write_inkml(ink: Ink, path: str | os.PathLike) -> Path:
    """Write ``ink`` as a W3C InkML file."""
    validate_ink(ink)
    return write_bytes_atomic(path, inkml_bytes(ink))


def iam_line_bytes(ink: Ink) -> bytes:
    """IAM-OnDB ``WhiteboardCaptureSession`` document of ``ink`` (coordinates as given).

    Built as text: every attribute is a number, so nothing needs escaping.
    """
    points = ink.points
    (x0, y0), (x1, y1) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
    x0, y0, x1, y1 = (format_number(v) for v in (x0, y0, x1, y1))
    out = [
        '<?xml version="1.0" encoding="ISO-8859-1"?>',
        "<WhiteboardCaptureSession>",
        "  <WhiteboardDescription>",
        '    <SensorLocation corner="top_left"/>',
        f'    <DiagonallyOppositeCoords x="{x1}" y="{y1}"/>',
        f'    <VerticallyOppositeCoords x="{x0}" y="{y1}"/>',
        f'    <HorizontallyOppositeCoords x="{x1}" y="{y0}"/>',
        "  </WhiteboardDescription>",
        "  <StrokeSet>",
    ]
    for stroke in ink.strokes:
        if not len(stroke):
            continue
        start, end = format_number(stroke[0, 2]), format_number(stroke[-1, 2])
        out.append(f'    <Stroke colour="black" start_time="{start}" end_time="{end}">')
        for x, y, t in stroke.tolist():
            x, y, t = format_number(x), format_number(y), format_number(t)
            out.append(f'      <Point x="{x}" y="{y}" time="{t}"/>')
        out.append("    </Stroke>")
    out += ["  </StrokeSet>", "</WhiteboardCaptureSession>", ""]
    return "\n".join(out).encode("latin-1")


def write_iam_ondb_line(ink: Ink, xml_path: str | os.PathLike) -> Path:
    """Write ``ink`` as an IAM-OnDB ``lineStrokes`` XML file (the transcript goes elsewhere)."""
    validate_ink(ink)
    return write_bytes_atomic(xml_path, iam_line_bytes(ink))
