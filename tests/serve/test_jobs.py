"""The bounded recognition queue: admission up to capacity, 503-style refusal, and slots
that free only when a worker has really finished (even if the waiting client left)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from common.serve.jobs import JobQueue, QueueFull


def run(coroutine_fn):
    """``asyncio.run`` on a thread of its own (Playwright's sync API may own this one's loop)."""
    out = {}
    thread = threading.Thread(target=lambda: out.update(value=asyncio.run(coroutine_fn())))
    thread.start()
    thread.join(30)
    return out["value"]


def test_jobs_run_on_workers_and_return_their_results():
    queue = JobQueue(workers=2, capacity=4)
    main = threading.get_ident()  # the test's thread: jobs must not run on it

    async def go():
        return await asyncio.gather(
            *(queue.run(lambda x: (x * x, threading.get_ident()), i) for i in range(4))
        )

    results = run(go)
    assert [r[0] for r in results] == [0, 1, 4, 9]
    assert all(r[1] != main for r in results)
    assert queue.stats() == {
        "pending": 0,
        "capacity": 4,
        "workers": 2,
        "completed": 4,
        "rejected": 0,
    }
    queue.shutdown()


def test_capacity_counts_running_and_waiting_jobs():
    queue = JobQueue(workers=1, capacity=3)
    release = threading.Event()
    futures = [queue.submit(release.wait, 10) for _ in range(3)]  # 1 running + 2 waiting
    assert queue.pending == 3
    with pytest.raises(QueueFull, match="limit 3"):
        queue.submit(print)
    assert queue.stats()["rejected"] == 1
    release.set()
    assert all(f.result(timeout=10) for f in futures)
    queue.submit(lambda: None).result(timeout=10)  # room again
    queue.shutdown()
    assert queue.pending == 0


def test_a_cancelled_wait_keeps_the_slot_until_the_worker_is_done():
    queue = JobQueue(workers=1, capacity=1)
    started, release = threading.Event(), threading.Event()

    def job():
        started.set()
        release.wait(10)

    async def abandon():
        task = asyncio.ensure_future(queue.run(job))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
        task.cancel()  # the client went away
        with pytest.raises(asyncio.CancelledError):
            await task
        return True

    run(abandon)
    assert queue.pending == 1  # the worker still runs it
    with pytest.raises(QueueFull):
        queue.submit(print)
    release.set()
    queue.shutdown()
    assert queue.pending == 0


@pytest.mark.parametrize(("workers", "capacity"), [(0, 1), (2, 1)])
def test_impossible_sizes_are_refused(workers, capacity):
    with pytest.raises(ValueError, match="workers"):
        JobQueue(workers, capacity)
