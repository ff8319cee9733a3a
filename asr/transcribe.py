"""``asr transcribe``: audio files -> text, JSON, SRT, WebVTT or TSV (and optional plots).

The command line of ``asr.api.SpeechRecognizer.transcribe_stream``: audio (long
files cut at pauses into segments) -> features -> encoder -> decoder -> word times -> output format
(``asr.subtitles``) -> files or stdout (``common.cli_output``). A bad file is
reported on one line and the others still get transcribed; the exit status is
1 if any file failed. torch is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from asr.subtitles import FORMATS
from common.cli_util import (
    add_common_model_arguments,
    add_output_arguments,
    expand_inputs,
    positive_float,
    report_error,
    set_threads,
    show_progress,
)
from common.config import task_decoder_config
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".sph", ".mp3", ".aiff", ".aif"}
FORMAT_HELP = {
    "txt": "text only (with --nbest: one hypothesis per line)",
    "json": "text, score, word start/end times and n-best",
    "srt": "subtitles timed by the words",
    "vtt": "as srt, in WebVTT",
    "tsv": "start, end (ms), text, rank per cue",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="transcribe audio files or folders",
        description="Transcribe audio files (wav, flac, ogg, sph, mp3; any rate or channel "
        "count). Directories are searched recursively. Without -o, results are printed to "
        "stdout; with it, one file per input and format is written.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="audio files or folders")
    add_common_model_arguments(p, "asr")
    add_output_arguments(
        p,
        FORMAT_HELP,
        "also write <name>.png (spectrogram, CTC posteriors, word boundaries) "
        "into -o DIR (or the current folder)",
    )
    p.add_argument(
        "--segment-seconds",
        type=positive_float,
        default=None,
        metavar="S",
        help="longer files are cut where the speaker pauses into segments at most this "
        "long, each transcribed as an utterance of its own; memory holds one 30 s window "
        "(default: 5, asr.segment.SegmentConfig)",
    )
    add_decoder_arguments(p, task_decoder_config("asr"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from asr.api import load
    from asr.segment import SegmentConfig
    from asr.subtitles import format_cues, format_transcript
    from common.cli_output import ResultSink
    from common.inference import Failure

    decoder_cfg = decoder_config_from_args(args, task_decoder_config("asr"))
    files = expand_inputs(args.inputs, AUDIO_SUFFIXES)
    sink = ResultSink(
        formats=list(FORMATS) if args.format == "all" else [args.format],
        inputs=files,
        output_dir=args.output_dir,
        format_result=lambda fmt, t, src: format_transcript(fmt, t, str(src)),
        record=lambda t, src: t.to_dict(),
    )
    set_threads(args.threads)
    recognizer = load(args.model, args.device)
    failed = 0
    results = recognizer.transcribe_stream(
        files,
        decoder=decoder_cfg,
        segment_seconds=args.segment_seconds or SegmentConfig.max_seconds,
        batch_size=args.batch_size,
        progress=show_progress(args.no_progress),
    )
    for result in results:
        if isinstance(result, Failure):
            report_error(f"{result.item}: {result.message}")
            failed += 1
            continue
        path, transcript = result
        sink.emit(path, transcript)
        if args.verbose:
            sys.stderr.write(f"{path}\n{format_cues(transcript)}")
        if args.plot:
            stem = sink.stem(path)
            _plot(recognizer, path, transcript, stem.with_name(stem.name + ".png"))
    if failed:
        report_error(f"{failed} of {len(files)} files failed")
    return 1 if failed else 0


def _plot(recognizer, path: Path, transcript, png: Path) -> None:
    """Spectrogram, posteriors and word boundaries of the first minute of ``path``."""
    from asr.audio import read_start
    from asr.plot import plot_transcription

    plot_transcription(
        png,
        read_start(path, recognizer.sample_rate, 60.0),
        recognizer.features,
        transcript.emissions,
        recognizer.loaded.alphabet,
        transcript.words,
        recognizer.seconds_per_frame,
        title=transcript.text,
    )
