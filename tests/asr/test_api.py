"""The one-call speech API on the shipped AN4 model and its bundled samples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import asr
from asr.audio import AudioError
from common.config import DecoderConfig
from common.inference import DeviceError
from common.metrics import word_errors

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "models" / "samples"
REFERENCES = {  # etc/an4_train.transcription of CMU AN4
    "an4-cen5-fash-b.flac": "p i t t s b u r g h",
    "an4-cen7-fash-b.flac": "two six eight four four one eight",
}


@pytest.fixture(scope="module")
def rec():
    return asr.load("an4", device="cpu")


def test_import_asr_does_not_import_torch():
    code = "import sys, asr, handwriting; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "False", out.stderr


def test_transcribe_a_sample_gives_the_reference_and_words_in_seconds(rec):
    for name, reference in REFERENCES.items():
        t = rec.transcribe(SAMPLES / name)
        duration = sf.info(str(SAMPLES / name)).duration
        assert t.duration == pytest.approx(duration, abs=1e-3)
        assert word_errors(reference, t.text).errors <= 1, t.text  # the model reads ~78 % of words
        assert t.text == t.text.strip() and [w.word for w in t.words] == t.text.split()
        starts = [w.start for w in t.words]
        assert starts == sorted(starts)
        for w in t.words:
            assert 0.0 <= w.start < w.end <= duration
        assert 0.2 < t.words[0].start < 0.5  # speech starts ~0.3 s in both recordings
        assert t.nbest[0].text == t.text and t.nbest[0].score == t.score
        json.dumps(t.to_dict())


def test_samples_in_memory_at_another_rate_give_the_same_text(rec):
    path = SAMPLES / "an4-cen7-fash-b.flac"
    samples, rate = sf.read(str(path), dtype="float32")
    from asr.audio import resample

    t = rec.transcribe(resample(samples, rate, 22050), sample_rate=22050)
    assert t.text == rec.transcribe(path).text


def test_transcribe_many_batches_in_order_and_raises_on_a_bad_input(rec, tmp_path):
    paths = [SAMPLES / name for name in REFERENCES]
    order = [paths[1], paths[0], paths[1]]
    many = rec.transcribe_many(order, batch_size=2)
    assert [t.text for t in many] == [rec.transcribe(p).text for p in order]
    with pytest.raises(AudioError, match="missing.wav"):
        rec.transcribe_many([paths[0], tmp_path / "missing.wav"])


def test_digital_silence_transcribes_to_nothing(rec):
    t = rec.transcribe(np.zeros(3 * 16000, dtype=np.float32), sample_rate=16000)
    assert t.text == "" and t.words == [] and t.duration == 3.0


def test_nbest_and_decoder_options(rec):
    path = SAMPLES / "an4-cen7-fash-b.flac"
    t = rec.transcribe(path, nbest=3)
    assert len(t.nbest) == 3 and len({a.text for a in t.nbest}) == 3
    assert [a.score for a in t.nbest] == sorted((a.score for a in t.nbest), reverse=True)
    assert len(t.nbest_words) == 3
    beam = rec.transcribe(path, decoder=DecoderConfig(kind="beam", beam_size=8, merge="max"))
    assert beam.text == rec.transcribe(path).text  # best path without LM = greedy
    with pytest.raises(ValueError, match="language model file not found"):
        rec.transcribe(path, decoder=DecoderConfig(kind="beam", lm="nope.arpa"))


def test_info_and_bad_loads(rec, tmp_path):
    info = rec.info()
    assert info["name"] == "an4" and info["task"] == "asr" and rec.sample_rate == 16000
    assert info["alphabet"] == rec.alphabet and " " in rec.alphabet
    json.dumps(info)
    with pytest.raises(ValueError, match="not a shipped model"):
        asr.load(tmp_path / "nope.pt")
    with pytest.raises(ValueError, match="known: an4"):
        asr.load("ink-synthetic")  # a handwriting model is no speech model name
    with pytest.raises(ValueError, match="handwriting model, not asr"):
        asr.load(REPO / "models" / "ink-synthetic.pt")
    with pytest.raises(DeviceError, match="unknown device"):
        asr.load("an4", device="tpu")
