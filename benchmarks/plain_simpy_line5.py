"""Plain, hand-written SimPy model of the "line5" reference line.

This is the baseline that ``benchmarks/line5.py`` (the Tier Twin engine) is
compared against, both for speed (parts simulated per wall-clock second) and
for correctness (throughput per simulated minute). It deliberately uses no
Tier Twin code: it is the script a competent engineer would write by hand.

Model:
  * 5 stations in series, one machine each, exponential process times with
    means 0.8, 0.9, 0.85, 0.95, 0.9 min.
  * Buffers of capacity 5 between consecutive stations (parts waiting, not
    counting the part on the machine), modelled as ``simpy.Store(capacity=5)``.
  * Blocking after service: a finished part stays on the machine until the
    downstream buffer has room.
  * Operation-dependent exponential failures (MTTF 100 min, MTTR 5 min): time
    to failure only elapses while processing.
  * First station never starved, last station never blocked.
  * Stops once ``n_parts`` parts have left the last station.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import numpy as np
import simpy

PROCESS_MEANS: list[float] = [0.8, 0.9, 0.85, 0.95, 0.9]
BUFFER_CAPACITY = 5
MTTF = 100.0
MTTR = 5.0


def station(
    env: simpy.Environment,
    mean: float,
    upstream: simpy.Store | None,
    downstream: simpy.Store | None,
    rng_proc: np.random.Generator,
    rng_fail: np.random.Generator,
    rng_repair: np.random.Generator,
    counter: dict[str, int],
    n_parts: int,
    done: simpy.Event,
) -> Generator[simpy.Event, object, None]:
    """One machine: take a part, process it (with failures), pass it on."""
    ttf = rng_fail.exponential(MTTF)  # remaining processing time to next failure
    while True:
        # First station is never starved: it always has raw material.
        part = None if upstream is None else (yield upstream.get())

        remaining = rng_proc.exponential(mean)
        while remaining > ttf:
            # Process until the failure, repair, then draw a fresh TTF.
            yield env.timeout(ttf)
            remaining -= ttf
            yield env.timeout(rng_repair.exponential(MTTR))
            ttf = rng_fail.exponential(MTTF)
        yield env.timeout(remaining)
        ttf -= remaining

        if downstream is not None:
            # Blocking after service: wait here until the buffer has room.
            yield downstream.put(part)
        else:
            # Last station is never blocked: the part leaves the line.
            counter["parts"] += 1
            if counter["parts"] >= n_parts:
                done.succeed()
                return


def run_plain(n_parts: int = 100_000, seed: int = 1) -> dict:
    """Simulate line5 until ``n_parts`` parts are produced; return metrics."""
    n = len(PROCESS_MEANS)
    # One generator per station and purpose (processing, failures, repairs).
    children = np.random.SeedSequence(seed).spawn(3 * n)
    rngs = [np.random.default_rng(s) for s in children]

    env = simpy.Environment()
    buffers = [simpy.Store(env, capacity=BUFFER_CAPACITY) for _ in range(n - 1)]
    counter = {"parts": 0}
    done = env.event()

    for i, mean in enumerate(PROCESS_MEANS):
        env.process(
            station(
                env,
                mean,
                upstream=buffers[i - 1] if i > 0 else None,
                downstream=buffers[i] if i < n - 1 else None,
                rng_proc=rngs[3 * i],
                rng_fail=rngs[3 * i + 1],
                rng_repair=rngs[3 * i + 2],
                counter=counter,
                n_parts=n_parts,
                done=done,
            )
        )

    start = time.perf_counter()
    env.run(until=done)
    wall = time.perf_counter() - start

    parts = counter["parts"]
    return {
        "parts": parts,
        "sim_time_min": float(env.now),
        "wall_s": wall,
        "parts_per_s": parts / wall,
        "throughput_per_min": parts / env.now,
    }


if __name__ == "__main__":
    print(run_plain())
