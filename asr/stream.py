"""Long recordings -> overlapping feature chunks, read block by block from disk.

Used by ``asr transcribe`` so an hour of audio never sits in memory at once:
each chunk keeps ``chunk_seconds`` of audio plus ``context_seconds`` on each
side, whose encoder frames ``common.inference.chunked_emissions`` drops again.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf

from asr.audio import AudioError, resample
from asr.features import AudioFeatureConfig, featurize
from common.inference import Chunk

_NO_RNG = np.random.default_rng(0)  # featurize(train=False) draws nothing from it


def _open(path: Path) -> sf.SoundFile:
    if not path.is_file():
        raise AudioError(f"audio file not found: {path}")
    try:
        return sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise AudioError(f"not a readable audio file: {path} ({str(err).splitlines()[0]})") from err


def _read_mono(f: sf.SoundFile, start: int, frames: int, rate: int, path: Path) -> np.ndarray:
    f.seek(start)
    data = f.read(frames, dtype="float32", always_2d=True)  # (N, C)
    if not np.isfinite(data).all():
        raise AudioError(f"audio file holds NaN or infinite samples: {path}")
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]  # (N, C) -> (N,)
    return np.clip(resample(mono, f.samplerate, rate), -1.0, 1.0)


def audio_chunks(
    path: str | Path,
    cfg: AudioFeatureConfig,
    subsampling: int,
    chunk_seconds: float = 30.0,
    context_seconds: float = 2.0,
) -> Iterator[Chunk]:
    """Feature chunks of the file at ``path``; context widths are whole encoder frames.

    Raises:
        AudioError: missing, unreadable, empty or non-finite audio.
    """
    path = Path(path)
    with _open(path) as f:
        if f.frames == 0:
            raise AudioError(f"audio file has no samples: {path}")
        step = cfg.hop_length * subsampling  # output samples per encoder frame
        chunk = max(1, round(chunk_seconds * cfg.sample_rate / step)) * step
        context = round(context_seconds * cfg.sample_rate / step) * step
        scale = f.samplerate / cfg.sample_rate  # file samples per model sample
        total = int(f.frames / scale)
        for core in range(0, total, chunk):
            start = max(0, core - context)
            end = min(total, core + chunk + context)
            samples = _read_mono(
                f, int(start * scale), int(round((end - start) * scale)), cfg.sample_rate, path
            )
            feats = featurize(samples, cfg, False, _NO_RNG)
            left = (core - start) // cfg.hop_length
            last = core + chunk >= total
            yield Chunk(feats, left, feats.shape[0] - left if last else chunk // cfg.hop_length)


def read_start(path: str | Path, sample_rate: int, seconds: float) -> np.ndarray:
    """The first ``seconds`` of a file as mono samples at ``sample_rate`` (for plots)."""
    path = Path(path)
    with _open(path) as f:
        return _read_mono(f, 0, int(seconds * f.samplerate), sample_rate, path)
