"""What every CTC decoder returns: text with token and word spans in frames.

Sits at the end of the pipeline (model -> decoder -> output). Frames are
encoder output frames; callers turn them into seconds (audio) or point
indices (ink) with their own frame-to-unit mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def join_hypotheses(
    pieces: Sequence[Hypothesis], offsets: Sequence[int], space: int | None
) -> Hypothesis:
    """One hypothesis for consecutive segments decoded on their own.

    Texts are stripped and joined by one space (token ``space``; none when the
    alphabet has no space), frames shift by each segment's first frame
    ``offsets[i]``, and scores add up.
    """
    chars: list[tuple[str, int, int, int]] = []  # (char, token, first frame, end frame)
    for hyp, offset in zip(pieces, offsets, strict=True):
        own = list(zip(hyp.text, hyp.tokens, hyp.token_frames, hyp.token_end_frames, strict=True))
        while own and own[0][0] == " ":
            own.pop(0)
        while own and own[-1][0] == " ":
            own.pop()
        if not own:
            continue
        if chars and space is not None:
            chars.append((" ", space, offset, offset))
        chars += [(c, t, f0 + offset, f1 + offset) for c, t, f0, f1 in own]
    text = "".join(c[0] for c in chars)
    starts, ends = tuple(c[2] for c in chars), tuple(c[3] for c in chars)
    return Hypothesis(
        text=text,
        tokens=tuple(c[1] for c in chars),
        token_frames=starts,
        token_end_frames=ends,
        score=sum(h.score for h in pieces),
        acoustic_score=sum(h.acoustic_score for h in pieces),
        lm_score=sum(h.lm_score for h in pieces),
        words=word_spans(text, starts, ends),
    )


def join_nbest(
    per_segment: Sequence[Sequence[Hypothesis]], offsets: Sequence[int], space: int | None, k: int
) -> list[Hypothesis]:
    """The ``k`` best joined hypotheses of independently decoded segments, best first.

    The best is every segment's best; the others change one segment to one of its
    alternatives (exact for ``k <= 2``; past that, alternatives that differ in two
    segments at once are left out).
    """
    best = [hyps[0] for hyps in per_segment]
    options = [(sum(h.score for h in best), best)]
    for j, hyps in enumerate(per_segment):
        for alt in hyps[1:]:
            pieces = [*best[:j], alt, *best[j + 1 :]]
            options.append((sum(h.score for h in pieces), pieces))
    options.sort(key=lambda o: -o[0])
    return [join_hypotheses(p, offsets, space) for _, p in options[:k]]
