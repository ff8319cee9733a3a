"""W3C InkML (``<ink xmlns="http://www.w3.org/2003/InkML">``) files.

Supported: the first ``<traceFormat>`` of the document (channels named ``X``,
``Y`` and optionally ``T`` in any order, other channels ignored; without a
``<traceFormat>`` a point is ``X Y``), every ``<trace>`` in document order
(``<traceGroup>`` nesting is flattened, ``<definitions>`` skipped), and the
transcript from ``<annotation type="truth">`` (the ink's own, else the first).

A trace is comma-separated points of whitespace-separated plain numbers; the
explicit-value prefix ``!`` is accepted, the difference encodings ``'`` and
``"`` are refused with an ``InkError``. ``T`` is converted to seconds from the
channel's ``units`` (``s``, ``ms``, ``us``); without units it is taken as
milliseconds. Without a ``T`` channel timestamps are synthesised
(``handwriting.ink.synthesize_timestamps``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from handwriting.ink import MAX_POINTS, Ink, InkError, make_ink, repair_timestamps, validate_ink
from handwriting.readers.xmlsafe import MAX_FILE_BYTES, local_name, parse_xml_file

_TOKEN = re.compile(r"""[!'"]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\S""")
_TIME_UNITS = {"s": 1.0, "sec": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}


def _elements(element: Element, name: str) -> Iterator[Element]:
    """Descendants called ``name`` in document order, outside ``<definitions>``."""
    stack = list(reversed(element))  # iterative: deeply nested groups cannot overflow
    while stack:
        child = stack.pop()
        tag = local_name(child)
        if tag == name:
            yield child
        elif tag != "definitions":
            stack.extend(reversed(child))


def _channel_layout(root: Element, where: str) -> tuple[int, int, int | None, float]:
    """Positions of X, Y, T in a point, and the factor turning T into seconds."""
    formats = [e for e in root.iter() if local_name(e) == "traceFormat"]
    if not formats:
        return 0, 1, None, 1.0
    channels = [c for c in formats[0] if local_name(c) == "channel"]
    names = [c.attrib.get("name", "") for c in channels]
    if "X" not in names or "Y" not in names:
        raise InkError(f"{where}: <traceFormat> lacks an X or Y channel (has {names})")
    if "T" not in names:
        return names.index("X"), names.index("Y"), None, 1.0
    units = channels[names.index("T")].attrib.get("units", "ms")
    if units not in _TIME_UNITS:
        raise InkError(f"{where}: unsupported time units {units!r} for channel T")
    return names.index("X"), names.index("Y"), names.index("T"), _TIME_UNITS[units]


def _parse_point(text: str, where: str) -> list[float]:
    """Plain numeric values of one trace point."""
    values = []
    for token in _TOKEN.findall(text):
        if token in ("'", '"'):
            raise InkError(f"{where}: difference-encoded InkML traces (' \") are not supported")
        if token == "!":
            continue
        try:
            values.append(float(token))
        except ValueError as e:
            raise InkError(f"{where}: unsupported InkML trace value {token!r}") from e
    return values


def _parse_trace(text: str, layout: tuple[int, int, int | None, float], where: str) -> list:
    """Points (x, y[, t]) of one ``<trace>`` body."""
    ix, iy, it, time_scale = layout
    needed = max(i for i in (ix, iy, it) if i is not None) + 1
    points = []
    for chunk in text.split(","):
        if not chunk.strip():
            continue
        values = _parse_point(chunk, where)
        if len(values) < needed:
            raise InkError(f"{where}: trace point {chunk.strip()!r} has fewer than {needed} values")
        point = [values[ix], values[iy]]
        if it is not None:
            point.append(values[it] * time_scale)
        points.append(point)
    return points


def _truth(root: Element) -> str:
    """Text of the ink's ``<annotation type="truth">`` ("" if none)."""
    own = [e for e in root if local_name(e) == "annotation" and e.attrib.get("type") == "truth"]
    anywhere = [
        e for e in root.iter() if local_name(e) == "annotation" and e.attrib.get("type") == "truth"
    ]
    found = own or anywhere
    return (found[0].text or "").strip() if found else ""


def read_inkml(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> Ink:
    """Ink of an InkML file (see the module docstring for what is supported).

    Raises:
        InkError: unreadable, malformed, unsupported encoding or invalid ink.
    """
    root = parse_xml_file(path, max_bytes)
    where = str(path)
    if local_name(root) != "ink":
        raise InkError(f"{where}: root element is <{local_name(root)}>, not InkML <ink>")
    layout = _channel_layout(root, where)
    traces = [t.text or "" for t in _elements(root, "trace")]
    if sum(t.count(",") + 1 for t in traces) > MAX_POINTS:  # before building point lists
        raise InkError(f"{where}: enormous file: more than {MAX_POINTS} trace points")
    strokes = [_parse_trace(t, layout, where) for t in traces]
    return validate_ink(repair_timestamps(make_ink(strokes, text=_truth(root), id=Path(path).stem)))
