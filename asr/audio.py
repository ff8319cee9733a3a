"""Audio files -> mono float32 waveforms at the model's sample rate.

First step of the speech pipeline: a reader lists ``Example``s, ``read_audio``
turns each one's file into samples, ``asr.features`` turns samples into frames.
Everything libsndfile reads works (WAV, FLAC, OGG, MP3, NIST Sphere as in AN4).

Files are decoded block by block (never seeking, so unseekable codecs such as
GSM 6.10 work) and resampled with soxr's polyphase resampler, so memory and
time grow with the audio actually decoded, never with what a header claims or
with how few factors two sample rates share. Every reader enforces the limits
below before allocating anything (``docs/limits.md``); anything libsndfile
refuses, anywhere in a file, becomes one ``AudioError``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

MIN_SAMPLE_RATE = 1_000  # Hz; below this a header is corrupt, not speech
MAX_SAMPLE_RATE = 384_000  # Hz; the highest rate audio interfaces record at
MAX_CHANNELS = 64
MAX_FILE_BYTES = 4 * 2**30
MAX_SECONDS = 4 * 3600.0  # whole-file decoding: 4 h at 16 kHz is 0.9 GB of float32
MAX_STREAM_SECONDS = 48 * 3600.0  # block-wise transcription holds one chunk at a time
BLOCK_FRAMES = 1 << 16  # frames decoded per read
_DECODE_ERRORS = (sf.LibsndfileError, sf.SoundFileError, RuntimeError, OSError, ValueError)


class AudioError(ValueError):
    """An audio file is missing, unreadable, empty, over a limit or holds non-finite samples."""


def _reason(err: Exception) -> str:
    text = str(err).splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:200]


def _check_path(path: Path) -> None:
    """Refuse missing paths, directories, FIFOs/devices and oversized files before opening."""
    if not path.exists():
        raise AudioError(f"audio file not found: {path}")
    if path.is_dir():
        raise AudioError(f"expected an audio file, got a directory: {path}")
    if not path.is_file():
        raise AudioError(f"not a regular file (FIFO, socket or device?): {path}")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise AudioError(f"audio file too large: {path} ({size} bytes, limit {MAX_FILE_BYTES})")


def _check_header(f: sf.SoundFile, path: Path, max_seconds: float) -> None:
    """Sample rate, channels and claimed duration within the limits."""
    rate, channels = f.samplerate, f.channels
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise AudioError(
            f"unsupported sample rate {rate} Hz in {path} "
            f"(supported: {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz)"
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioError(f"unsupported channel count {channels} in {path} (1..{MAX_CHANNELS})")
    if f.frames < 0 or f.frames / rate > max_seconds:
        raise AudioError(
            f"audio file header claims {f.frames / rate:.0f} s: {path} (limit {max_seconds:.0f} s)"
        )


def open_audio(path: str | Path, max_seconds: float = MAX_SECONDS) -> sf.SoundFile:
    """Open ``path`` for block-wise reading after checking it against the limits.

    Raises:
        AudioError: missing, not a regular file, too large, unreadable, or a
            header outside the limits.
    """
    path = Path(path)
    _check_path(path)
    try:
        f = sf.SoundFile(str(path))
    except _DECODE_ERRORS as err:
        raise AudioError(f"not a readable audio file: {path} ({_reason(err)})") from err
    try:
        _check_header(f, path, max_seconds)
    except AudioError:
        f.close()
        raise
    return f


def _mono_blocks(f: sf.SoundFile, path: Path, max_seconds: float) -> Iterator[np.ndarray]:
    """Decoded (n,) float32 mono blocks at the file's rate, in order, without seeking."""
    limit = max_seconds * f.samplerate
    decoded = 0
    while True:
        try:
            data = f.read(BLOCK_FRAMES, dtype="float32", always_2d=True)  # (n, C)
        except _DECODE_ERRORS as err:
            raise AudioError(f"cannot decode {path} ({_reason(err)})") from err
        if data.shape[0] == 0:
            return
        decoded += data.shape[0]
        if decoded > limit:
            raise AudioError(f"audio file longer than {max_seconds:.0f} s: {path}")
        if not np.isfinite(data).all():
            raise AudioError(f"audio file holds NaN or infinite samples: {path}")
        yield data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]  # (n, C) -> (n,)


