"""Word start/end times in seconds: CTC spikes widened to the speech around them.

Sits after the decoder in the speech pipeline (decoder -> word times -> output
formats). A CTC model marks each character with a one- or two-frame spike,
often off the place it was spoken; word times from the spikes alone start too
early or end too soon. Here every encoder frame gets the energy of its audio;
frames clearly above the recording's noise floor are speech, and each word is
stretched to the speech it owns (``common.decoding.align.widen_spans``); a word
that owns no speech at all was written over silence and is left out. A file
with no frame above ``SILENCE_DB`` is silence: it has no words at all.

Legend: N samples, T' encoder frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from common.decoding.align import widen_spans
from common.decoding.hypothesis import Hypothesis

SILENCE_DB = -60.0  # frames quieter than this (dB re full scale, RMS) are never speech
MIN_RISE_DB = 6.0  # speech is at least this far above the noise floor


@dataclass(frozen=True)
class Word:
    """A word and its time span in seconds, ``0 <= start < end <= duration``."""

    word: str
    start: float
    end: float


def frame_energy_db(blocks: Iterable[np.ndarray], frame_samples: int) -> np.ndarray:
    """RMS level (dB re full scale) of consecutive ``frame_samples``-long frames.

    Args:
        blocks: (n,) mono sample blocks in order (one array or a stream of them).
        frame_samples: samples per encoder frame (hop length x subsampling).

    Returns:
        (T',) float64; the last, partial frame is measured over the samples it has.
    """
    power: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float64)
    for block in blocks:
        data = np.concatenate([carry, np.asarray(block, dtype=np.float64)])
        whole = len(data) // frame_samples * frame_samples
        frames = data[:whole].reshape(-1, frame_samples)  # (N,) -> (T', frame_samples)
        power.append((frames**2).mean(axis=1))
        carry = data[whole:]
    if carry.size:
        power.append(np.array([(carry**2).mean()]))
    if not power:
        return np.zeros(0)
    return 10 * np.log10(np.concatenate(power) + 1e-12)


def speech_frames(energy_db: np.ndarray) -> np.ndarray:
    """(T',) bool: frames loud enough to be speech, relative to the file's own levels.

    The threshold sits a third of the way from the noise floor (10th percentile)
    to the peak (99th percentile), at least ``MIN_RISE_DB`` above the floor and
    never below ``SILENCE_DB``.
    """
    if energy_db.size == 0:
        return np.zeros(0, dtype=bool)
    floor, peak = np.percentile(energy_db, [10, 99])
    threshold = max(SILENCE_DB, floor + max(MIN_RISE_DB, (peak - floor) / 3))
    return energy_db > threshold


def timed_words(
    hyp: Hypothesis,
    seconds_per_frame: float,
    duration: float,
    energy_db: np.ndarray | None = None,
) -> list[Word]:
    """Words of ``hyp`` in seconds, widened to the speech around them and clamped to the file.

    With ``energy_db``, words over silence are left out, and a silent file has no words.

    Args:
        hyp: a decoder result (word spans in encoder frames).
        seconds_per_frame: seconds per encoder frame.
        duration: length of the audio in seconds.
        energy_db: (T',) frame levels from ``frame_energy_db``; None keeps the spikes.
    """
    spans: list[tuple[int, int] | None] = [(w.start_frame, w.end_frame) for w in hyp.words]
    if energy_db is not None and spans:
        if is_silence(energy_db):
            return []
        spans = widen_spans(spans, speech_frames(energy_db))
    words = []
    for w, span in zip(hyp.words, spans, strict=True):
        if span is None:
            continue
        start, end = span
        t0 = min(max(start * seconds_per_frame, 0.0), duration)
        t1 = min(max(end * seconds_per_frame, t0), duration)
        if t1 <= t0:  # a spike at the very end of the file
            t0 = max(0.0, t1 - seconds_per_frame)
        words.append(Word(w.word, round(t0, 3), round(t1, 3)))
    return words


def is_silence(energy_db: np.ndarray) -> bool:
    """True when no frame reaches ``SILENCE_DB`` (digital silence, a muted input)."""
    return energy_db.size == 0 or float(energy_db.max()) <= SILENCE_DB
