"""Speech recognition: ``asr.load("an4").transcribe("x.wav")`` (see ``asr.api``).

``load`` is imported on first use, so ``import asr`` stays light (no torch).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load"]


def __getattr__(name: str) -> Any:
    if name == "load":
        from asr.api import load

        return load
    raise AttributeError(f"module 'asr' has no attribute {name!r}")
