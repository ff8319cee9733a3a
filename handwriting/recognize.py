"""``handwriting recognize``: ink files -> text, with character and word spans on the ink.

Flow per file: reader (.xml IAM-OnDB line, .inkml, .json) -> stroke features ->
encoder -> decoder; encoder frames are mapped back to ink points (and their
timestamps) through ``feature_point_index``. Bad files are reported one per
line, the others still recognised; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from common.checkpoint import LoadedModel, load_model
from common.cli_util import (
    add_common_model_arguments,
    add_output_arguments,
    default_model,
    expand_inputs,
    output_path,
    report_error,
)
from common.config import task_decoder_config
from common.decoding import Hypothesis
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.decoding.factory import make_decoder
from common.fileio import write_text_atomic
from common.inference import emissions
from handwriting.features import InkFeatureConfig, feature_point_index, featurize
from handwriting.ink import Ink
from handwriting.modality import HANDWRITING
from handwriting.readers import read_ink
from handwriting.render import render_ink

INK_SUFFIXES = {".xml", ".inkml", ".json"}
_NO_RNG = np.random.default_rng(0)


@dataclass(frozen=True)
class Span:
    """A recognised unit on the ink: points ``[start, end)`` and their time range."""

    text: str
    start: int
    end: int
    start_time: float
    end_time: float


@dataclass(frozen=True)
class Recognition:
    hypothesis: Hypothesis
    chars: list[Span]
    words: list[Span]


def _span(text: str, frames: tuple[int, int], ends: np.ndarray, times: np.ndarray, s: int) -> Span:
    """Encoder frames ``[f0, f1)`` -> ink points, via each feature frame's last point."""
    a, b = frames[0] * s, min(frames[1] * s, len(ends))
    start = int(ends[a - 1]) + 1 if a > 0 else 0
    end = max(start + 1, int(ends[max(b - 1, 0)]) + 1)
    end = min(end, len(times))
    start = min(start, end - 1)
    return Span(text, start, end, round(float(times[start]), 3), round(float(times[end - 1]), 3))


def recognize_ink(loaded: LoadedModel, cfg: InkFeatureConfig, ink: Ink, decoder) -> Recognition:
    """Decode one ink and locate every character and word on it."""
    log_probs = emissions(loaded, [featurize(ink, cfg, False, _NO_RNG)])[0]
    hyp = decoder.decode(log_probs)
    return locate(hyp, ink, cfg, loaded.model.subsampling)


def locate(hyp: Hypothesis, ink: Ink, cfg: InkFeatureConfig, subsampling: int) -> Recognition:
    """Character and word spans of ``hyp`` in ink points and seconds."""
    ends = feature_point_index(ink, cfg)
    times = ink.points[:, 2]
    chars = [
        _span(c, (f0, f1), ends, times, subsampling)
        for c, f0, f1 in zip(hyp.text, hyp.token_frames, hyp.token_end_frames, strict=True)
        if c != " "
    ]
    words = [
        _span(w.word, (w.start_frame, w.end_frame), ends, times, subsampling) for w in hyp.words
    ]
    return Recognition(hyp, chars, words)


def to_json(path: Path, rec: Recognition) -> str:
    def spans(items: list[Span]) -> list[dict]:
        return [
            {
                "text": s.text,
                "start_point": s.start,
                "end_point": s.end,
                "start_time": s.start_time,
                "end_time": s.end_time,
            }
            for s in items
        ]

    doc = {
        "file": str(path),
        "text": rec.hypothesis.text,
        "score": rec.hypothesis.score,
        "words": spans(rec.words),
        "chars": spans(rec.chars),
    }
    return json.dumps(doc, indent=2) + "\n"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "recognize",
        help="recognise ink files (.xml IAM-OnDB line, .inkml, .json)",
        description="Recognise online handwriting. Directories are searched recursively for "
        ".xml, .inkml and .json files. Without --output-dir, results are printed.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="ink files or folders")
    add_common_model_arguments(p, default_model("ink-synthetic.pt"))
    add_output_arguments(
        p,
        {
            "txt": "text only",
            "json": "text plus per-word and per-character spans (point indices and times) "
            "on the ink",
        },
        "also write <name>.png with the ink, the text and character spans",
    )
    add_decoder_arguments(p, task_decoder_config("handwriting"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    loaded = load_model(args.model, args.device, modality="handwriting")
    cfg = HANDWRITING.feature_config(loaded.features)
    decoder_cfg = decoder_config_from_args(args, task_decoder_config("handwriting"))
    decoder = make_decoder(decoder_cfg, loaded.alphabet)
    files = expand_inputs(args.inputs, INK_SUFFIXES)
    failed = 0
    for path in tqdm(
        files, desc="recognising", unit="file", disable=args.no_progress or len(files) < 2
    ):
        try:
            ink = read_ink(path)
            rec = recognize_ink(loaded, cfg, ink, decoder)
        except (ValueError, OSError) as err:
            report_error(f"{path}: {err}")
            failed += 1
            continue
        text = to_json(path, rec) if args.format == "json" else rec.hypothesis.text + "\n"
        if args.output_dir is None:
            sys.stdout.write(f"{path}\t{text}" if args.format == "txt" and len(files) > 1 else text)
        else:
            write_text_atomic(output_path(path, args.output_dir, f".{args.format}"), text)
        if args.plot:
            png = output_path(path, args.output_dir or Path("."), ".png")
            render_ink(
                ink,
                png,
                text=rec.hypothesis.text,
                spans=[(s.text, s.start, s.end) for s in rec.chars],
            )
    if failed:
        report_error(f"{failed} of {len(files)} files failed")
    return 1 if failed else 0
