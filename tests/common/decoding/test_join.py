"""Joining segments decoded on their own: text, frames, scores and the n best."""

from __future__ import annotations

import itertools

from common.decoding.hypothesis import Hypothesis, join_hypotheses, join_nbest, word_spans

SPACE = 1


def hyp(text: str, first: int, score: float) -> Hypothesis:
    """A hypothesis whose characters sit on consecutive frames from ``first``."""
    starts = tuple(range(first, first + len(text)))
    ends = tuple(s + 1 for s in starts)
    tokens = tuple(SPACE if c == " " else ord(c) for c in text)
    return Hypothesis(text, tokens, starts, ends, score, score, 0.0, word_spans(text, starts, ends))


def test_join_strips_shifts_and_adds_scores():
    joined = join_hypotheses([hyp(" ab ", 0, -1.0), hyp("", 0, -0.5), hyp("c d", 2, -2.0)],
                             [0, 10, 20], SPACE)  # fmt: skip
    assert joined.text == "ab c d"
    assert joined.token_frames == (1, 2, 20, 22, 23, 24)
    assert [(w.word, w.start_frame, w.end_frame) for w in joined.words] == [
        ("ab", 1, 3), ("c", 22, 23), ("d", 24, 25)
    ]  # fmt: skip
    assert joined.score == -3.5 and joined.tokens[2] == SPACE


def test_join_nbest_matches_brute_force_for_two():
    segments = [
        [hyp("a", 0, -1.0), hyp("b", 0, -1.2), hyp("c", 0, -4.0)],
        [hyp("x", 0, -2.0), hyp("y", 0, -2.1)],
        [hyp("p", 0, -0.1)],
    ]
    every = sorted(
        (sum(h.score for h in combo), " ".join(h.text for h in combo))
        for combo in itertools.product(*segments)
    )[::-1]
    got = join_nbest(segments, [0, 5, 9], SPACE, 2)
    assert [(round(h.score, 6), h.text) for h in got] == [(round(s, 6), t) for s, t in every[:2]]
    assert [h.text for h in join_nbest(segments, [0, 5, 9], SPACE, 1)] == ["a x p"]
