"""``handwriting recognize``: ink files -> text, with character and word spans on the ink.

The command line of ``handwriting.api.InkRecognizer.recognize_stream``: reader
(.xml IAM-OnDB line, .inkml, .json) -> stroke features -> encoder -> decoder ->
spans on the ink -> txt/json/tsv -> files or stdout (``common.cli_output``).
Bad files are reported one per line, the others still recognised; the exit
status is 1 if any failed. Folders are searched for ink, skipping our own JSON
outputs. torch is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from common.cli_util import (
    add_common_model_arguments,
    add_output_arguments,
    expand_inputs,
    report_error,
    set_threads,
    show_progress,
)
from common.config import task_decoder_config
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args

INK_SUFFIXES = {".xml", ".inkml", ".json"}
FORMATS = {
    "txt": "text only (with --nbest: one hypothesis per line)",
    "json": "text, score, n-best, per-word and per-character spans (point indices and "
    "times) on the ink",
    "tsv": "start_point, end_point, start_time, end_time, text, rank per word",
}
_PEEK_BYTES = 1 << 20


def is_recognition_output(path: Path) -> bool:
    """True for a JSON file this command wrote (text and spans, no ``strokes``): not ink."""
    if path.suffix.lower() != ".json":
        return False
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read(_PEEK_BYTES).decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False  # the reader reports what is wrong with it
    return isinstance(doc, dict) and "strokes" not in doc and "chars" in doc and "text" in doc


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "recognize",
        help="recognise ink files (.xml IAM-OnDB line, .inkml, .json)",
        description="Recognise online handwriting. Directories are searched recursively for "
        ".xml, .inkml and .json ink files (JSON results of this command are skipped). "
        "Without -o, results are printed.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="ink files or folders")
    add_common_model_arguments(p, "handwriting")
    add_output_arguments(
        p, FORMATS, "also write <name>.png with the ink, the text and character spans"
    )
    p.add_argument("--y-up", action="store_true", help="the ink's y axis points up")
    add_decoder_arguments(p, task_decoder_config("handwriting"))
    p.set_defaults(func=run)


def format_recognition(fmt: str, rec: Any, path: Path) -> str:
    """One ink's result as ``txt``, ``json`` or ``tsv``."""
    if fmt == "txt":
        return "".join(a.text + "\n" for a in rec.nbest) if len(rec.nbest) > 1 else rec.text + "\n"
    if fmt == "json":
        return json.dumps({"file": str(path), **rec.to_dict()}, indent=2, ensure_ascii=False) + "\n"
    if fmt == "tsv":
        rows = ["start_point\tend_point\tstart_time\tend_time\ttext\trank"]
        for rank, words in enumerate(rec.nbest_words, start=1):
            rows += [
                f"{w.start}\t{w.end}\t{w.start_time}\t{w.end_time}\t{w.text}\t{rank}" for w in words
            ]
        return "\n".join(rows) + "\n"
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def run(args: argparse.Namespace) -> int:
    from common.cli_output import ResultSink
    from common.inference import Failure
    from handwriting.api import load
    from handwriting.plot import plot_ink

    decoder_cfg = decoder_config_from_args(args, task_decoder_config("handwriting"))
    files = expand_inputs(args.inputs, INK_SUFFIXES, skip=is_recognition_output)
    sink = ResultSink(
        formats=list(FORMATS) if args.format == "all" else [args.format],
        inputs=files,
        output_dir=args.output_dir,
        format_result=format_recognition,
        record=lambda rec, src: rec.to_dict(),
    )
    set_threads(args.threads)
    recognizer = load(args.model, args.device)
    failed = 0
    results = recognizer.recognize_stream(
        files,
        y_up=args.y_up,
        decoder=decoder_cfg,
        batch_size=args.batch_size,
        progress=show_progress(args.no_progress),
    )
    for result in results:
        if isinstance(result, Failure):
            report_error(f"{result.item}: {result.message}")
            failed += 1
            continue
        path, rec = result
        sink.emit(path, rec)
        if args.verbose:
            sys.stderr.write(f"{path}: {rec.text}\n")
        if args.plot:
            stem = sink.stem(path)
            spans = [(c.text, c.start, c.end) for c in rec.chars]
            plot_ink(rec.ink, stem.with_name(stem.name + ".png"), text=rec.text, spans=spans)
    if failed:
        report_error(f"{failed} of {len(files)} files failed")
    return 1 if failed else 0
