"""Reading ARPA n-gram files (the text format KenLM and ``common.lm`` write)."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"^\\(\d+)-grams:$")

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


def read_arpa(path: str | Path) -> list[Ngrams]:
    """All n-grams: ``result[n - 1][ngram] = (log10 prob, log10 backoff)`` (backoff 0 if absent)."""
    path = _check_file(path)
    orders: list[Ngrams] = []
    current: Ngrams | None = None
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            match = _SECTION.match(line)
            if match:
                n = int(match.group(1))
                orders.extend({} for _ in range(n - len(orders)))
                current = orders[n - 1]
            elif line == "\\end\\":
                break
            elif line and current is not None:
                parts = line.split()
                if len(parts) < n + 1:
                    raise LMError(f"{path}: malformed {n}-gram line {line[:60]!r}")
                bow = float(parts[n + 1]) if len(parts) > n + 1 else 0.0
                current[tuple(parts[1 : n + 1])] = (float(parts[0]), bow)
    if not orders or not orders[0]:
        raise LMError(f"{path}: no unigrams in the ARPA file")
    return orders


def read_unigrams(path: str | Path) -> list[str]:
    """Vocabulary of an ARPA file (its unigrams), reading only the unigram section."""
    path = _check_file(path)
    words: list[str] = []
    inside = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line == "\\1-grams:":
                inside = True
            elif inside and (line.startswith("\\") or not line and words):
                break
            elif inside and line:
                parts = line.split()
                if len(parts) >= 2:
                    words.append(parts[1])
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
