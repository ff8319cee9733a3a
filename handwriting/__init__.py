"""Online handwriting recognition: ``handwriting.load().recognize(ink)`` (see ``handwriting.api``).

``load`` is imported on first use, so ``import handwriting`` stays light (no torch).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load"]


def __getattr__(name: str) -> Any:
    if name == "load":
        from handwriting.api import load

        return load
    raise AttributeError(f"module 'handwriting' has no attribute {name!r}")
