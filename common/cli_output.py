"""Where the transcribe/recognize commands put their results: files that never collide, or stdout.

Last step of the flow (decoder -> formatted result -> here). With ``-o DIR``
every input gets ``DIR/<stem>.<format>``; when two inputs share a stem, the
outputs mirror the inputs' folders below their common parent, and inputs that
would still collide (``x.wav`` and ``x.flac`` side by side) are refused before
anything is written. Without ``-o``, one input prints its result as is and
several print one line each: JSON lines holding the input path (``txt``:
``path<TAB>text``).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.cli_util import UserError
from common.fileio import write_text_atomic


def output_stems(inputs: list[Path], output_dir: Path) -> dict[Path, Path]:
    """Input -> ``output_dir/<stem>`` (no suffix), unique per input.

    Raises:
        UserError: two inputs in the same folder with the same stem.
    """
    flat = {p: output_dir / p.stem for p in inputs}
    if len(set(flat.values())) == len(flat):
        return flat
    folders = [p.resolve().parent for p in inputs]
    root = Path(os.path.commonpath(folders))
    mirrored = {
        p: output_dir / f.relative_to(root) / p.stem for p, f in zip(inputs, folders, strict=True)
    }
    owner: dict[Path, Path] = {}
    for src, out in mirrored.items():
        if out in owner:
            raise UserError(
                f"{owner[out]} and {src} would both be written to {out}.*: "
                "rename one or run them separately (nothing was written)"
            )
        owner[out] = src
    return mirrored


@dataclass
class ResultSink:
    """Writes each input's result in the chosen formats to files or stdout.

    Attributes:
        formats: the formats to write (several for ``--format all``).
        inputs: every input, to plan output names before anything is written.
        output_dir: ``-o DIR``, or None for stdout.
        format_result: ``(format, result, path) -> text`` for one input.
        record: ``(result, path) -> dict`` for a JSON line on stdout.
    """

    formats: list[str]
    inputs: list[Path]
    output_dir: Path | None
    format_result: Callable[[str, Any, Path], str]
    record: Callable[[Any, Path], dict]

    def __post_init__(self) -> None:
        if self.output_dir is None and len(self.formats) > 1:
            raise UserError("--format all writes one file per format: give -o DIR")
        self.stems = output_stems(self.inputs, self.output_dir) if self.output_dir else {}
        sources = {p.resolve() for p in self.inputs}
        for src in self.stems:
            for fmt in self.formats:
                if self.path(src, fmt).resolve() in sources:
                    raise UserError(
                        f"{self.path(src, fmt)} would overwrite an input: choose another -o DIR "
                        "(nothing was written)"
                    )

    def path(self, src: Path, fmt: str) -> Path:
        """The file ``src``'s result in ``fmt`` is written to (with ``-o DIR``)."""
        return self.stems[src].with_name(f"{self.stems[src].name}.{fmt}")

    def stem(self, src: Path, default_dir: Path = Path(".")) -> Path:
        """``DIR/<stem>`` of an input (for extra files such as plots)."""
        return self.stems.get(src) or default_dir / src.stem

    def emit(self, src: Path, result: Any) -> None:
        """Write or print the result of ``src``."""
        if self.output_dir is not None:
            for fmt in self.formats:
                write_text_atomic(self.path(src, fmt), self.format_result(fmt, result, src))
            return
        fmt = self.formats[0]
        if len(self.inputs) == 1:
            sys.stdout.write(self.format_result(fmt, result, src))
        elif fmt == "txt":
            lines = self.format_result(fmt, result, src).splitlines() or [""]
            sys.stdout.write("".join(f"{src}\t{line}\n" for line in lines))
        else:
            record = {"file": str(src), **self.record(result, src)}
            if fmt != "json":
                record[fmt] = self.format_result(fmt, result, src)
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()
