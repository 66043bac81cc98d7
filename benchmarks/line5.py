"""Benchmark: the line5 reference line through Tier Twin's own spec and engine vs plain SimPy.

Run on demand (not part of the test suite): ``python benchmarks/line5.py [--parts N] [--repeat K]``.
Prints parts/s of both, their ratio, simulated events/s, throughput (both must agree: same model)
and peak traced memory for a short and a long run (memory must stay flat as the horizon grows).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from plain_simpy_line5 import BUFFER_CAPACITY, MTTF, MTTR, PROCESS_MEANS, run_plain  # noqa: E402

from twin.sim.engine import Simulation  # noqa: E402
from twin.spec import Factory  # noqa: E402


def line5_factory() -> Factory:
    """5 stations in series, exponential times, buffers of 5, operation-dependent failures."""
    failures = {
        "basis": "operating",
        "ttf_min": {"dist": "exponential", "mean": MTTF},
        "ttr_min": {"dist": "exponential", "mean": MTTR},
    }
    stations = [{"name": f"s{i + 1}", "buffer": BUFFER_CAPACITY, "failures": failures} for i in range(5)]
    routing = [
        {"station": f"s{i + 1}", "time_min": {"dist": "exponential", "mean": m}} for i, m in enumerate(PROCESS_MEANS)
    ]
    return Factory.model_validate(
        {
            "name": "line5",
            "stations": stations,
            "products": [{"name": "part", "routing": routing}],
            "policies": {"release": {"policy": "saturated"}},
        }
    )


def run_twin(n_parts: int = 100_000, seed: int = 1, count_events: bool = False) -> dict:
    """Run line5 in Tier Twin until ``n_parts`` have left the last station."""
    sim = Simulation(line5_factory(), seed, 0)
    env, plant = sim.env, sim.plant
    events = 0
    if count_events:
        step = env.step

        def counting_step() -> None:
            nonlocal events
            events += 1
            step()

        env.step = counting_step
    chunk = n_parts / 0.8 / 50  # about 50 checks of the stopping rule
    start = time.perf_counter()
    while plant.finished < n_parts:
        env.run(until=env.now + chunk)
    wall = time.perf_counter() - start
    sim.snapshot()
    return {
        "parts": plant.finished,
        "sim_time_min": env.now,
        "wall_s": wall,
        "parts_per_s": plant.finished / wall,
        "throughput_per_min": plant.finished / env.now,
        "events": events,
    }


def peak_memory_mb(fn, n_parts: int) -> float:
    tracemalloc.start()
    fn(n_parts)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    twin_runs, plain_runs = [], []
    for _ in range(args.repeat):  # interleaved, so load on the machine hits both alike
        twin_runs.append(run_twin(args.parts))
        plain_runs.append(run_plain(args.parts))
    twin_rate = statistics.median(r["parts_per_s"] for r in twin_runs)
    plain_rate = statistics.median(r["parts_per_s"] for r in plain_runs)
    counted = run_twin(args.parts, count_events=True)
    events_per_s = counted["events"] / statistics.median(r["wall_s"] for r in twin_runs)

    print(f"line5, {args.parts:,} parts, median of {args.repeat} runs")
    print(f"  Tier Twin   : {twin_rate:10,.0f} parts/s   throughput {twin_runs[0]['throughput_per_min']:.4f} /min")
    print(f"  plain SimPy : {plain_rate:10,.0f} parts/s   throughput {plain_runs[0]['throughput_per_min']:.4f} /min")
    print(f"  ratio       : {twin_rate / plain_rate:10.2f} x (target >= 0.5)")
    print(f"  events      : {counted['events']:,} SimPy events, {events_per_s:,.0f} events/s")
    short = args.parts // 10
    print("  peak traced memory (tracemalloc):")
    for n in (short, args.parts):
        print(
            f"    {n:>9,} parts: Tier Twin {peak_memory_mb(run_twin, n):6.2f} MB, "
            f"plain SimPy {peak_memory_mb(run_plain, n):6.2f} MB"
        )


if __name__ == "__main__":
    main()
