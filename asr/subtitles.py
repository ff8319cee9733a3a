"""Transcripts as text, JSON, SRT, WebVTT or TSV, with word times in seconds.

Last step of the speech pipeline: a ``Transcript`` (``asr.api``) becomes the
text of one output format. Every format carries the n best hypotheses when
there are several: ``txt`` one per line, ``json`` a list, ``srt``/``vtt`` one
line per alternative in each cue (``[2] ...``), ``tsv`` a ``rank`` column.
This module only formats: it imports nothing that runs a model.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asr.api import Transcript
    from asr.word_times import Word

FORMATS = ("txt", "json", "srt", "vtt", "tsv")


def _cues(words: list[Word], max_chars: int = 42, max_seconds: float = 6.0) -> list[list[Word]]:
    """Group words into subtitle cues no longer than ``max_chars`` or ``max_seconds``."""
    cues: list[list[Word]] = []
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


def _within(words: list[Word], start: float, end: float, last: bool) -> str:
    """The words whose middle lies in ``[start, end)`` (``end`` included for the last cue)."""
    mids = [(w, (w.start + w.end) / 2) for w in words]
    return " ".join(w.word for w, m in mids if start <= m < end or (last and m >= start))


def _cue_lines(t: Transcript) -> list[tuple[float, float, str]]:
    """(start, end, text) per cue of the best hypothesis, alternatives as extra lines."""
    cues = _cues(t.words)
    out = []
    for i, cue in enumerate(cues):
        start = cue[0].start
        end = cues[i + 1][0].start if i + 1 < len(cues) else t.duration + 1.0
        lines = [" ".join(w.word for w in cue)]
        for rank, words in enumerate(t.nbest_words[1:], start=2):
            lines.append(f"[{rank}] {_within(words, start, end, i + 1 == len(cues))}".rstrip())
        out.append((start, cue[-1].end, "\n".join(lines)))
    return out


def to_srt(t: Transcript) -> str:
    """SubRip: numbered cues with ``HH:MM:SS,mmm`` times."""
    blocks = [
        f"{i}\n{_clock(start, ',')} --> {_clock(end, ',')}\n{text}\n"
        for i, (start, end, text) in enumerate(_cue_lines(t), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(t: Transcript) -> str:
    """WebVTT: header then cues with ``HH:MM:SS.mmm`` times."""
    blocks = ["WEBVTT\n"]
    blocks += [
        f"{_clock(start, '.')} --> {_clock(end, '.')}\n{text}\n"
        for start, end, text in _cue_lines(t)
    ]
    return "\n".join(blocks)


def to_tsv(t: Transcript) -> str:
    """Tab-separated cues: ``start``, ``end`` (integer milliseconds), ``text``, ``rank``.

    Rank 1 rows are the best hypothesis; ranks 2.. its alternatives, cued on their own words.
    """
    rows = ["start\tend\ttext\trank"]
    for rank, words in enumerate(t.nbest_words or [t.words], start=1):
        for cue in _cues(words):
            text = " ".join(w.word for w in cue)
            rows.append(
                f"{round(cue[0].start * 1000)}\t{round(cue[-1].end * 1000)}\t{text}\t{rank}"
            )
    return "\n".join(rows) + "\n"


def to_txt(t: Transcript) -> str:
    """The text; with n-best, one hypothesis per line, best first."""
    return "".join(a.text + "\n" for a in t.nbest) if len(t.nbest) > 1 else t.text + "\n"


def to_json(t: Transcript, path: str) -> str:
    """One JSON document per file: file, duration, text, score, timed words, n-best."""
    return json.dumps({"file": path, **t.to_dict()}, indent=2, ensure_ascii=False) + "\n"


def format_transcript(fmt: str, t: Transcript, path: str) -> str:
    """The transcript of the file at ``path`` in ``fmt`` (one of ``FORMATS``)."""
    if fmt == "txt":
        return to_txt(t)
    if fmt == "json":
        return to_json(t, path)
    if fmt == "srt":
        return to_srt(t)
    if fmt == "vtt":
        return to_vtt(t)
    if fmt == "tsv":
        return to_tsv(t)
    raise ValueError(f"unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")


def format_cues(t: Transcript) -> str:
    """``[mm:ss.mmm --> mm:ss.mmm] text`` lines of the best hypothesis (for ``--verbose``)."""
    return "".join(
        f"[{_clock(start, '.')} --> {_clock(end, '.')}] {text.splitlines()[0]}\n"
        for start, end, text in _cue_lines(t)
    )
