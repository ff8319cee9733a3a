"""What every CTC decoder returns: text with token and word spans in frames.

Sits at the end of the pipeline (model -> decoder -> output). Frames are
encoder output frames; callers turn them into seconds (audio) or point
indices (ink) with their own frame-to-unit mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WordSpan:
    """A word and the encoder frames it covers, ``end_frame`` exclusive."""

    word: str
    start_frame: int
    end_frame: int


@dataclass(frozen=True)
class Hypothesis:
    """One decoding result.

    Attributes:
        text: decoded text.
        tokens: token ids after CTC collapsing (no blanks).
        token_frames: for each token, the first frame it was emitted on.
        token_end_frames: for each token, one past the last frame it was emitted on.
        score: total log score (acoustic + weighted LM + bonuses).
        acoustic_score: log probability under the CTC model.
        lm_score: weighted language-model contribution (0 without LM).
    """

    text: str
    tokens: tuple[int, ...]
    token_frames: tuple[int, ...]
    token_end_frames: tuple[int, ...]
    score: float
    acoustic_score: float = 0.0
    lm_score: float = 0.0
    words: tuple[WordSpan, ...] = field(default=())


def word_spans(
    text: str, token_frames: tuple[int, ...], token_end_frames: tuple[int, ...]
) -> tuple[WordSpan, ...]:
    """Split ``text`` (one character per token) into words with frame spans."""
    spans: list[WordSpan] = []
    start = None
    chars: list[str] = []
    end = 0
    for char, first, last in zip(text, token_frames, token_end_frames, strict=True):
        if char == " ":
            if chars:
                spans.append(WordSpan("".join(chars), start, end))
            chars, start = [], None
            continue
        if start is None:
            start = first
        chars.append(char)
        end = last
    if chars:
        spans.append(WordSpan("".join(chars), start, end))
    return tuple(spans)
