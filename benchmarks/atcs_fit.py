"""What-if runs that fit the ATCS look-ahead parameters to a plant: what a digital twin of it would try.

Run on demand: ``python benchmarks/atcs_fit.py [--plant precision_machining_leading] [--k1 1 2 4]
[--k2 0.25 0.5 1 2] [--days 42] [--reps 8] [--seed 1] [--jobs 2]``.

Every (k1, k2) pair is the plant with ``policies.atcs`` set to it; all pairs run with the same seed
and warm-up (common random numbers), so each row's difference from the plant as it is, printed with
its paired 95 % interval, is what changing the parameters alone does. ``digital_twin_ops`` in the
catalogue cites this script for the values it sets.
"""

from __future__ import annotations

import argparse
import time

from twin.plan.presets import load_model
from twin.run.experiment import compare
from twin.spec.factory import Factory

KPIS = (("on_time_rate", 100, "on-time %"), ("lead_time_min", 1, "lead min"), ("wip", 1, "WIP"))


def with_atcs(plant: Factory, k1: float, k2: float) -> Factory:
    """The plant dispatching by ATCS with look-ahead parameters ``k1``, ``k2`` (stations that use ATCS)."""
    atcs = plant.policies.atcs.model_copy(update={"k1": k1, "k2": k2, "source": "what-if"})
    policies = plant.policies.model_copy(update={"atcs": atcs})
    return plant.model_copy(update={"policies": policies, "name": f"{plant.name}_k1_{k1:g}_k2_{k2:g}"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plant", default="precision_machining_leading")
    ap.add_argument("--k1", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    ap.add_argument("--k2", type=float, nargs="+", default=[0.25, 0.5, 1.0, 2.0])
    ap.add_argument("--days", type=float, default=42)
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=10080.0)
    args = ap.parse_args()

    plant = load_model(args.plant)
    grid = [(k1, k2) for k1 in args.k1 for k2 in args.k2]
    started = time.perf_counter()
    runs = compare(
        [plant, *(with_atcs(plant, k1, k2) for k1, k2 in grid)],
        days=args.days,
        reps=args.reps,
        warmup=args.warmup,
        seed=args.seed,
        jobs=args.jobs,
    )
    now = plant.policies.atcs
    print(
        f"{args.plant}: ATCS parameters against today's (k1 {now.k1:g}, k2 {now.k2:g}); {args.days:g} days, "
        f"{args.reps} replications, seed {args.seed}, paired 95 % intervals ({time.perf_counter() - started:.0f} s)"
    )
    print(f"{'k1':>5}{'k2':>6}" + "".join(f"{label:>34}" for _, _, label in KPIS) + f"{'grinding set-up %':>20}")
    for i, (k1, k2) in enumerate(grid, start=1):
        cells = []
        for kpi, scale, _ in KPIS:
            mean = runs.results[i].kpis[kpi].mean * scale
            d = runs.delta(kpi, i)
            cells.append(f"{mean:,.1f} ({d.mean * scale:+.1f} [{d.lo * scale:+.1f}, {d.hi * scale:+.1f}])")
        setup = runs.results[i].stations.get("grinding", {}).get("setup_share")
        shown = f"{setup.mean * 100:.1f}" if setup is not None else "—"
        print(f"{k1:>5g}{k2:>6g}" + "".join(f"{c:>34}" for c in cells) + f"{shown:>20}")


if __name__ == "__main__":
    main()
