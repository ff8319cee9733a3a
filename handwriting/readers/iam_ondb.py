"""IAM On-Line Handwriting Database (IAM-OnDB) in its distributed layout.

Layout (https://fki.tic.heia-fr.ch/databases/iam-on-line-handwriting-database)::

    <root>/lineStrokes/a01/a01-000/a01-000u-01.xml   ink of line 1 of form a01-000u
    <root>/ascii/a01/a01-000/a01-000u.txt            transcripts of form a01-000u
    <root>/trainset.txt, testset_v.txt, testset_t.txt, testset_f.txt
                                                     task IAM-OnDB-t1: form ids, one a line
    <root>/forms.txt                                 optional: "<form id> <writer id> ..."

A line file is ``<WhiteboardCaptureSession>`` with a ``<WhiteboardDescription>``
and a ``<StrokeSet>`` of ``<Stroke>``s of ``<Point x= y= time=>`` (time in
seconds). Coordinates are whiteboard units with y pointing *down*; they are
returned unchanged (``handwriting.preprocess`` flips y). Real line files restart
the clock or step back in time inside a line (47 of 12,178 lines); those
timestamps are repaired (``handwriting.ink.repair_timestamps``), and empty or
duplicate strokes are kept as they are.

A transcript file has header lines, an ``OCR:`` section (the printed prompt)
and a ``CSR:`` section: the header line, a blank line, then one line of text
per written line. ``a01-000u-01.xml`` is the 1st CSR line, ``-02`` the 2nd, and
so on (matched by the numeric suffix). Lines without a transcript, and forms
listed in a split but missing on disk, are skipped with a logged warning.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from xml.etree.ElementTree import Element

from common.data import Example
from handwriting.ink import MAX_POINTS, Ink, InkError, make_ink, repair_timestamps, validate_ink
from handwriting.readers.xmlsafe import (
    MAX_FILE_BYTES,
    local_name,
    parse_xml_file,
    read_limited_bytes,
)

SPLITS = ("trainset", "testset_v", "testset_t", "testset_f")
_FORM_ID = re.compile(r"^([A-Za-z0-9]+)-(\d+)[A-Za-z]*$")
_LINE_FILE = re.compile(r"^(.+)-(\d+)\.xml$")
log = logging.getLogger(__name__)


def form_dirs(form_id: str) -> tuple[str, str]:
    """The two directory levels of a form: ``a01-000u`` -> ``("a01", "a01-000")``."""
    match = _FORM_ID.match(form_id)
    if not match:
        raise InkError(f"not an IAM-OnDB form id: {form_id!r} (expected e.g. 'a01-000u')")
    return match.group(1), f"{match.group(1)}-{match.group(2)}"


def parse_csr_lines(content: str) -> list[str]:
    """Text lines of the ``CSR:`` section of a transcript file's content."""
    lines = content.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == "CSR:"]
    if not starts:
        return []
    body: list[str] = []
    for line in lines[starts[-1] + 1 :]:
        if line.strip():
            body.append(line.strip())
        elif body:
            break
    return body


def read_transcripts(path: str | os.PathLike) -> list[str]:
    """CSR lines of the transcript file ``path`` (UTF-8, or Latin-1 as a fallback)."""
    data = read_limited_bytes(path)
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError:
        content = data.decode("latin-1")
    return parse_csr_lines(content)


def read_split(root: str | os.PathLike, split: str) -> list[str]:
    """Form ids listed by a task file (``trainset``, ``testset_v``, ...) or all forms on disk."""
    root = Path(root)
    name = split.removesuffix(".txt")
    if name == "all":
        stems = {_LINE_FILE.match(p.name) for p in (root / "lineStrokes").glob("*/*/*.xml")}
        return sorted({m.group(1) for m in stems if m})
    if name not in SPLITS:
        expected = ", ".join((*SPLITS, "all"))
        raise InkError(f"unknown IAM-OnDB split {split!r} (expected one of {expected})")
    path = root / f"{name}.txt"
    if not path.is_file():
        raise InkError(f"split file not found: {path}")
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]


def read_writers(root: str | os.PathLike) -> dict[str, str]:
    """Form id -> writer id from ``<root>/forms.txt`` when present, else empty."""
    path = Path(root) / "forms.txt"
    if not path.is_file():
        return {}
    writers = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split()
        if len(fields) >= 2 and not line.startswith("#"):
            writers[fields[0]] = fields[1]
    return writers


