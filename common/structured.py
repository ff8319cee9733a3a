"""Rebuild typed config dataclasses from plain dicts (as stored in checkpoints)."""

from __future__ import annotations

from typing import Any, TypeVar

from omegaconf import OmegaConf

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """``cls`` filled from ``data``; unknown keys raise, nested dataclasses are rebuilt."""
    merged = OmegaConf.merge(OmegaConf.structured(cls), data)
    return OmegaConf.to_object(merged)
