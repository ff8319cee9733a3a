"""Audio files -> mono float32 waveforms at the model's sample rate.

First step of the speech pipeline: a reader lists ``Example``s, ``read_audio``
turns each one's file into samples, ``asr.features`` turns samples into frames.
Everything libsndfile reads works (WAV, FLAC, OGG, NIST Sphere as in AN4).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF


class AudioError(ValueError):
    """An audio file is missing, unreadable, empty or holds non-finite samples."""


def _open_error(path: Path, err: Exception) -> AudioError:
    """The one-line error for a file libsndfile refuses."""
    if not path.exists():
        return AudioError(f"audio file not found: {path}")
    if path.is_dir():
        return AudioError(f"expected an audio file, got a directory: {path}")
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return AudioError(f"not a readable audio file: {path} ({reason})")


def resample(samples: np.ndarray, orig_rate: int, new_rate: int) -> np.ndarray:
    """Band-limited (windowed-sinc) resampling of a mono waveform.

    Args:
        samples: (N,) float waveform.
        orig_rate: its sample rate in Hz.
        new_rate: the wanted sample rate in Hz.

    Returns:
        (M,) float32 waveform with ``M = ceil(N * new_rate / orig_rate)``.
    """
    if orig_rate <= 0 or new_rate <= 0:
        raise AudioError(f"sample rates must be positive, got {orig_rate} -> {new_rate}")
    samples = np.asarray(samples, dtype=np.float32)
    if orig_rate == new_rate:
        return samples
    out = AF.resample(torch.from_numpy(np.ascontiguousarray(samples)), orig_rate, new_rate)
    return out.numpy()


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Decode an audio file into mono float32 samples in [-1, 1] at ``sample_rate``.

    Multi-channel audio is down-mixed by averaging the channels; other rates are
    resampled.

    Args:
        path: WAV, FLAC, OGG, NIST Sphere or any other format libsndfile reads.
        sample_rate: the rate (Hz) the samples are returned at.

    Returns:
        (N,) float32 waveform, N > 0.

    Raises:
        AudioError: missing or unreadable file, no samples, or NaN/Inf samples.
    """
    path = Path(path)
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)  # (N, C)
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise _open_error(path, err) from err
    if data.shape[0] == 0:
        raise AudioError(f"audio file has no samples: {path}")
    if not np.isfinite(data).all():
        raise AudioError(f"audio file holds NaN or infinite samples: {path}")
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]  # (N, C) -> (N,)
    mono = resample(mono, rate, sample_rate)
    return np.clip(mono, -1.0, 1.0).astype(np.float32, copy=False)


def audio_duration(path: str | Path) -> float:
    """Duration in seconds from the file header, without decoding the samples.

    Raises:
        AudioError: missing or unreadable file.
    """
    path = Path(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as err:
        raise _open_error(path, err) from err
    return info.frames / info.samplerate


def speed_perturb(samples: np.ndarray, sample_rate: int, factor: float) -> np.ndarray:
    """Play ``samples`` ``factor`` times faster, changing tempo and pitch (Kaldi/sox ``speed``).

    The waveform is treated as if recorded at ``sample_rate * factor`` and
    resampled back to ``sample_rate``, so ``factor=1.1`` gives a signal about
    1/1.1 as long and 10 % higher in pitch.

    Args:
        samples: (N,) float waveform.
        sample_rate: its rate in Hz.
        factor: speed factor > 0; 1.0 returns the samples unchanged.

    Returns:
        (M,) float32 waveform, ``M ≈ N / factor``.
    """
    if not (math.isfinite(factor) and factor > 0):
        raise AudioError(f"speed factor must be a positive number, got {factor}")
    source_rate = round(sample_rate * factor)
    if source_rate <= 0:
        raise AudioError(f"speed factor {factor} is too small for {sample_rate} Hz audio")
    return resample(samples, source_rate, sample_rate)