def _point(element: Element, where: str) -> list[float]:
    """(x, y[, t]) of one ``<Point>``; t is left out when the file has no times."""
    try:
        xy = [float(element.attrib["x"]), float(element.attrib["y"])]
        time = element.attrib.get("time")
        return xy if time is None else [*xy, float(time)]
    except KeyError as e:
        raise InkError(f"{where}: <Point> without attribute {e.args[0]!r}") from e
    except ValueError as e:
        raise InkError(f"{where}: <Point> with a non-numeric value ({e})") from e


def read_iam_ondb_line(xml_path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> Ink:
    """Ink of one IAM-OnDB ``lineStrokes`` XML file, raw coordinates (y down).

    The transcript lives in the ``ascii`` tree, so ``text`` is left empty;
    ``read_iam_ondb`` puts it in each ``Example``.

    Raises:
        InkError: unreadable, malformed or invalid ink.
    """
    if count_points(xml_path, max_bytes) > MAX_POINTS:
        raise InkError(f"{xml_path}: enormous file: more than {MAX_POINTS} <Point>s")
    root = parse_xml_file(xml_path, max_bytes)
    stroke_sets = [e for e in root.iter() if local_name(e) == "StrokeSet"]
    if not stroke_sets:
        raise InkError(f"{xml_path}: no <StrokeSet> (not an IAM-OnDB line file)")
    strokes = []
    for stroke in stroke_sets[0]:
        if local_name(stroke) == "Stroke":
            points = [p for p in stroke if local_name(p) == "Point"]
            strokes.append([_point(p, str(xml_path)) for p in points])
    return validate_ink(repair_timestamps(make_ink(strokes, id=Path(xml_path).stem)))


def count_points(xml_path: str | os.PathLike, max_bytes: int = MAX_FILE_BYTES) -> int:
    """Number of ``<Point`` elements in a line file, counted without parsing."""
    return read_limited_bytes(xml_path, max_bytes).count(b"<Point")


def _form_examples(root: Path, form_id: str, writers: dict[str, str]) -> list[Example]:
    """Examples of the lines of one form; problems are logged and the lines skipped."""
    group, form_dir = form_dirs(form_id)
    line_dir = root / "lineStrokes" / group / form_dir
    numbered = []
    for path in line_dir.glob(f"{form_id}-*.xml") if line_dir.is_dir() else []:
        match = _LINE_FILE.match(path.name)
        if match and match.group(1) == form_id:
            numbered.append((int(match.group(2)), path))
    if not numbered:
        log.warning("IAM-OnDB form %s: no line files in %s, skipped", form_id, line_dir)
        return []
    ascii_path = root / "ascii" / group / form_dir / f"{form_id}.txt"
    csr = read_transcripts(ascii_path) if ascii_path.is_file() else []
    if not csr:
        log.warning("IAM-OnDB form %s: no CSR transcript in %s, skipped", form_id, ascii_path)
        return []
    examples = []
    for number, path in sorted(numbered):
        if not 1 <= number <= len(csr):
            log.warning("IAM-OnDB %s: no CSR line %d in %s", path.stem, number, ascii_path)
            continue
        examples.append(
            Example(
                id=path.stem,
                path=str(path),
                text=csr[number - 1],
                length=float(count_points(path)),
                speaker=writers.get(form_id, form_id),
            )
        )
    return examples


def read_iam_ondb(root: str | os.PathLike, split: str = "trainset") -> list[Example]:
    """List the text lines of an IAM-OnDB split.

    Args:
        root: directory holding ``lineStrokes/``, ``ascii/`` and the task files.
        split: ``trainset``, ``testset_v``, ``testset_t``, ``testset_f`` or ``all``.

    Returns:
        One ``Example`` per line, in split order: id ``a01-000u-01``, path of
        the XML file, the CSR transcript, length = number of points, speaker =
        writer id from ``forms.txt`` when present, else the form id.

    Raises:
        InkError: not an IAM-OnDB root, unknown split, or bad form id.
    """
    root = Path(root)
    for sub in ("lineStrokes", "ascii"):
        if not (root / sub).is_dir():
            raise InkError(f"{root} is not an IAM-OnDB root: missing {sub}/")
    writers = read_writers(root)
    examples = []
    for form_id in read_split(root, split):
        examples.extend(_form_examples(root, form_id, writers))
    return examples
