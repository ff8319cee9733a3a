"""Compile the beam search's kernels into numba's cache before the first real decode.

Part of the decoder stage (model -> **decoder** -> output). ``make install`` runs
``python -m common.decoding.warmup`` once, so the first ``--beam``/``--lm`` decode loads the
kernels (well under a second) instead of compiling them (10-30 s). It decodes random
emissions with every kind of table the search takes: a word ARPA LM with lexicon and
hotwords, a char LM, no LM, and fills a score table past its size as the KenLM path does,
so every entry point is compiled (all variants share one signature per kernel).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common.decoding._jit import cache_dir, is_warm

LABELS = ["_", *" abcdefghijklmnopqrstuvwxyz'"]
SENTENCES = ["hello world", "two six eight", "a b c"]


def _emissions(frames: int = 60) -> np.ndarray:
    """(T, V) float32 log-probabilities, random but fixed."""
    rng = np.random.default_rng(0)
    return np.log(rng.dirichlet(np.full(len(LABELS), 0.3), size=frames)).astype(np.float32)


def _grow_score_table() -> None:
    """Insert past a small table's capacity, so the rehash kernel is compiled too."""
    from common.decoding._hashing import ScoreTable

    table = ScoreTable(capacity=16)
    for i in range(20):
        if not table.contains(0, i):
            table.insert(0, i, -1.0, 0)


def warm_up() -> None:
    """Run each decoder variant once (compiles into, or loads from, numba's cache)."""
    from common.decoding.beam import CTCBeamDecoder
    from common.decoding.char_lm import CharLM
    from common.lm.arpa_writer import build_arpa

    lp = _emissions()
    with tempfile.TemporaryDirectory() as tmp:
        word_arpa, char_arpa = Path(tmp) / "word.arpa", Path(tmp) / "char.arpa"
        word_arpa.write_text(build_arpa(SENTENCES, 3), encoding="utf-8")
        char_arpa.write_text(build_arpa(SENTENCES, 4, unit="char"), encoding="utf-8")
        variants = [
            {"lm": word_arpa, "lexicon": ["hello", "world"], "hotwords": ["two six:3"]},
            {"lm": CharLM.load(char_arpa), "merge": "max"},
            {},
        ]
        for kwargs in variants:
            CTCBeamDecoder(LABELS, beam_size=8, **kwargs).decode_nbest(lp, 2)
    _grow_score_table()


def main() -> int:
    """``python -m common.decoding.warmup``: compile (or check) the kernels, say how long."""
    warm = is_warm()
    start = time.perf_counter()
    warm_up()
    took = time.perf_counter() - start
    state = "already compiled, loaded" if warm else "compiled"
    print(f"decoder kernels {state} in {took:.1f} s (cache: {cache_dir()})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
