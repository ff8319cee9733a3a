"""Cutting long audio at pauses: exact tiling, cuts inside the pauses, bounded length."""

from __future__ import annotations

import signal

import numpy as np
import pytest
import soundfile as sf

from asr.features import AudioFeatureConfig
from asr.segment import SegmentConfig, audio_segments, pause_spans, split_at_pauses

CFG = AudioFeatureConfig()
RATE = CFG.sample_rate


def test_pause_spans_finds_inner_quiet_runs_only():
    db = np.full(100, -20.0)
    db[:5] = -90  # leading silence touches the start: not a pause between words
    db[30:45] = -80  # 15 frames
    db[60:63] = -80  # 3 frames: too short
    db[95:] = -90  # trailing
    assert pause_spans(db, pause_db=25.0, min_frames=5) == [(30, 45)]


def test_split_at_pauses_cuts_longest_pause_first_and_respects_max():
    pauses = [(10, 12), (40, 60), (70, 74)]
    pieces = split_at_pauses(0, 100, pauses, max_frames=60)
    assert pieces == [(0, 50), (50, 100)]  # one cut, in the middle of the longest pause
    pieces = split_at_pauses(0, 100, pauses, max_frames=30)
    # (11, 50) holds no whole pause (the long one starts inside it): cut in its middle
    assert pieces == [(0, 11), (11, 30), (30, 50), (50, 72), (72, 100)]
    assert split_at_pauses(0, 100, [], max_frames=30) == [(0, 25), (25, 50), (50, 75), (75, 100)]


def _bursts(tmp_path, gaps: list[float], burst: float = 1.5):
    """Noise bursts separated by silences of ``gaps`` seconds; returns path, samples, gap spans."""
    rng = np.random.default_rng(0)
    parts, spans, t = [], [], 0
    for gap in [*gaps, None]:
        parts.append(0.3 * rng.standard_normal(int(burst * RATE)).astype(np.float32))
        t += int(burst * RATE)
        if gap is not None:
            quiet = 1e-4 * rng.standard_normal(int(gap * RATE)).astype(np.float32)
            parts.append(quiet)
            spans.append((t, t + len(quiet)))
            t += len(quiet)
    samples = np.clip(np.concatenate(parts), -1.0, 1.0)  # as the reader clips
    path = tmp_path / "bursts.wav"
    sf.write(path, samples, RATE, subtype="FLOAT")
    return path, samples, spans


def test_audio_segments_tile_the_file_and_cut_inside_pauses(tmp_path):
    path, samples, gaps = _bursts(tmp_path, [0.4] * 15)  # 15 pauses, 28.5 s
    seg = SegmentConfig(max_seconds=4.0)
    segments = list(audio_segments(path, CFG, seg, window_seconds=10.0))
    assert segments[0].start == 0
    for a, b in zip(segments, segments[1:], strict=False):
        assert b.start == a.start + len(a.samples)  # contiguous, no overlap
    np.testing.assert_array_equal(np.concatenate([s.samples for s in segments]), samples)
    assert all(len(s.samples) <= seg.max_seconds * RATE for s in segments)
    for s in segments[1:]:  # every cut falls in a pause, well away from the bursts
        assert any(lo + 0.1 * RATE <= s.start <= hi - 0.1 * RATE for lo, hi in gaps), s.start


def test_audio_segments_cut_speech_without_pauses_in_bounded_pieces(tmp_path):
    path, samples, _ = _bursts(tmp_path, [], burst=9.0)
    segments = list(audio_segments(path, CFG, SegmentConfig(max_seconds=4.0)))
    # 901 frames over 400: halved, and each half again (no pause to prefer)
    assert [len(s.samples) for s in segments] == [36000, 36000, 36000, 36000]
    np.testing.assert_array_equal(np.concatenate([s.samples for s in segments]), samples)


def test_audio_segments_reject_bad_config_and_empty_files(tmp_path):
    path, _, _ = _bursts(tmp_path, [0.4])
    with pytest.raises(ValueError, match="max_seconds"):
        list(audio_segments(path, CFG, SegmentConfig(max_seconds=0)))
    empty = tmp_path / "empty.wav"
    sf.write(empty, np.zeros(0, dtype=np.float32), RATE)
    with pytest.raises(ValueError):
        list(audio_segments(empty, CFG, SegmentConfig()))


def test_a_window_that_cannot_be_cut_is_yielded_whole_not_looped_on(tmp_path):
    """Cuts rounded to a step longer than the window all fall on 0: the window goes out whole."""
    path, samples, _ = _bursts(tmp_path, [0.4] * 3, burst=1.0)  # 4.2 s

    def stalled(signum, frame):
        raise TimeoutError("audio_segments stalled")

    old = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(10)
    try:
        segments = list(
            audio_segments(
                path, CFG, SegmentConfig(max_seconds=0.5), window_seconds=1.0, step=RATE * 3
            )
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    np.testing.assert_array_equal(np.concatenate([s.samples for s in segments]), samples)
    assert len(segments) >= 2
