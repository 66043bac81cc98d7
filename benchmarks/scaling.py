"""Scaling of the main job: the default ``twin compare`` serially, in a process pool and on Dask.

Run on demand: ``python benchmarks/scaling.py [--workers 1 2] [--project 16 64 256] [--days 21]``.
Prints, for each executor at each worker count on this machine, the wall time, the speed-up over
serial and the parallel efficiency (speed-up / workers), and checks that every run printed the same
JSON. Then measures Dask's per-task overhead (empty tasks through a 2-worker cluster, and the share
of the workers' time the real job did not spend computing), and projects the job's wall time on
16/64/256 workers from what was measured: the serial part (everything the client does itself) plus,
for each batch of replications the job runs, the replications shared out over N workers plus one
task overhead per task. That is a projection (Amdahl with a measured serial part and a critical
path per batch), not a measurement. Targets (issue 12): pool at least 1.8x serial on 2 cores; Dask
within 10 % of the pool.
"""

from __future__ import annotations

import argparse
import json
import math
import time

from compare import run

from twin.run.executors import DaskExecutor, Executor, RunStats, make_executor


def timed(executor: Executor, args: argparse.Namespace) -> tuple[str, float, list[RunStats]]:
    started = time.perf_counter()
    doc, _ = run(executor, args.reps, args.max_reps, args.days, demand=False, quiet=True)
    return json.dumps(doc, sort_keys=True), time.perf_counter() - started, list(executor.stats)


def empty_task_overhead(n: int = 400) -> float:
    """Seconds per empty task pushed through a fresh 2-worker local cluster (submit → result)."""
    with DaskExecutor(None, 2) as ex:
        ex.client.submit(int, 0, pure=False).result()  # warm
        t0 = time.perf_counter()
        futures = [ex.client.submit(int, i, pure=False) for i in range(n)]
        ex.client.gather(futures)
        return (time.perf_counter() - t0) / n * 2  # two workers at once: per task, per worker


def projection(serial_wall: float, stats: list[RunStats], overhead_s: float, workers: int) -> float:
    """Wall time on ``workers`` from the serial run: its serial part plus each batch's replications shared
    out (whole replications per worker, each with one task overhead)."""
    serial_part = serial_wall - sum(s.wall_s for s in stats)
    parallel = 0.0
    for s in stats:
        per_rep = s.compute_s / s.replications
        rounds = math.ceil(s.replications / workers)
        parallel += rounds * (per_rep + overhead_s)
    return serial_part + parallel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--project", type=int, nargs="+", default=[16, 64, 256])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-reps", type=int, default=7)
    ap.add_argument("--days", type=float, default=21.0)
    args = ap.parse_args()

    rows, docs = [], {}
    with make_executor("serial") as ex:
        doc, serial_wall, serial_stats = timed(ex, args)
    docs["serial"] = doc
    rows.append(("serial", 1, serial_wall, 0.0))
    for name in ("pool", "dask"):
        for n in args.workers:
            t0 = time.perf_counter()
            with DaskExecutor(None, n) if name == "dask" else make_executor("pool", n) as ex:
                startup = time.perf_counter() - t0
                doc, wall, stats = timed(ex, args)
            docs[f"{name} {n}"] = doc
            rows.append((name, n, wall + startup, startup))
            if name == "dask" and n == max(args.workers):
                dask_stats = stats
    print(f"default twin compare ({args.days:g} days, {args.reps}->{args.max_reps} replications), this machine:")
    print(f"  {'executor':8} {'workers':>7} {'wall s':>8} {'start s':>8} {'speed-up':>9} {'efficiency':>10}")
    for name, n, wall, startup in rows:
        speed = serial_wall / wall
        print(f"  {name:8} {n:7d} {wall:8.1f} {startup:8.1f} {speed:8.2f}x {speed / n:9.0%}")
    print("identical JSON across executors:", len(set(docs.values())) == 1)
    pool = {n: w for name, n, w, _ in rows if name == "pool"}
    dask = {n: w for name, n, w, _ in rows if name == "dask"}
    for n in args.workers:
        if n in pool and n in dask:
            print(f"  Dask vs pool at {n} worker(s): {dask[n] / pool[n] - 1:+.1%} wall time")

    per_task = empty_task_overhead()
    replications = sum(s.replications for s in dask_stats)
    tasks = sum(s.tasks for s in dask_stats)
    share = 1 - sum(s.compute_s for s in dask_stats) / sum(s.wall_s * s.workers for s in dask_stats)
    per_rep = sum(s.compute_s for s in serial_stats) / sum(s.replications for s in serial_stats)
    print(f"Dask overhead: {per_task * 1000:.1f} ms per empty task per worker; a replication takes "
          f"{per_rep:.2f} s ({per_task / per_rep:.1%} of it) serially; in the real job {tasks} tasks for "
          f"{replications} replications, {share:.1%} of the workers' time not computing "
          "(scheduling, transfer, idle while a batch's last tasks finish)")  # fmt: skip
    serial_part = serial_wall - sum(s.wall_s for s in serial_stats)
    print(
        f"serial part (client: loading, pricing, KPIs, selection, valuation): {serial_part:.1f} s of "
        f"{serial_wall:.1f} s ({serial_part / serial_wall:.1%}); {len(serial_stats)} batches of replications"
    )
    print("projection (not measured): wall time of this job on N workers, the per-task overhead above")
    for n in sorted({*args.workers, *args.project}):
        t = projection(serial_wall, serial_stats, per_task, n)
        print(f"  {n:4d} workers: {t:7.1f} s  speed-up {serial_wall / t:5.2f}x  efficiency {serial_wall / t / n:6.1%}")


if __name__ == "__main__":
    main()
