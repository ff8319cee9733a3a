"""Reading ARPA n-gram files (the text format KenLM and ``common.lm`` write).

First step of LM decoding: ``read_arpa`` -> ``common.decoding.lm`` /
``char_lm`` tables -> beam search. The reader refuses, with one ``LMError``
line and before allocating, what no real model holds: orders outside
``1..MAX_ORDER``, sections out of order, more than ``MAX_NGRAMS`` n-grams,
lines over ``MAX_LINE_CHARS``, and non-finite (NaN/inf) log values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

_SECTION = re.compile(r"^\\(\d{1,9})-grams:$")
MAX_ORDER = 10  # highest n-gram order read (KenLM's default build stops at 6)
MAX_NGRAMS = 10_000_000  # n-grams over all orders; bigger models belong in KenLM binary form
MAX_LINE_CHARS = 1 << 16

Ngrams = dict[tuple[str, ...], tuple[float, float]]


class LMError(ValueError):
    """A language model file that cannot be used."""


def is_arpa(path: Path) -> bool:
    """Whether ``path`` starts like an ARPA file (``\\data\\`` header)."""
    with open(path, "rb") as f:
        head = f.read(4096)
    return head.lstrip().startswith(b"\\data\\")


def _check_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise LMError(f"language model file not found: {path}")
    if not is_arpa(path):
        raise LMError(f"{path} is not an ARPA file (no \\data\\ header)")
    return path


def _lines(path: Path) -> Iterator[str]:
    """Stripped lines of ``path``; refuses over-long lines and bytes that are not UTF-8."""
    try:
        with open(path, encoding="utf-8") as f:
            while line := f.readline(MAX_LINE_CHARS + 1):
                if len(line) > MAX_LINE_CHARS:
                    raise LMError(f"{path}: line longer than {MAX_LINE_CHARS} characters")
                yield line.strip()
    except UnicodeDecodeError as e:
        raise LMError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})") from e


def _section(match: re.Match, orders: list[Ngrams], path: Path) -> int:
    """Order of a ``\\n-grams:`` header, which must be the next one after those read."""
    n = int(match.group(1))
    if not 1 <= n <= MAX_ORDER:
        raise LMError(f"{path}: n-gram order {n} outside 1..{MAX_ORDER}")
    if n != len(orders) + 1:
        raise LMError(f"{path}: section \\{n}-grams: after \\{len(orders)}-grams: (out of order)")
    orders.append({})
    return n


def _entry(parts: list[str], n: int, path: Path, line: str) -> tuple[float, float]:
    """(log10 prob, log10 backoff) of one n-gram line split into ``parts``."""
    try:
        prob = float(parts[0])
        bow = float(parts[n + 1]) if len(parts) > n + 1 else 0.0
    except ValueError as e:
        raise LMError(f"{path}: malformed {n}-gram line {line[:60]!r}") from e
    if not (math.isfinite(prob) and math.isfinite(bow)):
        raise LMError(f"{path}: non-finite log value in {n}-gram line {line[:60]!r}")
    return prob, bow


def read_arpa(path: str | Path) -> list[Ngrams]:
    """All n-grams: ``result[n - 1][ngram] = (log10 prob, log10 backoff)`` (backoff 0 if absent).

    Raises:
        LMError: missing or malformed file, or one beyond the limits in the module docstring.
    """
    path = _check_file(path)
    orders: list[Ngrams] = []
    n = total = 0
    for line in _lines(path):
        match = _SECTION.match(line)
        if match:
            n = _section(match, orders, path)
        elif line == "\\end\\":
            break
        elif line and orders:
            parts = line.split()
            if len(parts) < n + 1:
                raise LMError(f"{path}: malformed {n}-gram line {line[:60]!r}")
            orders[n - 1][tuple(parts[1 : n + 1])] = _entry(parts, n, path, line)
            total += 1
            if total > MAX_NGRAMS:
                raise LMError(f"{path}: more than {MAX_NGRAMS} n-grams (use a KenLM binary)")
    if not orders or not orders[0]:
        raise LMError(f"{path}: no unigrams in the ARPA file")
    return orders


def read_unigrams(path: str | Path) -> list[str]:
    """Vocabulary of an ARPA file (its unigrams), reading only the unigram section."""
    path = _check_file(path)
    words: list[str] = []
    inside = False
    for line in _lines(path):
        if line == "\\1-grams:":
            inside = True
        elif inside and (line.startswith("\\") or not line and words):
            break
        elif inside and line:
            parts = line.split()
            if len(parts) >= 2:
                words.append(parts[1])
            if len(words) > MAX_NGRAMS:
                raise LMError(f"{path}: more than {MAX_NGRAMS} unigrams")
    if not words:
        raise LMError(f"{path}: no unigrams in the ARPA file")
    return words


def context_ids(ngrams: list[Ngrams]) -> tuple[dict[tuple[str, ...], int], list[int]]:
    """Ids of the LM contexts (every n-gram below the top order; the empty root is 0).

    Returns:
        (id of each context, id of each context's longest proper suffix that is a context).
    """
    ids: dict[tuple[str, ...], int] = {(): 0}
    for level in ngrams[:-1]:
        for g in level:
            ids[g] = len(ids)
    suffix = [0] * len(ids)
    for g, i in ids.items():
        s = g[1:]
        while s not in ids:
            s = s[1:]
        suffix[i] = ids[s]
    return ids, suffix


def longest_context(ids: dict[tuple[str, ...], int], ngram: tuple[str, ...]) -> int:
    """Id of the longest suffix of ``ngram`` that is a context (the LM state after it)."""
    while ngram not in ids:
        ngram = ngram[1:]
    return ids[ngram]
