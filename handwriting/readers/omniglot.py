"""Omniglot stroke files: real human pen trajectories of isolated characters.

A reader (first stage of the ink flow: reader -> ``Ink`` -> preprocess ->
features). Omniglot (Lake et al., Science 2015) stores one drawing a file,
``DDDD_RR.txt`` (character ``DDDD`` drawn by drawer ``RR``)::

    START
    x,y,t
    ...
    BREAK
    x,y,t
    ...
    BREAK

x points right, y **up**, t in milliseconds; ``START`` opens the drawing and
every ``BREAK`` ends a stroke (the pen is lifted). This reader returns the
project's convention: y pointing down (y negated), t in seconds, one stroke per
non-empty ``START``/``BREAK`` block. Not registered in ``read_ink``: the files
are ``.txt`` and carry no transcript; ``read_omniglot_latin`` reads the
Latin-alphabet folder (``characterNN/`` = the NN-th letter) that
``bench/ink_real_proxy.py`` builds its real-pen lines from.
"""

from __future__ import annotations

import os
import re
import string
from pathlib import Path

import numpy as np

from handwriting.ink import MAX_POINTS, Ink, InkError, repair_timestamps, validate_ink
from handwriting.readers.xmlsafe import MAX_FILE_BYTES, read_limited_bytes

LATIN_LETTERS = string.ascii_lowercase
_FILE_NAME = re.compile(r"^(\d+)_(\d+)\.txt$")


def _parse_point(line: str, where: str) -> tuple[float, float, float]:
    """``x,y,t`` -> (x, -y, t / 1000): y down, seconds."""
    parts = line.split(",")
    if len(parts) != 3:
        raise InkError(f"{where}: expected 'x,y,t', START or BREAK, got {line[:40]!r}")
    try:
        x, y, t = (float(p) for p in parts)
    except ValueError as e:
        raise InkError(f"{where}: non-numeric value in {line[:40]!r}") from e
    return x, -y, t / 1000.0


def _parse_strokes(lines: list[str], path: str) -> list[np.ndarray]:
    """Strokes of the text lines of one drawing (blank lines ignored)."""
    strokes: list[np.ndarray] = []
    current: list[tuple[float, float, float]] = []
    started, total = False, 0
    for number, raw in enumerate(lines, 1):
        line, where = raw.strip(), f"{path}:{number}"
        if not line:
            continue
        if line == "START":
            if started:
                raise InkError(f"{where}: a second START (one drawing a file)")
            started = True
        elif not started:
            raise InkError(f"{where}: expected START before the first point")
        elif line == "BREAK":
            if current:
                strokes.append(np.array(current, dtype=np.float64))
            current = []
        else:
            total += 1
            if total > MAX_POINTS:
                raise InkError(f"{path}: enormous file: more than {MAX_POINTS} points")
            current.append(_parse_point(line, where))
    if not started:
        raise InkError(f"{path}: no START line (not an Omniglot stroke file)")
    if current:  # a last stroke without its closing BREAK
        strokes.append(np.array(current, dtype=np.float64))
    return strokes


def read_omniglot_drawing(
    path: str | os.PathLike, text: str = "", max_bytes: int = MAX_FILE_BYTES
) -> Ink:
    """One Omniglot drawing as an ``Ink`` (y down, t in seconds; id: the file name's stem).

    Args:
        path: a ``DDDD_RR.txt`` stroke file.
        text: the transcript to attach (the files carry none).
        max_bytes: refuse larger files.

    Raises:
        InkError: missing, too large, not UTF-8, malformed, or not valid ink.
    """
    raw = read_limited_bytes(path, max_bytes)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InkError(f"{path}: not UTF-8 text ({e.reason})") from e
    strokes = _parse_strokes(content.splitlines(), str(path))
    ink = Ink(tuple(strokes), text=text, id=Path(path).stem)
    return validate_ink(repair_timestamps(ink))


def _drawer(path: Path) -> str:
    """The drawer number ``RR`` of ``DDDD_RR.txt``."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        raise InkError(f"{path}: not an Omniglot drawing name (expected DDDD_RR.txt)")
    return match.group(2)


def read_omniglot_latin(root: str | os.PathLike) -> dict[str, dict[str, Ink]]:
    """Every drawing of Omniglot's Latin alphabet: ``{letter: {drawer: Ink}}``.

    ``root`` holds ``character01`` .. ``character26`` (a .. z), each with
    ``DDDD_RR.txt`` files; each ink's ``text`` is its letter.

    Raises:
        InkError: a missing folder or drawing-less letter, or a bad drawing.
    """
    base = Path(root)
    if not base.is_dir():
        raise InkError(f"no such Omniglot folder: {base}")
    out: dict[str, dict[str, Ink]] = {}
    for number, letter in enumerate(LATIN_LETTERS, 1):
        folder = base / f"character{number:02d}"
        if not folder.is_dir():
            raise InkError(
                f"{base}: missing {folder.name}/ (expected character01..character26 = a..z)"
            )
        files = sorted(folder.glob("*.txt"))
        if not files:
            raise InkError(f"{folder}: no DDDD_RR.txt drawings")
        out[letter] = {_drawer(f): read_omniglot_drawing(f, text=letter) for f in files}
    return out
