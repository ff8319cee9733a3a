"""Audio loading: formats, down-mixing, resampling, errors, speed perturbation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr.audio import AudioError, audio_duration, read_audio, resample, speed_perturb

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def tone(freq: float, seconds: float, sr: int) -> np.ndarray:
    """A 0.5-amplitude sine."""
    return (0.5 * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def dominant_freq(samples: np.ndarray, sr: int) -> float:
    """Frequency (Hz) of the largest FFT bin."""
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / sr)[spectrum.argmax()])


@pytest.mark.parametrize(
    ("fmt", "subtype", "suffix"),
    [
        ("WAV", "PCM_16", ".wav"),
        ("FLAC", "PCM_16", ".flac"),
        ("NIST", "PCM_16", ".sph"),
        ("WAV", "FLOAT", ".wav"),
        ("OGG", "VORBIS", ".ogg"),
    ],
)
def test_reads_formats_as_float32_mono(tmp_path: Path, fmt: str, subtype: str, suffix: str) -> None:
    path = tmp_path / f"a{suffix}"
    x = tone(440, 0.5, 16000)
    sf.write(path, x, 16000, format=fmt, subtype=subtype)
    y = read_audio(path, 16000)
    assert y.dtype == np.float32 and y.shape == (8000,)
    assert np.abs(y).max() <= 1.0
    if fmt != "OGG":  # lossy codec: only the length and pitch are compared
        np.testing.assert_allclose(y, x, atol=1e-4)
    assert dominant_freq(y, 16000) == pytest.approx(440, abs=3)
    assert audio_duration(path) == pytest.approx(0.5)


def test_reads_big_endian_sphere(tmp_path: Path) -> None:
    x = tone(300, 0.2, 16000)
    sf.write(tmp_path / "b.sph", x, 16000, format="NIST", subtype="PCM_16", endian="BIG")
    assert b"sample_byte_format -s2 10" in (tmp_path / "b.sph").read_bytes()[:1024]
    np.testing.assert_allclose(read_audio(tmp_path / "b.sph", 16000), x, atol=1e-4)


def test_downmixes_channels_by_mean(tmp_path: Path) -> None:
    left = np.full(100, 0.5, dtype=np.float32)
    right = np.full(100, -0.25, dtype=np.float32)
    sf.write(tmp_path / "s.wav", np.stack([left, right, right], axis=1), 16000, subtype="FLOAT")
    np.testing.assert_allclose(read_audio(tmp_path / "s.wav", 16000), np.zeros(100), atol=1e-7)


def test_resamples_to_requested_rate(tmp_path: Path) -> None:
    sf.write(tmp_path / "a.wav", tone(300, 1.0, 8000), 8000)
    y = read_audio(tmp_path / "a.wav", 16000)
    assert y.shape == (16000,)
    assert dominant_freq(y, 16000) == pytest.approx(300, abs=2)
    assert audio_duration(tmp_path / "a.wav") == pytest.approx(1.0)


def test_clips_out_of_range_float_audio(tmp_path: Path) -> None:
    sf.write(
        tmp_path / "loud.wav", np.array([2.0, -3.0, 0.5], dtype=np.float32), 16000, subtype="FLOAT"
    )
    np.testing.assert_allclose(read_audio(tmp_path / "loud.wav", 16000), [1.0, -1.0, 0.5])


def test_errors_are_one_line_audio_errors(tmp_path: Path) -> None:
    (tmp_path / "text.wav").write_text("not audio")
    sf.write(tmp_path / "empty.wav", np.zeros((0, 1), dtype=np.float32), 16000)
    sf.write(
        tmp_path / "nan.wav", np.array([0.1, np.nan], dtype=np.float32), 16000, subtype="FLOAT"
    )
    cases = {
        "missing.wav": "not found",
        "text.wav": "not a readable audio file",
        "empty.wav": "no samples",
        "nan.wav": "NaN",
        ".": "directory",
    }
    for name, message in cases.items():
        with pytest.raises(AudioError, match=message) as info:
            read_audio(tmp_path / name, 16000)
        assert "\n" not in str(info.value)
    with pytest.raises(AudioError, match="not found"):
        audio_duration(tmp_path / "missing.wav")
    with pytest.raises(AudioError, match="not a readable"):
        audio_duration(tmp_path / "text.wav")
    assert issubclass(AudioError, ValueError)


@pytest.mark.parametrize("factor", [0.9, 1.1, 1.5])
def test_speed_perturb_changes_length_and_pitch(factor: float) -> None:
    x = tone(400, 1.0, 16000)
    y = speed_perturb(x, 16000, factor)
    assert y.dtype == np.float32
    assert len(y) == pytest.approx(16000 / factor, abs=1)
    assert dominant_freq(y, 16000) == pytest.approx(400 * factor, abs=3)


def test_speed_perturb_identity_and_bad_factor() -> None:
    x = tone(400, 0.1, 16000)
    np.testing.assert_array_equal(speed_perturb(x, 16000, 1.0), x)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(AudioError, match="speed factor"):
            speed_perturb(x, 16000, bad)
    with pytest.raises(AudioError, match="positive"):
        resample(x, 0, 16000)


@pytest.mark.skipif(not (SHARED_DATA / "an4").is_dir(), reason="shared AN4 data not present")
def test_reads_real_an4_sphere_files() -> None:
    files = sorted((SHARED_DATA / "an4" / "wav" / "an4_clstk").glob("*/*.sph"))
    assert len(files) == 948
    for path in files[::50]:
        y = read_audio(path, 16000)
        assert y.dtype == np.float32 and y.ndim == 1
        assert len(y) == round(audio_duration(path) * 16000)
        assert 0 < np.abs(y).max() <= 1.0
    assert len(read_audio(files[0], 8000)) == round(audio_duration(files[0]) * 8000)
