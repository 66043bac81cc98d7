"""Replications in a process pool, reporting progress from inside each replication.

Each worker writes how far its replication has got into one slot of a shared array; the parent
polls the array while it waits, so a pool of long replications shows progress as a serial run does.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from multiprocessing import Array
from typing import Any

MB_PER_WORKER = 120
POLL_S = 0.5

_done: Any = None
_running = False


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
    global _done
    _done = done
    signal.signal(signal.SIGINT, _on_interrupt)


def _on_interrupt(signum: int, frame: object) -> None:
    """Ctrl-C reaches the whole process group: stop a running replication, let an idle worker wait to be shut down."""
    if _running:
        raise KeyboardInterrupt


def _call(fn: Callable[..., Any], index: int, args: tuple) -> Any:
    global _running
    _running = True
    try:
        return fn(*args, lambda fraction: _done.__setitem__(index, fraction))
    finally:
        _running = False


def map_with_progress(
    fn: Callable[..., Any], arglists: Sequence[tuple], jobs: int, progress: Callable[[float], None] | None
) -> list[Any]:
    """``[fn(*args, report) for args in arglists]`` in ``jobs`` processes, in order.

    ``fn`` takes a last argument ``report(fraction)``; ``progress`` gets the mean fraction over all
    calls every ``POLL_S`` seconds.
    """
    n = len(arglists)
    done = Array("d", n, lock=False)
    pool = ProcessPoolExecutor(max_workers=min(jobs, n), initializer=_start_worker, initargs=(done,))
    try:
        futures = [pool.submit(_call, fn, i, args) for i, args in enumerate(arglists)]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=POLL_S, return_when=FIRST_EXCEPTION)
            failed = next((f.exception() for f in futures if f.done() and f.exception() is not None), None)
            if failed is not None:
                raise failed
            if progress:
                progress(sum(done) / n)
        results = [f.result() for f in futures]
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results
