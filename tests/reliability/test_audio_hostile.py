"""Hostile audio: every file is read or refused with one ``AudioError``, quickly and in bounded
memory (issue #12, defects 1-4), through ``read_audio`` (evaluate, training) and the block-wise
``segment_chunks`` (transcribe)."""

from __future__ import annotations

import io
import os
import struct

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings

from asr.audio import MAX_SAMPLE_RATE, AudioError, audio_duration, read_audio, read_start, resample
from asr.features import AudioFeatureConfig, featurize
from asr.segment import SegmentConfig, segment_chunks

CFG = AudioFeatureConfig()


def segments(path, subsampling: int = 2, seconds: float = SegmentConfig.max_seconds) -> list:
    """What ``asr transcribe`` reads of a long file: its segments' feature chunks."""
    return list(segment_chunks(path, CFG, subsampling, SegmentConfig(max_seconds=seconds)))


def tone(n: int, rate: int) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / rate)).astype(np.float32)


def encoded(fmt: str, subtype: str | None = None, rate: int = 16000, n: int = 16000) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, tone(n, rate), rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def both_paths(path) -> list:
    """What read_audio and segment_chunks each make of ``path`` (AudioError or data)."""
    out = []
    for read in (
        lambda: read_audio(path, 16000),
        lambda: segments(path),
    ):
        try:
            out.append(read())
        except AudioError as err:
            assert "\n" not in str(err)
            out.append(err)
    return out


def test_truncated_flac_is_an_audio_error_in_both_paths(tmp_path):
    data = encoded("FLAC")
    path = tmp_path / "t.flac"
    path.write_bytes(data[: len(data) // 2] + b"\xff" * 64)
    whole, chunks = both_paths(path)
    assert isinstance(whole, AudioError) and isinstance(chunks, AudioError)
    assert "lost sync" in str(whole)


def test_unseekable_gsm_wav_streams_like_it_reads(tmp_path):
    path = tmp_path / "gsm.wav"
    path.write_bytes(encoded("WAV", "GSM610", rate=8000))
    whole, chunks = both_paths(path)
    assert whole.shape == (32000,)
    assert sum(c.keep for c in chunks) == featurize(whole, CFG, False, None).shape[0]
    assert len(read_start(path, 16000, 0.5)) == 8000


@pytest.mark.parametrize("rate", [44_101, 96_001, 7_919])
def test_rates_sharing_few_factors_resample_fast_in_little_memory(tmp_path, bounded, rate):
    path = tmp_path / "odd.wav"
    path.write_bytes(encoded("WAV", rate=rate, n=rate))  # one second
    out = bounded(lambda: read_audio(path, 16000), AudioError, seconds=2.0, megabytes=32)
    assert out.result.shape == (16000,)
    spectrum = np.abs(np.fft.rfft(out.result))
    assert np.fft.rfftfreq(16000, 1 / 16000)[spectrum.argmax()] == pytest.approx(440, abs=2)
    chunks = bounded(
        lambda: segments(path, 1, 0.5),
        AudioError,
        5.0,
        32,
    )
    assert sum(c.keep for c in chunks.result) == featurize(out.result, CFG, False, None).shape[0]


def patched_wav(tmp_path, rate: int, frames_claim: int | None = None):
    data = bytearray(encoded("WAV", "PCM_16", n=20000))
    data[24:28] = struct.pack("<I", rate)
    data[28:32] = struct.pack("<I", rate * 2)
    if frames_claim is not None:
        data[40:44] = struct.pack("<I", frames_claim * 2)
    path = tmp_path / "patched.wav"
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("rate", [1, 999, MAX_SAMPLE_RATE + 1])
def test_header_rates_outside_the_limits_are_refused_before_decoding(tmp_path, bounded, rate):
    path = patched_wav(tmp_path, rate)
    for read in (
        lambda: read_audio(path, 16000),
        lambda: segments(path),
    ):
        out = bounded(read, AudioError, seconds=1.0, megabytes=8)
        assert "unsupported sample rate" in str(out.error)


def test_corrupted_mp3_is_read_or_refused_in_both_paths(tmp_path, bounded):
    data = bytearray(encoded("MP3", rate=16000, n=32000))
    for i in range(0, 400, 7):
        data[i] ^= 0x5A
    path = tmp_path / "bad.mp3"
    path.write_bytes(bytes(data))
    for read in (
        lambda: read_audio(path, 16000),
        lambda: segments(path),
    ):
        out = bounded(read, AudioError, seconds=5.0, megabytes=64)
        assert out.error is not None or len(out.result) > 0


def test_a_fifo_is_refused_without_blocking(tmp_path, bounded):
    fifo = tmp_path / "x.wav"
    os.mkfifo(fifo)
    for read in (
        read_audio,
        lambda p, r: segments(p),
        audio_duration,
    ):
        args = (fifo,) if read is audio_duration else (fifo, 16000)
        out = bounded(lambda read=read, args=args: read(*args), AudioError, seconds=1.0)
        assert "not a regular file" in str(out.error)


def test_resample_refuses_rates_outside_the_limits():
    with pytest.raises(AudioError, match="sample rate"):
        resample(np.zeros(10, np.float32), 1, 16000)
    assert len(resample(np.zeros(44_101, np.float32), 44_101, 16_000)) == 16_000


VALID = {
    "wav": encoded("WAV", "PCM_16", n=4000),
    "flac": encoded("FLAC", n=4000),
    "ogg": encoded("OGG", "VORBIS", n=4000),
    "mp3": encoded("MP3", n=4000),
    "sph": encoded("NIST", "PCM_16", n=4000),
}


@pytest.mark.parametrize("suffix", sorted(VALID))
def test_mutated_audio_is_read_or_refused_cleanly(tmp_path_factory, bounded, mutated, suffix):
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(
        max_examples=25,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(VALID[suffix]))
    def check(data: bytes) -> None:
        path = folder / f"m.{suffix}"
        path.write_bytes(data)
        for read in (
            lambda: read_audio(path, 16000),
            lambda: segments(path),
        ):
            bounded(read, AudioError, seconds=5.0, megabytes=256)

    check()
