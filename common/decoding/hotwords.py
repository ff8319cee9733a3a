"""Hotword / phrase boosting as a character automaton (like icefall's context graph).

A phrase of n words with boost b earns ``b * n`` in total, spread evenly over
its characters: a prefix is boosted while it keeps matching and the boost is
given back when the match breaks (or the utterance ends mid-phrase). Phrases
match whole words: the pattern is the phrase between two word separators, and
the utterance start counts as a separator. A completed phrase keeps its boost.

Built as an Aho-Corasick automaton over label ids, flattened to dense
``(states, V)`` tables: ``next`` state and ``delta`` (boost gained, or given
back when negative). Where phrases share a prefix, the larger per-character
boost is used. A phrase that completes strictly inside a longer phrase being
matched is not detected.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


class HotwordError(ValueError):
    """A hotword entry that cannot be used."""


@dataclass(frozen=True)
class Hotword:
    """A word or phrase and its boost per word (log-score units)."""

    phrase: str
    boost: float


@dataclass(frozen=True)
class HotwordGraph:
    """Dense automaton tables (state 0 is the root).

    Attributes:
        next: (H, V) int32 state after each label.
        delta: (H, V) float64 boost change for each label.
        final: (H,) float64 change at the end of the utterance.
        start: state at the start of an utterance.
    """

    next: np.ndarray
    delta: np.ndarray
    final: np.ndarray
    start: int


def parse_hotword(entry: str, default_boost: float) -> Hotword:
    """``"word"``, ``"some phrase"`` or ``"some phrase:boost"`` -> Hotword."""
    phrase, boost = entry, default_boost
    if ":" in entry:
        phrase, tail = entry.rsplit(":", 1)
        try:
            boost = float(tail)
        except ValueError:
            raise HotwordError(
                f"hotword boost must be a number in {entry!r} (write 'a:b:5' for a ':' inside)"
            ) from None
    phrase = " ".join(phrase.split())
    if not phrase:
        raise HotwordError(f"empty hotword in {entry!r}")
    return Hotword(phrase, boost)


Pattern = tuple[list[int], list[float]]  # label ids and the boost of each


def empty_graph(n_labels: int) -> HotwordGraph:
    """One-state automaton that never boosts."""
    return HotwordGraph(
        next=np.zeros((1, n_labels), dtype=np.int32),
        delta=np.zeros((1, n_labels), dtype=np.float64),
        final=np.zeros(1, dtype=np.float64),
        start=0,
    )


def _pattern(hotword: Hotword, labels: Sequence[str], sep: int) -> Pattern:
    """Label ids of the phrase between separators, and the boost of each."""
    index = {label: i for i, label in enumerate(labels) if i > 0}
    missing = sorted({c for c in hotword.phrase if c not in index})
    if missing:
        raise HotwordError(
            f"hotword {hotword.phrase!r} has characters outside the alphabet: {missing}"
        )
    ids = [index[c] for c in hotword.phrase]
    per_char = hotword.boost * len(hotword.phrase.split()) / len(ids)
    if sep < 0:
        return ids, [per_char] * len(ids)
    return [sep, *ids, sep], [0.0, *([per_char] * len(ids)), 0.0]


def _trie(patterns: list[Pattern]) -> tuple[list[dict[int, int]], list[float], list[bool]]:
    """Goto edges, accumulated boost and end flag per trie state."""
    goto: list[dict[int, int]] = [{}]
    gain = [0.0]
    end = [False]
    for ids, scores in patterns:
        node = 0
        for token, score in zip(ids, scores, strict=True):
            if token not in goto[node]:
                goto[node][token] = len(goto)
                goto.append({})
                gain.append(score)
                end.append(False)
            node = goto[node][token]
            gain[node] = max(gain[node], score)
        end[node] = True
    acc = [0.0] * len(goto)
    for node in _bfs(goto):
        for child in goto[node].values():
            acc[child] = acc[node] + gain[child]
    return goto, acc, end


def _bfs(goto: list[dict[int, int]]) -> list[int]:
    order, queue = [], deque([0])
    while queue:
        node = queue.popleft()
        order.append(node)
        queue.extend(goto[node].values())
    return order


def _dense_goto(goto: list[dict[int, int]], n_labels: int) -> np.ndarray:
    """(H, V) Aho-Corasick transition of every state and label."""
    delta = np.zeros((len(goto), n_labels), dtype=np.int64)
    fail = [0] * len(goto)
    for node in _bfs(goto):
        if node != 0:
            delta[node] = delta[fail[node]]
        for token, child in goto[node].items():
            fail[child] = delta[node, token] if node != 0 else 0
            delta[node, token] = child
    return delta


def build_hotword_graph(hotwords: Sequence[Hotword], labels: Sequence[str]) -> HotwordGraph:
    """Automaton boosting ``hotwords`` over ``labels`` (blank first, " " separates words)."""
    if not hotwords:
        return empty_graph(len(labels))
    sep = labels.index(" ") if " " in labels else -1
    goto, acc, end = _trie([_pattern(h, labels, sep) for h in hotwords])
    dense = _dense_goto(goto, len(labels))
    start = int(dense[0, sep]) if sep >= 0 else 0
    score = np.array(acc)
    ends = np.array(end)
    nxt = np.where(ends[dense], start, dense)
    delta = score[dense] - score[:, None]
    if sep >= 0:
        final = np.where(ends[dense[:, sep]], 0.0, -score)
    else:
        final = -score
    return HotwordGraph(
        next=nxt.astype(np.int32), delta=delta, final=final.astype(np.float64), start=start
    )
