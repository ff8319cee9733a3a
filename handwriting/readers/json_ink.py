"""Ink as JSON: the simplest way to hand the recognizer your own ink.

Format (UTF-8)::

    {
      "strokes": [[[x, y, t], [x, y, t], ...], [[x, y, t], ...]],
      "text": "transcript (optional)",
      "id": "sample id (optional, default: the file name without extension)"
    }

Each stroke is a list of points in writing order, the pen down within a
stroke and up between strokes. ``t`` is in seconds and may be left out in
every point (``[x, y]``), in which case timestamps are synthesised
(``handwriting.ink.synthesize_timestamps``). y may point up or down; say which
when preprocessing (``PreprocessConfig.flip_y``: True for y down, the default).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from handwriting.ink import MAX_POINTS, Ink, InkError, make_ink, repair_timestamps, validate_ink
from handwriting.readers.xmlsafe import MAX_FILE_BYTES, read_limited_bytes

_FLOAT_LIMIT = 2**1023  # ints at or above this overflow float64 (1.8e308)


def _is_number(value: object) -> bool:
    """A JSON number (not a bool) that fits a float64."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, int) or abs(value) < _FLOAT_LIMIT


def _check_strokes(strokes: list, where: str) -> None:
    """Every stroke a list of [x, y] or [x, y, t] float64-sized numbers."""
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list) or not all(
            isinstance(p, list) and len(p) in (2, 3) and all(_is_number(v) for v in p)
            for p in stroke
        ):
            raise InkError(
                f"{where}: stroke {i} must be a list of [x, y] or [x, y, t] numbers "
                "(each within the float64 range)"
            )


def parse_json_ink(data: object, default_id: str = "", where: str = "JSON ink") -> Ink:
    """Ink from the decoded JSON object ``data`` (format in the module docstring).

    Timestamps that go backwards are repaired (``handwriting.ink.repair_timestamps``).

    Raises:
        InkError: wrong structure or invalid ink.
    """
    if not isinstance(data, dict) or not isinstance(data.get("strokes"), list):
        raise InkError(f"{where}: expected an object with a 'strokes' list")
    text, ink_id = data.get("text", ""), data.get("id", default_id)
    if not isinstance(text, str) or not isinstance(ink_id, str):
        raise InkError(f"{where}: 'text' and 'id' must be strings")
    strokes = data["strokes"]
    if sum(len(s) if isinstance(s, list) else 0 for s in strokes) > MAX_POINTS:
        raise InkError(f"{where}: enormous file: more than {MAX_POINTS} points")
    _check_strokes(strokes, where)
    try:
        ink = make_ink(strokes, text=text, id=ink_id)
    except (ValueError, OverflowError) as e:  # ragged points
        raise InkError(f"{where}: {e}") from e
    return validate_ink(repair_timestamps(ink))


def read_json_ink(path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> Ink:
    """Ink of a JSON ink file (format in the module docstring).

    Raises:
        InkError: unreadable, malformed JSON, wrong structure or invalid ink.
    """
    raw = read_limited_bytes(path, max_bytes)
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as e:  # JSONDecodeError, UnicodeDecodeError, ints over 4300 digits
        raise InkError(f"{path}: malformed JSON ({str(e)[:200]})") from e
    except RecursionError as e:
        raise InkError(f"{path}: malformed JSON (nested too deeply)") from e
    return parse_json_ink(data, default_id=Path(path).stem, where=str(path))
