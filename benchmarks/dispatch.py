"""Benchmark: dispatching from an ever-growing queue costs O(log n) per decision, so run time grows linearly.

Run on demand (not part of the test suite): ``python benchmarks/dispatch.py [--rule edd] [--days 5 10 20]``.
One station, Poisson orders at 1/min, service 1.25 min on average (load 125 %): the queue grows by
about 0.2 units a minute, to ~5,800 units after 20 days. Prints wall time per horizon and per day;
the per-day figure must stay flat (a queue scan per decision made it grow with the horizon).
``--rule atcs`` splits the orders over three products with a 1-min set-up between them: ATCS reads
the earliest-due unit of each product, so its decisions stay O(products · log n) as well.
"""

from __future__ import annotations

import argparse
import time

from twin import simulate
from twin.spec import Factory, check_factory


def overloaded(rule: str) -> Factory:
    n = 3 if rule == "atcs" else 1
    products = [
        {
            "name": f"p{k}",
            "routing": [{"station": "m", "time_min": {"dist": "exponential", "mean": 1.25}}],
            "demand": {"interarrival_min": {"dist": "exponential", "mean": float(n)}},
        }
        for k in range(n)
    ]
    station = {"name": "m", "setup_min": 1.0} if n > 1 else {"name": "m"}
    factory = Factory.model_validate(
        {"name": "overloaded", "stations": [station], "products": products, "policies": {"dispatch": rule}}
    )
    check_factory(factory)
    return factory


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rule", default="edd", choices=["fifo", "edd", "spt", "setup_avoiding", "atcs"])
    ap.add_argument("--days", type=float, nargs="+", default=[5, 10, 20])
    args = ap.parse_args()
    factory = overloaded(args.rule)
    print(f"overloaded {args.rule} queue (load 125 %), one replication")
    for days in args.days:
        start = time.perf_counter()
        r = simulate(factory, days=days, reps=1, warmup=0)
        wall = time.perf_counter() - start
        queue = r.stations["m"]["queue_len"].mean
        print(f"  {days:5g} days: {wall:6.2f} s  ({wall / days:.3f} s/day, mean queue {queue:,.0f})")


if __name__ == "__main__":
    main()
