"""Any ink file by extension, JSONL manifests, and the data entry point.

``load_ink_data`` is what training and evaluation call: an IAM-OnDB root
directory, or a JSONL manifest whose lines are
``{"ink_filepath": "a.json", "text": "hello"}`` (optional ``"id"`` and
``"speaker"``; relative paths are resolved against the manifest's directory).
"""

from __future__ import annotations

import os
from pathlib import Path

from common.data import Example
from common.jsonl import read_jsonl
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


def _string(entry: dict, key: str, where: str, default: str = "") -> str:
    """A string field of a manifest entry (ids may be written as integers)."""
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InkError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    return str(value)


def _manifest_example(entry: object, base: Path, where: str) -> Example:
    """One manifest line as an ``Example`` (reads the ink to count its points).

    An ink file that exists but cannot be read is listed all the same (length 1):
    training skips and names it, evaluation reports it and scores the rest.
    """
    if not isinstance(entry, dict) or not isinstance(entry.get("ink_filepath"), str):
        raise InkError(f"{where}: expected an object with a string 'ink_filepath'")
    name = entry["ink_filepath"]
    if not name or "\x00" in name:
        raise InkError(f"{where}: 'ink_filepath' must be a non-empty file name")
    text = _string(entry, "text", where)
    path = base / name  # an absolute name replaces base
    try:
        length = float(read_ink(path).num_points)
    except OSError as err:  # e.g. a name too long for the file system
        raise InkError(f"{where}: cannot read {path} ({err.strerror})") from err
    except InkError:
        if not os.path.isfile(path):  # a missing file is the manifest's own error
            raise
        length = 1.0
    return Example(
        id=_string(entry, "id", where, path.stem),
        path=str(path),
        text=text,
        length=length,
        speaker=_string(entry, "speaker", where),
    )


def read_ink_manifest(path: str | os.PathLike) -> list[Example]:
    """Examples of a JSONL manifest (one JSON object a line, blank lines ignored).

    Limits on the manifest itself: ``common.jsonl`` (``docs/limits.md``).

    Raises:
        InkError: missing manifest, malformed line, duplicate id, or a missing ink file.
    """
    path = Path(path)
    examples, seen = [], {}
    for where, entry in read_jsonl(path, InkError):
        example = _manifest_example(entry, path.parent, where)
        if example.id in seen:
            raise InkError(f"{where}: duplicate id {example.id!r} (first on {seen[example.id]})")
        seen[example.id] = where.rsplit(":", 1)[1]
        examples.append(example)
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
