"""CTC decoders shared by speech and handwriting: greedy and beam search.

The names below are imported on first use, so importing a light submodule
(``common.decoding.hypothesis``, ``common.decoding.cli_args``) does not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

from common.decoding import _jit  # noqa: F401  (numba cache folder, before any kernel)

_WHERE = {
    "CTCBeamDecoder": "common.decoding.beam",
    "greedy_decode": "common.decoding.greedy",
    "Hypothesis": "common.decoding.hypothesis",
    "WordSpan": "common.decoding.hypothesis",
    "word_spans": "common.decoding.hypothesis",
}

__all__ = ["CTCBeamDecoder", "Hypothesis", "WordSpan", "greedy_decode", "word_spans"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'common.decoding' has no attribute {name!r}")
