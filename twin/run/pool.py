"""Replications in a process pool, reporting progress from inside each replication.

Each worker writes how far its replication has got into one slot of a shared array; the parent
polls the array while it waits, so a pool of long replications shows progress as a serial run does.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from multiprocessing import Array, Pool
from typing import Any

MB_PER_WORKER = 120
POLL_S = 0.5

_done: Any = None


def available_memory_mb() -> float | None:
    """Memory available to new processes (Linux ``MemAvailable``); None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (ValueError, OSError, AttributeError):
        return None


def cap_jobs(jobs: int) -> tuple[int, str | None]:
    """``jobs`` capped at the cores and at available memory / ``MB_PER_WORKER``; the reason if capped."""
    cores = os.cpu_count() or 1
    memory = available_memory_mb()
    by_memory = max(1, int(memory // MB_PER_WORKER)) if memory is not None else jobs
    capped = min(jobs, cores, by_memory)
    if capped == jobs:
        return jobs, None
    if capped == cores:
        return capped, f"--jobs {jobs} capped at {capped}: this machine has {cores} cores"
    return capped, f"--jobs {jobs} capped at {capped}: {memory:,.0f} MB available, about {MB_PER_WORKER} MB per worker"


def _start_worker(done: Any) -> None:
    """Keep the shared progress array; leave Ctrl-C to the parent, which stops the whole pool.

    A forked worker inherits its parent's SIGTERM handler; in a host with its own (the dashboard's web
    server stops itself on SIGTERM) the worker would survive ``terminate`` and the parent wait for ever.
    """
    global _done
    _done = done
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _call(fn: Callable[..., Any], index: int, args: tuple) -> Any:
    return fn(*args, lambda fraction: _done.__setitem__(index, fraction))


def map_with_progress(
    fn: Callable[..., Any], arglists: Sequence[tuple], jobs: int, progress: Callable[[float], None] | None
) -> list[Any]:
    """``[fn(*args, report) for args in arglists]`` in ``jobs`` processes, in order.

    ``fn`` takes a last argument ``report(fraction)``; ``progress`` gets the mean fraction over all
    calls every ``POLL_S`` seconds. On an error or Ctrl-C the workers are stopped at once, not
    left to finish their replications.
    """
    n = len(arglists)
    done = Array("d", n, lock=False)
    pool = Pool(min(jobs, n), initializer=_start_worker, initargs=(done,))
    try:
        pending = [pool.apply_async(_call, (fn, i, args)) for i, args in enumerate(arglists)]
        calls = list(pending)
        while pending:
            pending[0].wait(POLL_S)
            for call in [c for c in pending if c.ready()]:
                call.get()  # raises the call's error here, without waiting for the others
                pending.remove(call)
            if progress:
                progress(sum(done) / n)
        results = [c.get() for c in calls]
    except BaseException:
        pool.terminate()
        raise
    pool.close()
    pool.join()
    return results
