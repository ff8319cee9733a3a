"""Word times: spikes widened to the speech around them, clamped, silence dropped."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from asr.word_times import frame_energy_db, is_silence, speech_frames, timed_words
from common.decoding.align import widen_spans
from common.decoding.hypothesis import Hypothesis, WordSpan

REPO = Path(__file__).resolve().parents[2]


def hyp(*words: tuple[str, int, int]) -> Hypothesis:
    spans = tuple(WordSpan(w, s, e) for w, s, e in words)
    return Hypothesis(" ".join(w for w, _, _ in words), (), (), (), 0.0, words=spans)


def test_widen_spans_grows_each_spike_to_the_active_frames_it_owns():
    active = np.zeros(30, dtype=bool)
    active[3:9] = True  # word 1 spoken at frames 3..8, its spike at 0
    active[15:25] = True  # word 2 spoken at 15..24, its spike at 20
    assert widen_spans([(0, 1), (20, 21)], active) == [(3, 9), (15, 25)]
    # a spike over silence owns no speech: None
    gaps = np.zeros(30, dtype=bool)
    gaps[0:5] = gaps[25:30] = True
    assert widen_spans([(1, 2), (14, 15), (27, 28)], gaps) == [(0, 5), None, (25, 30)]
    assert widen_spans([], active) == []


def test_widened_spans_never_overlap_on_continuous_speech():
    active = np.ones(40, dtype=bool)
    spans = widen_spans([(2, 3), (10, 11), (30, 31)], active)
    assert spans == [(0, 6), (6, 20), (20, 40)]


def test_frame_energy_is_the_rms_level_of_each_frame_across_blocks():
    x = np.concatenate([np.full(100, 0.1), np.full(100, 0.01), np.full(50, 1.0)])
    whole = frame_energy_db([x], 100)
    streamed = frame_energy_db([x[:37], x[37:160], x[160:]], 100)
    np.testing.assert_allclose(whole, [-20.0, -40.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(streamed, whole)


def test_speech_frames_and_silence():
    quiet = np.full(50, -90.0)
    loud = quiet.copy()
    loud[10:20] = -20.0
    assert speech_frames(loud).tolist() == [10 <= i < 20 for i in range(50)]
    assert is_silence(quiet) and not is_silence(loud)


def test_timed_words_clamp_to_the_file_and_drop_silence():
    energy = np.full(10, -90.0)
    energy[2:5] = -20.0
    h = hyp(("a", 0, 1), ("b", 9, 10))
    words = timed_words(h, 0.04, duration=0.38, energy_db=energy)
    assert [(w.word, w.start, w.end) for w in words] == [("a", 0.08, 0.2)]  # "b" over silence
    spikes = timed_words(h, 0.04, duration=0.38)
    assert [(w.start, w.end) for w in spikes] == [(0.0, 0.04), (0.36, 0.38)]  # end clamped
    assert timed_words(h, 0.04, 0.38, np.full(10, -100.0)) == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_word_times_match_the_truth_on_synthetic_speech_with_known_silences():
    """bench/word_timing.py on a few files: widened words beat raw spikes, within ~0.1 s."""
    spec = importlib.util.spec_from_file_location("word_timing", REPO / "bench" / "word_timing.py")
    bench = importlib.util.module_from_spec(spec)
    sys.modules["word_timing"] = bench  # dataclasses look their module up
    spec.loader.exec_module(bench)
    from asr.api import load

    result = bench.measure(load("an4", "cpu"), n_files=6, seed=1)
    assert result["utterances"] >= 10
    assert result["start_median"] < 0.1 and result["end_median"] < 0.1
    assert result["start_p90"] < 0.25 and result["end_p90"] < 0.25
    assert result["start_median"] < result["spike_start_median"]
