"""JSON-lines manifests read line by line within limits: the first step of both modalities'
manifest readers (``asr.readers.read_manifest``, ``handwriting.readers.manifest``).

A manifest is refused, with one line naming the file and line, when it is
larger than ``MAX_MANIFEST_BYTES``, has a line over ``MAX_LINE_BYTES``, is not
UTF-8 or holds a line that is not JSON (nesting too deep for Python included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

MAX_MANIFEST_BYTES = 2 * 2**30
MAX_LINE_BYTES = 1 << 20  # one manifest entry


def read_jsonl(path: str | Path, error: type[Exception]) -> Iterator[tuple[str, object]]:
    """``("path:line", decoded JSON)`` for each non-blank line of ``path``.

    Args:
        path: the JSON-lines file.
        error: the exception type raised for a bad file (the reader's own error class).

    Raises:
        error: missing or too large file, a line too long, not UTF-8, or not JSON.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"manifest not found: {path}")
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        raise error(f"manifest too large: {path} (limit {MAX_MANIFEST_BYTES} bytes)")
    with open(path, "rb") as f:
        for number, raw in enumerate(iter(lambda: f.readline(MAX_LINE_BYTES + 1), b""), 1):
            where = f"{path}:{number}"
            if len(raw) > MAX_LINE_BYTES:
                raise error(f"{where}: line longer than {MAX_LINE_BYTES} bytes")
            if not raw.strip():
                continue
            try:
                yield where, json.loads(raw.decode("utf-8"))
            except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, ints > 4300 digits
                raise error(f"{where}: invalid JSON ({str(err)[:120]})") from err
            except RecursionError as err:
                raise error(f"{where}: invalid JSON (nested too deeply)") from err
