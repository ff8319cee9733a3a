"""Transcripts as text, JSON, SRT or WebVTT, with word times in seconds.

Last step of the speech pipeline: the decoder's ``Hypothesis`` (frames) becomes
timed words (seconds) and then one of the output formats.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from common.decoding import Hypothesis


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float


def timed_words(hyp: Hypothesis, seconds_per_frame: float) -> list[TimedWord]:
    """Word spans of ``hyp`` converted from encoder frames to seconds."""
    return [
        TimedWord(
            w.word,
            round(w.start_frame * seconds_per_frame, 3),
            round(w.end_frame * seconds_per_frame, 3),
        )
        for w in hyp.words
    ]


def _cues(
    words: list[TimedWord], max_chars: int = 42, max_seconds: float = 6.0
) -> list[list[TimedWord]]:
    """Group words into subtitle cues no longer than ``max_chars`` or ``max_seconds``."""
    cues: list[list[TimedWord]] = []
    for w in words:
        if cues:
            cue = cues[-1]
            chars = sum(len(x.word) + 1 for x in cue) + len(w.word)
            if chars <= max_chars and w.end - cue[0].start <= max_seconds:
                cue.append(w)
                continue
        cues.append([w])
    return cues


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_srt(words: list[TimedWord]) -> str:
    """SubRip: numbered cues with ``HH:MM:SS,mmm`` times."""
    blocks = []
    for i, cue in enumerate(_cues(words), start=1):
        span = f"{_clock(cue[0].start, ',')} --> {_clock(cue[-1].end, ',')}"
        blocks.append(f"{i}\n{span}\n{' '.join(w.word for w in cue)}\n")
    return "\n".join(blocks)


def to_vtt(words: list[TimedWord]) -> str:
    """WebVTT: header then cues with ``HH:MM:SS.mmm`` times."""
    blocks = ["WEBVTT\n"]
    for cue in _cues(words):
        span = f"{_clock(cue[0].start, '.')} --> {_clock(cue[-1].end, '.')}"
        blocks.append(f"{span}\n{' '.join(w.word for w in cue)}\n")
    return "\n".join(blocks)


def to_json(
    path: str,
    duration: float,
    hyp: Hypothesis,
    words: list[TimedWord],
    nbest: list[Hypothesis] | None = None,
) -> str:
    """One JSON document per file: text, score, timed words and optional n-best."""
    doc = {
        "file": path,
        "duration": round(duration, 3),
        "text": hyp.text,
        "score": hyp.score,
        "words": [{"word": w.word, "start": w.start, "end": w.end} for w in words],
    }
    if nbest:
        doc["nbest"] = [
            {
                "text": h.text,
                "score": h.score,
                "acoustic_score": h.acoustic_score,
                "lm_score": h.lm_score,
            }
            for h in nbest
        ]
    return json.dumps(doc, indent=2) + "\n"


def render(
    fmt: str,
    path: str,
    duration: float,
    hyp: Hypothesis,
    seconds_per_frame: float,
    nbest: list[Hypothesis] | None = None,
) -> str:
    """The transcript of one file in ``fmt`` (txt | json | srt | vtt)."""
    words = timed_words(hyp, seconds_per_frame)
    if fmt == "txt":
        return hyp.text + "\n"
    if fmt == "json":
        return to_json(path, duration, hyp, words, nbest)
    if fmt == "srt":
        return to_srt(words)
    if fmt == "vtt":
        return to_vtt(words)
    raise ValueError(f"unknown format {fmt!r}")
