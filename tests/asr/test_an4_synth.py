"""AN4-domain multi-voice synthesis: engine text, degradation, corpus and mixed manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from asr import an4_synth
from asr.an4_synth import Voice
from asr.readers import read_manifest

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng missing")


def test_espeak_letter_a_is_said_as_a_letter() -> None:
    assert an4_synth.engine_text(Voice("espeak", "en-us"), "A B A") == "eh B eh"
    assert an4_synth.engine_text(Voice("flite", "slt"), "A B") == "A B"


def test_balanced_gives_each_engine_a_similar_share() -> None:
    voices = [Voice("espeak", str(i)) for i in range(12)] + [Voice("flite", "kal")]
    counts = {
        e: sum(v.engine == e for v in an4_synth.balanced(voices)) for e in ("espeak", "flite")
    }
    assert counts == {"espeak": 12, "flite": 12}


def test_degrade_pads_scales_and_adds_noise_at_the_drawn_snr() -> None:
    t = np.arange(16000) / 16000
    tone = 0.8 * np.sin(2 * np.pi * 440 * t)
    for seed in range(5):
        out = an4_synth.degrade(tone, np.random.default_rng(seed))
        assert out.dtype == np.float32 and 16000 + 3200 <= len(out) < 16000 + 19200
        assert np.max(np.abs(out)) <= 10 ** (-3 / 20) + 0.3  # level drawn in [-24, -3] dB


def test_reverberate_with_a_unit_impulse_is_the_identity_and_keeps_the_peak() -> None:
    x = np.random.default_rng(0).standard_normal(1000) * 0.3
    assert np.allclose(an4_synth.reverberate(x, np.array([1.0])), x)
    echo = np.zeros(101)
    echo[[0, 100]] = [1.0, 0.5]
    wet = an4_synth.reverberate(x, echo)
    assert len(wet) == 1100 and np.isclose(np.max(np.abs(wet)), np.max(np.abs(x)))
    ratio = np.max(np.abs(x)) / np.max(np.abs(np.convolve(x, echo)))
    assert np.allclose(wet, np.convolve(x, echo) * ratio)


def test_room_responses_are_decaying_and_normalised() -> None:
    pytest.importorskip("pyroomacoustics")
    rirs = an4_synth.room_responses(2, seed=0)
    assert len(rirs) == 2
    for rir in rirs:
        assert np.isclose(np.max(np.abs(rir)), 1.0)
        peak = int(np.argmax(np.abs(rir)))
        tail = np.abs(rir[peak + 4000 :])  # 0.25 s after the direct path
        assert len(tail) == 0 or tail.max() < 0.5


def test_festival_command_reads_the_text_from_a_file(tmp_path: Path) -> None:
    wav = tmp_path / "x.wav"
    cmd = an4_synth.engine_command(
        Voice("festival", "kal_diphone"), "A B", wav, np.random.default_rng(0)
    )
    assert cmd[0] == "text2wave" and "(voice_kal_diphone)" in cmd
    assert (tmp_path / "x.txt").read_text() == "A B\n" and cmd[-1] == str(tmp_path / "x.txt")


@needs_espeak
def test_build_writes_synthetic_and_mixed_manifests(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "corpus"
    summary = an4_synth.build(str(out), 4, str(shared_data / "an4"), seed=1, workers=1)
    assert summary["synthetic"] == 4 and summary["an4"] == 822  # 948 minus 126 held out
    synth = read_manifest(out / "synth.jsonl")
    mix = read_manifest(out / "mix.jsonl")
    assert len(synth) == 4 and len(mix) == 826
    assert not {"fash", "mwhw"} & {e.speaker for e in mix}  # held-out speakers left out
    for example in synth:
        info = sf.info(example.path)
        assert info.samplerate == 16000 and abs(info.duration - example.length) < 0.01
    with pytest.raises(an4_synth.SynthError, match="already holds"):
        an4_synth.build(str(out), 4, str(shared_data / "an4"))


def test_main_reports_a_bad_root_in_one_line(tmp_path: Path, capsys) -> None:
    assert an4_synth.main([str(tmp_path / "c"), "--an4", str(tmp_path / "missing")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
