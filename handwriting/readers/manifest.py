"""Any ink file by extension, JSONL manifests, and the data entry point.

``load_ink_data`` is what training and evaluation call: an IAM-OnDB root
directory, or a JSONL manifest whose lines are
``{"ink_filepath": "a.json", "text": "hello"}`` (optional ``"id"`` and
``"speaker"``; relative paths are resolved against the manifest's directory).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from common.data import Example
from handwriting.ink import Ink, InkError
from handwriting.readers.iam_ondb import read_iam_ondb, read_iam_ondb_line
from handwriting.readers.inkml import read_inkml
from handwriting.readers.json_ink import read_json_ink

READERS = {".xml": read_iam_ondb_line, ".inkml": read_inkml, ".json": read_json_ink}


def read_ink(path: str | os.PathLike) -> Ink:
    """Read one ink file, choosing the reader by extension.

    ``.xml`` is an IAM-OnDB line file, ``.inkml`` W3C InkML, ``.json`` the
    JSON ink format of ``handwriting.readers.json_ink``.

    Raises:
        InkError: unknown extension, missing file or bad content.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in READERS:
        kind, known = suffix or "(none)", ", ".join(READERS)
        raise InkError(f"{path}: unsupported ink file type {kind!r} (expected {known})")
    return READERS[suffix](path)


def _manifest_example(entry: object, base: Path, where: str) -> Example:
    """One manifest line as an ``Example`` (reads the ink to count its points)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("ink_filepath"), str):
        raise InkError(f"{where}: expected an object with a string 'ink_filepath'")
    text = entry.get("text", "")
    if not isinstance(text, str):
        raise InkError(f"{where}: 'text' must be a string")
    path = Path(entry["ink_filepath"])
    path = path if path.is_absolute() else base / path
    ink = read_ink(path)
    return Example(
        id=str(entry.get("id", path.stem)),
        path=str(path),
        text=text,
        length=float(ink.num_points),
        speaker=str(entry.get("speaker", "")),
    )


def read_ink_manifest(path: str | os.PathLike) -> list[Example]:
    """Examples of a JSONL manifest (one JSON object a line, blank lines ignored).

    Raises:
        InkError: missing manifest, malformed line, or an unreadable ink file.
    """
    path = Path(path)
    if not path.is_file():
        raise InkError(f"no such manifest: {path}")
    examples = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as e:
            raise InkError(f"{where}: malformed JSON ({e.msg})") from e
        examples.append(_manifest_example(entry, path.parent, where))
    return examples


def load_ink_data(path: str | os.PathLike, split: str = "testset_f") -> list[Example]:
    """Examples of an IAM-OnDB root (``split`` chooses the task file) or a JSONL manifest.

    Raises:
        InkError: neither an IAM-OnDB root nor a manifest, or bad content.
    """
    path = Path(path)
    if path.is_dir():
        if (path / "lineStrokes").is_dir() and (path / "ascii").is_dir():
            return read_iam_ondb(path, split)
        raise InkError(f"{path} is a directory but not an IAM-OnDB root (lineStrokes/, ascii/)")
    if path.is_file():
        return read_ink_manifest(path)
    raise InkError(f"no such ink data: {path}")
