"""Text -> modified Kneser-Ney n-gram model -> ARPA file (readable by KenLM): the ARPA *writer*.

(The decoder's ARPA *reader* is ``common.decoding.arpa``.)

ARPA stores log10 probabilities and log10 backoff weights; ``<s>`` gets the
conventional -99 because it is never predicted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

from common.fileio import write_text_atomic
from common.lm.kneser_ney import NgramModel, estimate
from common.lm.text import SENTENCE_START, UNITS, normalize_sentence, sentence_tokens

NEVER_LOG10 = -99.0


class LMBuildError(ValueError):
    """The text cannot produce a language model (empty input, bad order or unit)."""


def _line(log_prob: float, ngram: tuple[str, ...], backoff: float | None) -> str:
    words = " ".join(ngram)
    if backoff is None:
        return f"{log_prob:.6f}\t{words}"
    return f"{log_prob:.6f}\t{words}\t{math.log10(backoff):.6f}"


def format_arpa(model: NgramModel) -> str:
    """The ARPA text of ``model`` (n-grams sorted within each order)."""
    lines = ["\\data\\"]
    start = (SENTENCE_START,)
    sizes = [len(p) + (n == 0) for n, p in enumerate(model.probs)]
    lines += [f"ngram {n}={size}" for n, size in enumerate(sizes, start=1)]
    for n, probs in enumerate(model.probs, start=1):
        backoffs = model.backoffs[n - 1] if n < model.order else {}
        lines += ["", f"\\{n}-grams:"]
        if n == 1:
            lines.append(_line(NEVER_LOG10, start, backoffs.get(start)))
        lines += [_line(math.log10(probs[g]), g, backoffs.get(g)) for g in sorted(probs)]
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def _token_sentences(
    sentences: Iterable[str], unit: str, normalize: Callable[[str], str]
) -> list[list[str]]:
    normalised = (normalize(s) for s in sentences)
    return [sentence_tokens(s, unit) for s in normalised if s]


def build_arpa(
    sentences: Iterable[str],
    order: int,
    unit: str = "word",
    normalize: Callable[[str], str] = normalize_sentence,
) -> str:
    """Estimate an interpolated modified Kneser-Ney model and return its ARPA text.

    Sentences are normalised first (by default lowercase, punctuation stripped
    except apostrophes, whitespace collapsed; pass a task's own normaliser from
    ``common.lm.text.alphabet_normalizer`` to keep its case and punctuation);
    empty ones are skipped.

    Args:
        sentences: raw text, one sentence per item.
        order: highest n-gram order (1 = unigram).
        unit: ``"word"`` or ``"char"`` (characters, word boundary as ``<sp>``).
        normalize: raw sentence -> the text the model's decoder can write.

    Returns:
        The model in ARPA format (log10 values).

    Raises:
        LMBuildError: no usable sentence, order below 1 or unknown unit.
    """
    if unit not in UNITS:
        raise LMBuildError(f"LM unit must be one of {'|'.join(UNITS)}, not {unit!r}")
    if order < 1:
        raise LMBuildError(f"n-gram order must be at least 1, not {order}")
    token_sentences = _token_sentences(sentences, unit, normalize)
    if not token_sentences:
        raise LMBuildError("no text left to build a language model from (input empty?)")
    return format_arpa(estimate(token_sentences, order))


def write_arpa(
    sentences: Iterable[str],
    path: str | Path,
    order: int,
    unit: str = "word",
    normalize: Callable[[str], str] = normalize_sentence,
) -> Path:
    """Like ``build_arpa`` but writes the model to ``path`` atomically and returns the path."""
    text = build_arpa(sentences, order, unit, normalize)
    write_text_atomic(path, text)
    return Path(path)
