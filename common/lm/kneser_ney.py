"""Interpolated modified Kneser-Ney estimation (Chen & Goodman 1998, as KenLM's lmplz does it).

Counts: the highest order uses raw counts; lower orders use continuation counts
(the number of distinct words seen to the left), except n-grams that start
with ``<s>``, which keep raw counts because nothing can precede them.

For an order-n context ``h`` with adjusted counts ``a(h w)``::

    p(w | h) = (a(h w) - D(a)) / a(h .) + gamma(h) * p(w | h')
    gamma(h) = (D1 N1(h .) + D2 N2(h .) + D3+ N3+(h .)) / a(h .)

where ``h'`` drops the oldest word, ``N_k(h .)`` counts the words seen after
``h`` exactly k times (3 or more for N3+) and D1, D2, D3+ come from each order's
count-of-counts. Unigrams interpolate with the uniform distribution over the
vocabulary (every type except ``<s>``, plus ``</s>`` and ``<unk>``), so
``<unk>`` gets ``gamma / |V|``. Because an unseen ``w`` after ``h`` gets exactly
``gamma(h) p(w | h')``, the backoff weight of ``h`` is ``gamma(h)`` and every
conditional distribution sums to one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from common.lm.text import SENTENCE_END, SENTENCE_START, UNKNOWN

Ngram = tuple[str, ...]
FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)  # KenLM's --discount_fallback defaults


@dataclass(frozen=True)
class NgramModel:
    """An estimated model in backoff form, linear (not log) probabilities.

    Attributes:
        order: highest n-gram order.
        probs: ``probs[n - 1][ngram]`` = p(last word | the words before it).
        backoffs: ``backoffs[n - 1][ngram]`` = backoff weight of ``ngram`` used as a
            context (orders below ``order``; contexts never extended are absent = 1).
        discounts: (D1, D2, D3+) per order.
    """

    order: int
    probs: tuple[dict[Ngram, float], ...]
    backoffs: tuple[dict[Ngram, float], ...]
    discounts: tuple[tuple[float, float, float], ...]


def adjusted_counts(sentences: Iterable[list[str]], order: int) -> list[Counter[Ngram]]:
    """Kneser-Ney adjusted counts per order (index n - 1), sentences padded with <s>, </s>."""
    counts: list[Counter[Ngram]] = [Counter() for _ in range(order)]
    starts: list[Counter[Ngram]] = [Counter() for _ in range(order)]
    for tokens in sentences:
        padded = (SENTENCE_START, *tokens, SENTENCE_END)
        for i in range(len(padded) - order + 1):
            counts[order - 1][padded[i : i + order]] += 1
        for n in range(1, min(order, len(padded) + 1)):
            starts[n - 1][padded[:n]] += 1
    for n in range(order - 1, 0, -1):
        lower = counts[n - 1]
        lower.update(starts[n - 1])
        for ngram in counts[n]:
            lower[ngram[1:]] += 1  # one more distinct left neighbour
    counts[0].pop((SENTENCE_START,), None)  # <s> is never predicted
    return counts


def modified_discounts(counts: Counter[Ngram]) -> tuple[float, float, float]:
    """(D1, D2, D3+) from count-of-counts; KenLM's fallback when the estimate is unusable."""
    t = [0] * 5
    for a in counts.values():
        if a <= 4:
            t[a] += 1
    if min(t[1:]) == 0:
        return FALLBACK_DISCOUNTS
    y = t[1] / (t[1] + 2 * t[2])
    d = tuple(k - (k + 1) * y * t[k + 1] / t[k] for k in (1, 2, 3))
    if any(not 0.0 < dk < k for k, dk in zip((1, 2, 3), d, strict=True)):
        return FALLBACK_DISCOUNTS
    return d  # type: ignore[return-value]


def _context_stats(
    counts: Counter[Ngram], discounts: tuple[float, float, float]
) -> tuple[dict[Ngram, float], dict[Ngram, float]]:
    """Per context: total adjusted count and interpolation weight gamma."""
    totals: dict[Ngram, float] = {}
    mass: dict[Ngram, float] = {}
    for ngram, a in counts.items():
        h = ngram[:-1]
        totals[h] = totals.get(h, 0.0) + a
        mass[h] = mass.get(h, 0.0) + discounts[min(a, 3) - 1]
    return totals, {h: mass[h] / totals[h] for h in totals}


def _discounted(a: int, discounts: tuple[float, float, float]) -> float:
    """Adjusted count minus its discount (0 for unseen)."""
    return a - discounts[min(a, 3) - 1] if a > 0 else 0.0


def estimate(sentences: Iterable[list[str]], order: int) -> NgramModel:
    """Estimate an interpolated modified Kneser-Ney model of ``order`` from token lists.

    Args:
        sentences: token lists, without <s> / </s>.
        order: highest n-gram order, >= 1.

    Returns:
        The model in backoff form.
    """
    if order < 1:
        raise ValueError(f"n-gram order must be at least 1, not {order}")
    counts = adjusted_counts(sentences, order)
    if not counts[0]:
        raise ValueError("no sentences to estimate a language model from")
    discounts = tuple(modified_discounts(c) for c in counts)
    probs: list[dict[Ngram, float]] = []
    backoffs: list[dict[Ngram, float]] = [{} for _ in range(order - 1)]
    for n, (level, disc) in enumerate(zip(counts, discounts, strict=True), start=1):
        totals, gammas = _context_stats(level, disc)
        if n == 1:
            vocab = set(level) | {(SENTENCE_END,), (UNKNOWN,)}
            uniform = gammas[()] / len(vocab)
            probs.append(
                {g: _discounted(level.get(g, 0), disc) / totals[()] + uniform for g in vocab}
            )
            continue
        lower = probs[n - 2]
        backoffs[n - 2].update(gammas)
        probs.append(
            {
                g: _discounted(a, disc) / totals[g[:-1]] + gammas[g[:-1]] * lower[g[1:]]
                for g, a in level.items()
            }
        )
    return NgramModel(order, tuple(probs), tuple(backoffs), discounts)  # type: ignore[arg-type]
