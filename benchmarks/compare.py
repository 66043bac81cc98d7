"""How long the main job takes: the default ``twin compare`` serially and in a process pool.

Run on demand: ``python benchmarks/compare.py [--jobs 1 2] [--reps 5] [--max-reps 10]``. Prints, per
executor setting, the wall time split into the first simulation of every plant state, the rest
(ranking and selection's extra replications, valuation, the tornado's extra demand levels), the
replications simulated, and the speed-up over serial. Target (issue 10): under 60 s with 2 jobs on a
2-core machine and a speed-up of at least 1.8x.
"""

from __future__ import annotations

import argparse
import json
import time

from twin.plan.compare import MONEY_ONLY, compare_paths, tornado
from twin.plan.investments import load_catalogue
from twin.plan.paths import load_paths
from twin.plan.presets import load_model
from twin.plan.study import PathStudy
from twin.run.executors import Executor, make_executor


def run(
    executor: Executor, reps: int, max_reps: int, days: float, demand: bool, quiet: bool = False
) -> tuple[dict, dict[str, float]]:
    """The default ``twin compare`` (4 paths, tornado) on ``executor``; the JSON document and the phase times."""
    started = time.perf_counter()
    plant, catalogue = load_model(None), load_catalogue()
    paths, finance = load_paths(None, plant, catalogue)
    study = PathStudy(plant, paths, finance, catalogue, days=days, warmup_min=7 * 1440.0, seed=1, executor=executor)
    setup = time.perf_counter()
    study.ensure(reps)
    first = time.perf_counter()
    doc = compare_paths(study, reps=reps, max_reps=max_reps, with_tornado=False)
    selected = time.perf_counter()
    best = [p.path.name for p in study.plans].index(doc["best_path"])
    names = (*MONEY_ONLY, "demand_growth") if demand else MONEY_ONLY
    doc["tornado"] = tornado(study, best, doc["paths"][doc["best_path"]]["replications"], names)
    done = time.perf_counter()
    if not quiet:
        paired_vs_unpaired(study, best)
    times = {
        "load, price and assess paths": setup - started,
        "first replications of every state": first - setup,
        "selection and valuation": selected - first,
        "tornado": done - selected,
        "total": done - started,
        "replications simulated": study.runs.simulated,
        "distinct (state, level) runs": len(study.runs.runs),
    }
    return doc, times


def paired_vs_unpaired(study: PathStudy, i: int) -> None:
    """Half-widths of the last stage's change against doing nothing: paired (common random numbers) and as if
    the two had been run with independent random numbers (Welch)."""
    from scipy import stats

    from twin.kpi.stats import paired_difference

    state = study.plans[i].states[-1]
    n = len(study.runs.replications(state, 1.0))
    base, last = study.runs.kpis(study.baseline, 1.0, n), study.runs.kpis(state, 1.0, n)
    print(f"paired vs unpaired 95% half-widths, {study.plans[i].path.name} final stage vs doing nothing ({n} reps):")
    for kpi in ("throughput_per_h", "lead_time_min", "wip", "scrap_rate", "energy_kwh_per_unit", "unit_cost_cny"):
        a, b = [r[kpi] for r in last], [r[kpi] for r in base]
        paired = paired_difference(a, b).half_width
        se = (stats.tvar(a) / n + stats.tvar(b) / n) ** 0.5
        unpaired = stats.t.ppf(0.975, 2 * n - 2) * se
        print(f"  {kpi:22} paired ±{paired:.4g}   unpaired ±{unpaired:.4g}   ratio {paired / unpaired:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--max-reps", type=int, default=7)
    ap.add_argument("--days", type=float, default=21.0)
    ap.add_argument("--tornado-demand", action="store_true", help="add demand growth to the tornado")
    args = ap.parse_args()
    results = {}
    for jobs in args.jobs:
        with make_executor("pool", jobs) as executor:
            doc, times = run(executor, args.reps, args.max_reps, args.days, args.tornado_demand)
        results[jobs] = (doc, times)
        print(f"--jobs {jobs}:")
        for k, v in times.items():
            print(f"  {k:38} {v:8.1f}" + (" s" if isinstance(v, float) else ""))
    if len(results) > 1:
        docs = [json.dumps(d, sort_keys=True) for d, _ in results.values()]
        print("identical results across job counts:", all(d == docs[0] for d in docs))
        serial = results[min(results)][1]["total"]
        for jobs, (_, times) in sorted(results.items()):
            print(f"  speed-up with {jobs} jobs: {serial / times['total']:.2f}x")


if __name__ == "__main__":
    main()