def stream_audio(
    path: str | Path, sample_rate: int, max_seconds: float = MAX_SECONDS
) -> Iterator[np.ndarray]:
    """Mono float32 blocks of ``path`` at ``sample_rate``, clipped to [-1, 1], in order.

    Raises:
        AudioError: as ``open_audio``, a decoding error or NaN/Inf samples
            anywhere in the file (raised when the bad block is reached).
    """
    path = Path(path)
    _check_rate(sample_rate, "target")
    with open_audio(path, max_seconds) as f:
        stream = None
        if f.samplerate != sample_rate:
            stream = soxr.ResampleStream(f.samplerate, int(sample_rate), 1, dtype="float32")
        for block in _mono_blocks(f, path, max_seconds):
            out = block if stream is None else stream.resample_chunk(block)
            if len(out):
                yield np.clip(out, -1.0, 1.0)
        if stream is not None:
            tail = stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            if len(tail):
                yield np.clip(tail, -1.0, 1.0)


def _check_rate(rate: int, what: str) -> None:
    ok = isinstance(rate, int | float | np.number) and not isinstance(rate, bool)
    if not (ok and math.isfinite(rate) and float(rate).is_integer()):
        ok = False
    if not (ok and MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE):
        raise AudioError(
            f"{what} sample rate must be a positive integer in "
            f"{MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz, got {rate!r}"
        )


def resample(samples: np.ndarray, orig_rate: int, new_rate: int) -> np.ndarray:
    """Band-limited polyphase resampling of a mono waveform (soxr, high quality).

    Time and memory are linear in the input for any pair of rates.

    Args:
        samples: (N,) float waveform.
        orig_rate: its sample rate in Hz.
        new_rate: the wanted sample rate in Hz.

    Returns:
        (M,) float32 waveform with ``M = round(N * new_rate / orig_rate)``.

    Raises:
        AudioError: a rate outside ``MIN_SAMPLE_RATE..MAX_SAMPLE_RATE`` (or not positive).
    """
    _check_rate(orig_rate, "source")
    _check_rate(new_rate, "target")
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if orig_rate == new_rate:
        return samples
    return soxr.resample(samples, int(orig_rate), int(new_rate)).astype(np.float32, copy=False)


def read_audio(path: str | Path, sample_rate: int, max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """Decode an audio file into mono float32 samples in [-1, 1] at ``sample_rate``.

    Multi-channel audio is down-mixed by averaging the channels; other rates are
    resampled.

    Args:
        path: WAV, FLAC, OGG, MP3, NIST Sphere or any other format libsndfile reads.
        sample_rate: the rate (Hz) the samples are returned at.
        max_seconds: longest audio accepted (header and decoded length).

    Returns:
        (N,) float32 waveform, N > 0.

    Raises:
        AudioError: missing or unreadable file, beyond the limits, no samples,
            or NaN/Inf samples.
    """
    blocks = list(stream_audio(path, sample_rate, max_seconds))
    if not blocks:
        raise AudioError(f"audio file has no samples (or too few to resample): {path}")
    return np.concatenate(blocks)


def audio_duration(path: str | Path, max_seconds: float = MAX_STREAM_SECONDS) -> float:
    """Duration in seconds from the file header, without decoding the samples.

    Raises:
        AudioError: missing, unreadable or not a regular file, or a header outside the limits.
    """
    with open_audio(path, max_seconds) as f:
        return f.frames / f.samplerate


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
    if not MIN_SAMPLE_RATE <= source_rate <= MAX_SAMPLE_RATE:
        raise AudioError(f"speed factor {factor} is out of range for {sample_rate} Hz audio")
    return resample(samples, source_rate, sample_rate)


def read_start(path: str | Path, sample_rate: int, seconds: float) -> np.ndarray:
    """The first ``seconds`` of a file as mono samples at ``sample_rate`` (for plots)."""
    want = max(1, int(seconds * sample_rate))
    parts, have = [], 0
    for block in stream_audio(path, sample_rate, MAX_STREAM_SECONDS):
        parts.append(block)
        have += len(block)
        if have >= want:
            break
    if not parts:
        raise AudioError(f"audio file has no samples: {path}")
    return np.concatenate(parts)[:want]
