"""``asr transcribe``: audio files -> text, JSON, SRT or WebVTT (and optional plots).

Flow per file: audio (read in chunks) -> features -> encoder -> decoder -> output
format. Short files are batched through the model; long ones are processed in
overlapping chunks so memory stays flat. A bad file is reported on one line and
the others still get transcribed; the exit status is 1 if any file failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from asr.audio import AudioError, audio_duration
from asr.features import AudioFeatureConfig, frame_seconds
from asr.modality import ASR
from asr.plot import plot_transcription
from asr.stream import audio_chunks, read_start
from asr.subtitles import render, timed_words
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
from common.decoding.cli_args import add_decoder_arguments, decoder_config_from_args
from common.decoding.factory import make_decoder
from common.fileio import write_text_atomic
from common.inference import chunked_emissions

AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".sph", ".mp3", ".aiff", ".aif"}
SUFFIX = {"txt": ".txt", "json": ".json", "srt": ".srt", "vtt": ".vtt"}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "transcribe",
        help="transcribe audio files or folders",
        description="Transcribe audio files (wav, flac, ogg, sph, mp3; any rate or channel "
        "count). Directories are searched recursively. Without --output-dir, results are "
        "printed to stdout; with it, one file per input is written.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE|DIR", help="audio files or folders")
    add_common_model_arguments(p, default_model("an4.pt"))
    add_output_arguments(
        p,
        {
            "txt": "text only",
            "json": "text, score and word start/end times",
            "srt": "subtitles timed from the CTC alignment",
            "vtt": "as srt, in WebVTT",
        },
        "also write <name>.png (spectrogram, CTC posteriors, word boundaries) "
        "into --output-dir (or the current folder)",
    )
    p.add_argument(
        "--chunk-seconds",
        type=float,
        default=30.0,
        help="process audio in chunks of this length (default: 30)",
    )
    p.add_argument(
        "--context-seconds",
        type=float,
        default=2.0,
        help="overlap on each side of a chunk, discarded after the model (default: 2)",
    )
    add_decoder_arguments(p, task_decoder_config("asr"))
    p.set_defaults(func=run)


def transcribe_file(loaded: LoadedModel, cfg: AudioFeatureConfig, path: Path, args) -> tuple:
    """(log_probs (T', V), duration seconds) for one file, chunked."""
    duration = audio_duration(path)
    chunks = audio_chunks(
        path, cfg, loaded.model.subsampling, args.chunk_seconds, args.context_seconds
    )
    return chunked_emissions(loaded, chunks), duration


def _emit(text: str, src: Path, args) -> None:
    if args.output_dir is None:
        prefix = f"{src}\t" if args.format == "txt" and len(args.inputs_expanded) > 1 else ""
        sys.stdout.write(prefix + text if prefix else text)
    else:
        write_text_atomic(output_path(src, args.output_dir, SUFFIX[args.format]), text)


def run(args: argparse.Namespace) -> int:
    loaded = load_model(args.model, args.device, modality="asr")
    cfg = ASR.feature_config(loaded.features)
    decoder_cfg = decoder_config_from_args(args, task_decoder_config("asr"))
    decoder = make_decoder(decoder_cfg, loaded.alphabet)
    spf = frame_seconds(cfg) * loaded.model.subsampling
    args.inputs_expanded = expand_inputs(args.inputs, AUDIO_SUFFIXES)
    failed = 0
    for path in tqdm(
        args.inputs_expanded,
        desc="transcribing",
        unit="file",
        disable=args.no_progress or len(args.inputs_expanded) < 2,
    ):
        try:
            log_probs, duration = transcribe_file(loaded, cfg, path, args)
        except (AudioError, OSError) as err:
            report_error(f"{path}: {err}")
            failed += 1
            continue
        k = decoder_cfg.nbest
        nbest = decoder.decode_nbest(log_probs, k) if k > 1 else None
        hyp = nbest[0] if nbest else decoder.decode(log_probs)
        _emit(render(args.format, str(path), duration, hyp, spf, nbest), path, args)
        if args.plot:
            png = output_path(path, args.output_dir or Path("."), ".png")
            plot_transcription(
                png,
                read_start(path, cfg.sample_rate, 60.0),
                cfg,
                log_probs,
                loaded.alphabet,
                timed_words(hyp, spf),
                spf,
                title=hyp.text,
            )
    if failed:
        report_error(f"{failed} of {len(args.inputs_expanded)} files failed")
    return 1 if failed else 0
