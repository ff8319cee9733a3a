"""Rebuild typed config dataclasses from plain dicts (as stored in checkpoints)."""

from __future__ import annotations

from typing import Any, TypeVar

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

T = TypeVar("T")


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """``cls`` filled from ``data``; unknown keys raise, nested dataclasses are rebuilt.

    Raises:
        ValueError: ``data`` is not a dict, or has unknown keys or values of the wrong
            type (one line, naming the key).
    """
    try:
        merged = OmegaConf.merge(OmegaConf.structured(cls), data)
        return OmegaConf.to_object(merged)
    except (OmegaConfBaseException, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ValueError(f"bad {cls.__name__}: {reason}") from exc
