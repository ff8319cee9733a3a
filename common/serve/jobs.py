"""A bounded queue of recognitions, run on worker threads off the event loop.

Every recognition (model forward pass and decoding) is a blocking call; the routes
hand it to ``JobQueue.run``, which admits at most ``capacity`` jobs at once (running or
waiting for a worker) and refuses the rest with ``QueueFull`` (HTTP 503). A job counts
until its worker finishes it, even when the client has gone away, so a flood of
abandoned requests cannot grow the backlog past ``capacity``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class QueueFull(RuntimeError):
    """More than ``capacity`` recognitions are pending."""


class JobQueue:
    """``workers`` threads, at most ``capacity`` admitted jobs (running + waiting)."""

    def __init__(self, workers: int, capacity: int) -> None:
        if workers < 1 or capacity < workers:
            raise ValueError(f"need 1 <= workers <= capacity, got {workers}, {capacity}")
        self.workers, self.capacity = workers, capacity
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="inkspeech-job")
        self._lock = threading.Lock()
        self._pending = 0
        self.completed = 0
        self.rejected = 0

    @property
    def pending(self) -> int:
        """Jobs admitted and not yet finished."""
        return self._pending

    def _finished(self, _: Future) -> None:
        with self._lock:
            self._pending -= 1
            self.completed += 1

    def submit(self, fn: Callable[..., T], *args: object) -> Future:
        """Admit ``fn(*args)`` or raise ``QueueFull``; the slot frees when the job ends."""
        with self._lock:
            if self._pending >= self.capacity:
                self.rejected += 1
                raise QueueFull(f"{self._pending} recognitions pending (limit {self.capacity})")
            self._pending += 1
        try:
            future = self._pool.submit(fn, *args)
        except BaseException:
            with self._lock:
                self._pending -= 1
            raise
        future.add_done_callback(self._finished)
        return future

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` on a worker thread; raises ``QueueFull`` when the queue is full."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def stats(self) -> dict[str, int]:
        """Pending, capacity, workers and the counts so far (for /healthz)."""
        return {
            "pending": self._pending,
            "capacity": self.capacity,
            "workers": self.workers,
            "completed": self.completed,
            "rejected": self.rejected,
        }

    def shutdown(self) -> None:
        """Stop the workers after the jobs already admitted."""
        self._pool.shutdown(wait=True, cancel_futures=False)


async def run_queued(queue: JobQueue, fn: Callable[..., T], *args: object) -> T:
    """``queue.run`` with a full queue reported as HTTP 503."""
    from common.serve.errors import ApiError

    try:
        return await queue.run(fn, *args)
    except QueueFull as err:
        raise ApiError(503, f"server busy: {err}; retry shortly") from err
