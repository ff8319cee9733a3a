"""Long recordings -> utterance-sized segments cut at pauses (before features).

The encoder learns from single utterances (AN4: 1-8 s). Run over a minute of
speech in one piece it loses accuracy: held-out AN4 utterances joined with
0.5 s gaps read at 31 % WER as 30 s pieces, 25 % cut here, 23 % one by one
(`bench/long_recordings.py`). So ``asr transcribe`` cuts long audio where the
speaker pauses, keeping each segment at most ``max_seconds`` long, and
transcribes each segment as an utterance of its own.

Cuts are chosen top-down: a stretch longer than ``max_seconds`` is split at the
middle of its longest pause, and the halves again, until every piece fits; a
stretch with no pause is cut in the middle. Pauses are runs of frames quieter
than ``pause_db`` below the recording's loud frames (its 99th percentile), so
the rule does not depend on the recording level.

Legend: T analysis frames (``hop_length`` samples apart).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asr.audio import MAX_STREAM_SECONDS, AudioError, stream_audio
from asr.features import AudioFeatureConfig, featurize, frame_power_db
from common.inference import Chunk

_NO_RNG = np.random.default_rng(0)  # featurize(train=False) draws nothing from it


@dataclass(frozen=True)
class SegmentConfig:
    """Where long audio may be cut."""

    max_seconds: float = 5.0  # longest segment handed to the model
    pause_db: float = 25.0  # a frame this far below the loud frames is a pause
    min_pause_seconds: float = 0.1  # shorter quiet runs are not pauses


@dataclass(frozen=True)
class Segment:
    """Samples of one segment at the model's rate; ``start`` is its first sample in the file."""

    start: int
    samples: np.ndarray  # (N,)


def pause_spans(frame_db: np.ndarray, pause_db: float, min_frames: int) -> list[tuple[int, int]]:
    """Quiet runs ``[start, end)`` of at least ``min_frames`` frames, not touching either end.

    Args:
        frame_db: (T,) power of each frame in dB.
        pause_db: frames below ``percentile99 - pause_db`` are quiet.
        min_frames: shortest run that counts as a pause.
    """
    if len(frame_db) == 0:
        return []
    quiet = frame_db < np.percentile(frame_db, 99) - pause_db  # (T,)
    edges = np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [
        (int(s), int(e))
        for s, e in zip(starts, ends, strict=True)
        if e - s >= min_frames and s > 0 and e < len(frame_db)
    ]


def split_at_pauses(
    start: int, end: int, pauses: list[tuple[int, int]], max_frames: int
) -> list[tuple[int, int]]:
    """Cut ``[start, end)`` into pieces of at most ``max_frames``, at the longest pauses first."""
    pieces: list[tuple[int, int]] = []
    todo = [(start, end)]
    while todo:
        lo, hi = todo.pop()
        if hi - lo <= max_frames:
            pieces.append((lo, hi))
            continue
        inside = [p for p in pauses if p[0] > lo and p[1] < hi]
        if inside:
            s, e = max(inside, key=lambda p: p[1] - p[0])
            cut = (s + e) // 2
        else:
            cut = (lo + hi) // 2
        todo += [(cut, hi), (lo, cut)]  # popped left first: pieces come out in order
    return pieces


def segment_frames(
    frame_db: np.ndarray, frame_rate: float, cfg: SegmentConfig
) -> list[tuple[int, int]]:
    """Frame ranges ``[start, end)`` covering all ``frame_db`` frames, each a segment.

    Args:
        frame_db: (T,) power of each frame in dB.
        frame_rate: frames per second.
        cfg: where cuts may go.
    """
    if cfg.max_seconds <= 0:
        raise ValueError(f"segment max_seconds must be positive, got {cfg.max_seconds}")
    max_frames = max(1, int(cfg.max_seconds * frame_rate))
    min_frames = max(1, int(round(cfg.min_pause_seconds * frame_rate)))
    pauses = pause_spans(frame_db, cfg.pause_db, min_frames)
    return split_at_pauses(0, len(frame_db), pauses, max_frames)


def audio_segments(
    path: str | Path,
    cfg: AudioFeatureConfig,
    seg: SegmentConfig,
    window_seconds: float = 30.0,
    max_seconds: float = MAX_STREAM_SECONDS,
    step: int = 1,
) -> Iterator[Segment]:
    """Segments of the file at ``path`` in order, decoded block by block.

    Memory holds one window of ``window_seconds`` (at least twice ``seg.max_seconds``):
    it is segmented, every piece but the last is yielded, and the last is kept to be
    cut again once more audio has arrived. The segments tile the file exactly; every
    cut falls on a multiple of ``step`` samples (e.g. one encoder frame).

    Raises:
        AudioError: as ``asr.audio.stream_audio``, or a file with no samples.
    """
    window = int(max(window_seconds, 2 * seg.max_seconds) * cfg.sample_rate)
    blocks = stream_audio(path, cfg.sample_rate, max_seconds)
    pending: list[np.ndarray] = []
    offset, size, done = 0, 0, False
    while True:
        while not done and size < window:
            block = next(blocks, None)
            done = block is None
            if block is not None:
                pending.append(block)
                size += len(block)
        if size == 0:
            if offset == 0:
                raise AudioError(f"audio file has no samples: {path}")
            return
        samples = np.concatenate(pending)
        cuts = [a * cfg.hop_length // step * step for a, _ in _frame_pieces(samples, cfg, seg)]
        bounds = sorted({min(c, size) for c in cuts} | {0, size})
        if not done and len(bounds) > 2:
            bounds = bounds[:-1]  # the last piece waits for the audio after it
        for a, b in zip(bounds, bounds[1:], strict=False):
            yield Segment(offset + a, samples[a:b])
        keep = bounds[-1] if not done else size
        pending, size, offset = [samples[keep:]], size - keep, offset + keep
        if done:
            return


def segment_chunks(
    path: str | Path,
    cfg: AudioFeatureConfig,
    subsampling: int,
    seg: SegmentConfig,
    on_segment: Callable[[Segment], None] | None = None,
) -> Iterator[Chunk]:
    """Features of each segment as a ``Chunk`` with no context, for ``chunked_emissions``.

    Cuts fall on encoder frames (``hop_length * subsampling`` samples), so a segment
    of N samples keeps exactly ``N / step`` encoder frames and the stitched frames
    keep their times; only the last segment keeps whatever the model gives it.
    ``on_segment`` sees each segment's samples as it is read (e.g. to measure levels).
    """
    step = cfg.hop_length * subsampling
    pending: Segment | None = None
    for segment in audio_segments(path, cfg, seg, step=step):
        if on_segment is not None:
            on_segment(segment)
        if pending is not None:
            yield _chunk(pending, cfg, last=False)
        pending = segment
    if pending is not None:
        yield _chunk(pending, cfg, last=True)


def _chunk(segment: Segment, cfg: AudioFeatureConfig, last: bool) -> Chunk:
    feats = featurize(segment.samples, cfg, False, _NO_RNG)
    keep = feats.shape[0] if last else len(segment.samples) // cfg.hop_length
    return Chunk(feats, 0, keep, new_segment=True)


def _frame_pieces(
    samples: np.ndarray, cfg: AudioFeatureConfig, seg: SegmentConfig
) -> list[tuple[int, int]]:
    """``segment_frames`` of a waveform, with frames ``hop_length`` samples apart."""
    return segment_frames(frame_power_db(samples, cfg), cfg.sample_rate / cfg.hop_length, seg)
