"""Shared pieces of the hostile-input tests: a time and memory bound, and byte mutation.

Every parser test asserts the same contract: a result or exactly one clean,
one-line error type, within a time and a (Python/NumPy heap) memory bound.
``bench/fuzz.py`` checks the same contract with many more cases, each in a
subprocess under an address-space cap.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st


@dataclass
class Outcome:
    """What one call did: its result or its clean error, how long it took, its heap peak."""

    result: Any
    error: Exception | None
    seconds: float
    peak_bytes: int


def run_bounded(
    fn: Callable[[], Any],
    clean: type[Exception] | tuple[type[Exception], ...],
    seconds: float = 10.0,
    megabytes: float = 512.0,
) -> Outcome:
    """Call ``fn``; any exception but ``clean`` fails the test, so do a slow call or a big heap."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result, error = fn(), None
    except clean as exc:
        result, error = None, exc
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s (bound {seconds} s)"
    assert peak < megabytes * 2**20, f"heap peak {peak / 2**20:.0f} MB (bound {megabytes} MB)"
    if error is not None:
        assert "\n" not in str(error) and str(error), f"not a one-line error: {error!r}"
    return Outcome(result, error, elapsed, peak)


@pytest.fixture(scope="session")
def bounded() -> Callable[..., Outcome]:
    """``run_bounded`` as a fixture (session scope, so hypothesis tests may use it)."""
    return run_bounded


@st.composite
def _mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` after a few seeded byte flips, truncations, splices and insertions."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "repeat"]))
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        if kind == "flip":
            out[at] = draw(st.integers(0, 255))
        elif kind == "truncate":
            del out[at:]
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del out[at : at + draw(st.integers(1, 64))]
        else:
            out[at:at] = out[at : at + 32] * draw(st.integers(1, 50))
    return bytes(out)


@pytest.fixture(scope="session")
def mutated() -> Callable[[bytes], st.SearchStrategy[bytes]]:
    """Strategy factory: ``mutated(valid_bytes)`` draws seeded corruptions of a valid file."""
    return _mutated
